import type { FetchApi } from '@backstage/frontend-plugin-api';
import type {
  ClusterSummary,
  GuestLiveStatus,
  NodeCapacity,
  ProxmoxOptions,
  ProxmoxRequest,
  ProxmoxRequestDetails,
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
    return this.call(`/guests/${seg(cluster)}/${seg(String(vmid))}`);
  }

  async getNode(cluster: string, node: string): Promise<NodeCapacity> {
    return this.call(`/nodes/${seg(cluster)}/${seg(node)}`);
  }

  async getCluster(cluster: string): Promise<ClusterSummary> {
    return this.call(`/clusters/${seg(cluster)}`);
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
    init?: { method: 'POST'; body: unknown },
  ): Promise<T> {
    const res = await this.fetchApi.fetch(`${BASE}${path}`, {
      method: init?.method ?? 'GET',
      headers: init
        ? { 'Content-Type': 'application/json', Accept: 'application/json' }
        : { Accept: 'application/json' },
      body: init ? JSON.stringify(init.body) : undefined,
    });
    if (!res.ok) throw await ProxmoxApiError.fromResponse(res);
    return (await res.json()) as T;
  }
}
