import type { FetchApi } from '@backstage/frontend-plugin-api';
import type {
  ClusterSummary,
  ConsoleTicket,
  CreateSnapshotBody,
  GuestLiveStatus,
  GuestRequestBody,
  GuestSnapshot,
  GuestTask,
  NodeCapacity,
  ProxmoxOptions,
  ProxmoxRequest,
  ProxmoxRequestDetails,
  PowerAction,
  ProxmoxRequestList,
  VmSpecInput,
} from '@mycopod/plugin-proxmox-common';
import type {
  ListRequestsOptions,
  ProxmoxApi,
  ValidateResult,
} from './ProxmoxApi';
import { ProxmoxApiError } from './ProxmoxApiError';

const BASE = 'plugin://proxmox';

/** A path segment; refuses empty ones (they would change the route). */
function seg(value: string): string {
  if (!value) throw new TypeError('A Proxmox path segment cannot be empty');
  return encodeURIComponent(value);
}

/** `/guests/:cluster/:vmid`, the base of every guest route. */
function guestPath(cluster: string, vmid: number): string {
  return `/guests/${seg(cluster)}/${seg(String(vmid))}`;
}

/** How long live options of a cluster are reused. */
const OPTIONS_TTL_MS = 30_000;

/** Calls the MycoPod backend through the fetch API (user token, discovery). */
export class ProxmoxClient implements ProxmoxApi {
  private readonly fetchApi: FetchApi;
  private readonly now: () => number;
  private readonly optionsCache = new Map<
    string,
    { at: number; value: Promise<ProxmoxOptions> }
  >();

  constructor(deps: { fetchApi: FetchApi; now?: () => number }) {
    this.fetchApi = deps.fetchApi;
    this.now = deps.now ?? Date.now;
  }

  async listRequests(
    options: ListRequestsOptions = {},
  ): Promise<ProxmoxRequestList> {
    const query = new URLSearchParams();
    if (options.view) query.set('view', options.view);
    if (options.state?.length) query.set('state', options.state.join(','));
    if (options.cursor) query.set('cursor', options.cursor);
    if (options.limit) query.set('limit', String(options.limit));
    const qs = query.toString();
    return this.call(`/requests${qs ? `?${qs}` : ''}`);
  }

  async getRequest(id: string): Promise<ProxmoxRequestDetails> {
    return this.call(`/requests/${encodeURIComponent(id)}`);
  }

  async approve(id: string, comment?: string): Promise<ProxmoxRequest> {
    return this.decide(id, 'approve', comment);
  }

  async reject(id: string, comment: string): Promise<ProxmoxRequest> {
    return this.decide(id, 'reject', comment);
  }

  async cancel(id: string, comment?: string): Promise<ProxmoxRequest> {
    return this.decide(id, 'cancel', comment);
  }

  async validate(spec: Partial<VmSpecInput>): Promise<ValidateResult> {
    return this.call('/requests/validate', {
      method: 'POST',
      body: { spec },
    });
  }

  getOptions(cluster?: string): Promise<ProxmoxOptions> {
    const key = cluster ?? '';
    const hit = this.optionsCache.get(key);
    if (hit && this.now() - hit.at < OPTIONS_TTL_MS) return hit.value;
    const qs = cluster ? `?cluster=${encodeURIComponent(cluster)}` : '';
    const value = this.call<ProxmoxOptions>(`/options${qs}`);
    this.optionsCache.set(key, { at: this.now(), value });
    // A failure is not cached: the next caller asks again.
    value.catch(() => {
      if (this.optionsCache.get(key)?.value === value) {
        this.optionsCache.delete(key);
      }
    });
    return value;
  }

  async getGuest(cluster: string, vmid: number): Promise<GuestLiveStatus> {
    return this.call(guestPath(cluster, vmid));
  }

  async getNode(cluster: string, node: string): Promise<NodeCapacity> {
    return this.call(`/nodes/${seg(cluster)}/${seg(node)}`);
  }

  async getCluster(cluster: string): Promise<ClusterSummary> {
    return this.call(`/clusters/${seg(cluster)}`);
  }

  async powerGuest(
    cluster: string,
    vmid: number,
    action: PowerAction,
    options: { timeoutSeconds?: number } = {},
  ): Promise<GuestTask> {
    return this.call(`${guestPath(cluster, vmid)}/power`, {
      method: 'POST',
      body: { action, ...options },
    });
  }

  async listSnapshots(cluster: string, vmid: number): Promise<GuestSnapshot[]> {
    const list = await this.call<{ items: GuestSnapshot[] }>(
      `${guestPath(cluster, vmid)}/snapshots`,
    );
    return list.items;
  }

  async createSnapshot(
    cluster: string,
    vmid: number,
    body: CreateSnapshotBody,
  ): Promise<GuestTask> {
    return this.call(`${guestPath(cluster, vmid)}/snapshots`, {
      method: 'POST',
      body,
    });
  }

  async rollbackSnapshot(
    cluster: string,
    vmid: number,
    name: string,
  ): Promise<GuestTask> {
    return this.call(
      `${guestPath(cluster, vmid)}/snapshots/${seg(name)}/rollback`,
      { method: 'POST', body: {} },
    );
  }

  async deleteSnapshot(
    cluster: string,
    vmid: number,
    name: string,
  ): Promise<GuestTask> {
    return this.call(`${guestPath(cluster, vmid)}/snapshots/${seg(name)}`, {
      method: 'DELETE',
    });
  }

  async getGuestTask(
    cluster: string,
    vmid: number,
    upid: string,
  ): Promise<GuestTask> {
    return this.call(`${guestPath(cluster, vmid)}/tasks/${seg(upid)}`);
  }

  async fileGuestRequest(
    cluster: string,
    vmid: number,
    body: GuestRequestBody,
  ): Promise<ProxmoxRequest> {
    return this.call(`${guestPath(cluster, vmid)}/requests`, {
      method: 'POST',
      body,
    });
  }

  async createConsoleTicket(
    cluster: string,
    vmid: number,
  ): Promise<ConsoleTicket> {
    return this.call(`${guestPath(cluster, vmid)}/console`, {
      method: 'POST',
      body: {},
    });
  }

  private decide(
    id: string,
    action: 'approve' | 'reject' | 'cancel',
    comment?: string,
  ): Promise<ProxmoxRequest> {
    const trimmed = comment?.trim();
    return this.call(`/requests/${encodeURIComponent(id)}/${action}`, {
      method: 'POST',
      body: trimmed ? { comment: trimmed } : {},
    });
  }

  private async call<T>(
    path: string,
    init?: { method: 'POST'; body: unknown } | { method: 'DELETE' },
  ): Promise<T> {
    const body = init && 'body' in init ? init.body : undefined;
    const res = await this.fetchApi.fetch(`${BASE}${path}`, {
      method: init?.method ?? 'GET',
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
