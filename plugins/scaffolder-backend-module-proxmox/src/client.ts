import type {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import type {
  Finding,
  PlanSubmission,
  ProxmoxPlan,
  ProxmoxRequest,
  ProxmoxRequestDetails,
  VmSpecInput,
} from '@mycopod/plugin-proxmox-common';

/** `POST /requests/validate`. */
export interface ValidationResult {
  findings: Finding[];
  allowed: boolean;
  autoApprove: boolean;
  leaseDays?: number;
}

/** A finding as one line of text. */
export function describeFinding(f: Finding): string {
  return `${f.level}${f.field ? ` [${f.field}]` : ''}: ${f.message}`;
}

/** The proxmox backend answered something other than success. */
function errorFromResponse(
  status: number,
  statusText: string,
  body: any,
): Error {
  const message: string | undefined =
    typeof body?.error === 'string' ? body.error : body?.error?.message;
  if (status === 400 && Array.isArray(body?.fields)) {
    const fields = body.fields
      .map((f: { field?: string; message?: string }) =>
        f.field ? `${f.field}: ${f.message}` : f.message,
      )
      .join('; ');
    return new InputError(`The VM request is invalid: ${fields}`);
  }
  if (Array.isArray(body?.findings) && (status === 400 || status === 409)) {
    const errors = (body.findings as Finding[]).filter(
      f => f.level === 'error',
    );
    const text = (errors.length ? errors : body.findings)
      .map(describeFinding)
      .join('; ');
    const summary = `The VM request breaks policy: ${text}`;
    return status === 400
      ? new InputError(summary)
      : new ConflictError(summary);
  }
  const text = message ?? `${status} ${statusText}`.trim();
  switch (status) {
    case 400:
      return new InputError(text);
    case 401:
    case 403:
      return new NotAllowedError(text);
    case 404:
      return new NotFoundError(text);
    case 409:
      return new ConflictError(text);
    default:
      // Never the body itself: it may be an HTML error page.
      return new Error(`The proxmox backend answered ${status}: ${text}`);
  }
}

/**
 * The few calls of the proxmox backend's REST API the actions make, always
 * as the user who started the task (an on-behalf-of token).
 */
export class ProxmoxRequestsClient {
  constructor(
    private readonly deps: { auth: AuthService; discovery: DiscoveryService },
  ) {}

  private async call<T>(
    credentials: BackstageCredentials,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: 'proxmox',
    });
    const baseUrl = await this.deps.discovery.getBaseUrl('proxmox');
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal,
    });
    const isJson = (res.headers.get('content-type') ?? '').includes(
      'application/json',
    );
    const parsed = isJson ? await res.json().catch(() => undefined) : undefined;
    if (!isJson) await res.body?.cancel().catch(() => {});
    if (!res.ok) throw errorFromResponse(res.status, res.statusText, parsed);
    if (parsed === undefined) {
      throw new Error(
        `The proxmox backend answered ${res.status} without a JSON body`,
      );
    }
    return parsed as T;
  }

  /** `POST /requests/validate`: the policy findings, no side effects. */
  validate(
    credentials: BackstageCredentials,
    spec: VmSpecInput,
  ): Promise<ValidationResult> {
    return this.call(credentials, 'POST', '/requests/validate', { spec });
  }

  /** `POST /requests`: files a `create` request. */
  create(
    credentials: BackstageCredentials,
    spec: VmSpecInput,
    submit: boolean,
  ): Promise<ProxmoxRequest> {
    return this.call(credentials, 'POST', '/requests', {
      kind: 'create',
      spec,
      submit,
    });
  }

  /** `POST /drafts`: the model drafts a plan of draft requests. */
  draftPlan(
    credentials: BackstageCredentials,
    text: string,
  ): Promise<ProxmoxPlan> {
    return this.call(credentials, 'POST', '/drafts', { text });
  }

  /** `GET /drafts/:planId`. */
  getPlan(
    credentials: BackstageCredentials,
    planId: string,
  ): Promise<ProxmoxPlan> {
    return this.call(
      credentials,
      'GET',
      `/drafts/${encodeURIComponent(planId)}`,
    );
  }

  /** `POST /drafts/:planId/submit`: its drafts go to approval. */
  submitPlan(
    credentials: BackstageCredentials,
    planId: string,
    confirmActions: string[],
  ): Promise<PlanSubmission> {
    return this.call(
      credentials,
      'POST',
      `/drafts/${encodeURIComponent(planId)}/submit`,
      { confirmActions },
    );
  }

  /** `GET /requests/:id`. */
  get(
    credentials: BackstageCredentials,
    id: string,
    signal?: AbortSignal,
  ): Promise<ProxmoxRequestDetails> {
    return this.call(
      credentials,
      'GET',
      `/requests/${encodeURIComponent(id)}`,
      undefined,
      signal,
    );
  }
}
