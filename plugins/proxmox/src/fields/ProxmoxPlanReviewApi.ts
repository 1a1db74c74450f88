import {
  ApiBlueprint,
  coreApis,
  createApiRef,
  type FetchApi,
} from '@backstage/frontend-plugin-api';
import type {
  EditPlanOperationBody,
  ProxmoxPlan,
} from '@mycopod/plugin-proxmox-common';
import { ProxmoxApiError } from '../api/ProxmoxApiError';

/** The plan routes of the MycoPod backend (`/drafts…`). */
export interface ProxmoxPlansApi {
  /** The model drafts a plan of draft requests from the text. */
  draftPlan(text: string): Promise<ProxmoxPlan>;
  getPlan(planId: string): Promise<ProxmoxPlan>;
  /** Refused (400 with findings) when the edit breaks policy. */
  editOperation(
    planId: string,
    operationId: string,
    body: EditPlanOperationBody,
  ): Promise<ProxmoxPlan>;
  removeOperation(planId: string, operationId: string): Promise<ProxmoxPlan>;
  discardPlan(planId: string): Promise<ProxmoxPlan>;
}

export const proxmoxPlansApiRef = createApiRef<ProxmoxPlansApi>().with({
  id: 'plugin.proxmox.plans',
  pluginId: 'proxmox',
});

const seg = (s: string) => encodeURIComponent(s);

/** Calls the plan routes through the fetch API (user token, discovery). */
export class ProxmoxPlansClient implements ProxmoxPlansApi {
  constructor(private readonly deps: { fetchApi: FetchApi }) {}

  draftPlan(text: string) {
    return this.call<ProxmoxPlan>('POST', '/drafts', { text });
  }

  getPlan(planId: string) {
    return this.call<ProxmoxPlan>('GET', `/drafts/${seg(planId)}`);
  }

  editOperation(
    planId: string,
    operationId: string,
    body: EditPlanOperationBody,
  ) {
    return this.call<ProxmoxPlan>(
      'PATCH',
      `/drafts/${seg(planId)}/operations/${seg(operationId)}`,
      body,
    );
  }

  removeOperation(planId: string, operationId: string) {
    return this.call<ProxmoxPlan>(
      'DELETE',
      `/drafts/${seg(planId)}/operations/${seg(operationId)}`,
    );
  }

  discardPlan(planId: string) {
    return this.call<ProxmoxPlan>('DELETE', `/drafts/${seg(planId)}`);
  }

  private async call<T>(method: string, path: string, body?: unknown) {
    const res = await this.deps.fetchApi.fetch(`plugin://proxmox${path}`, {
      method,
      headers:
        body !== undefined
          ? { 'Content-Type': 'application/json', Accept: 'application/json' }
          : { Accept: 'application/json' },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw await ProxmoxApiError.fromResponse(res);
    return (await res.json()) as T;
  }
}

/** `api:proxmox/plans`. */
export const proxmoxPlansApi = ApiBlueprint.make({
  name: 'plans',
  params: defineParams =>
    defineParams({
      api: proxmoxPlansApiRef,
      deps: { fetchApi: coreApis.fetch },
      factory: ({ fetchApi }) => new ProxmoxPlansClient({ fetchApi }),
    }),
});
