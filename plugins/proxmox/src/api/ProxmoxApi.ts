import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  ClusterSummary,
  Finding,
  GuestLiveStatus,
  NodeCapacity,
  ProxmoxOptions,
  ProxmoxRequest,
  ProxmoxRequestDetails,
  ProxmoxRequestList,
  RequestState,
  RequestView,
  VmSpecInput,
} from '@mycopod/plugin-proxmox-common';

/** `POST /requests/validate`. */
export interface ValidateResult {
  findings: Finding[];
  allowed: boolean;
  autoApprove: boolean;
  leaseDays?: number;
}

/** Query of `GET /requests`. */
export interface ListRequestsOptions {
  view?: RequestView;
  state?: RequestState[];
  cursor?: string;
  limit?: number;
}

/** The MycoPod backend as the frontend uses it. */
export interface ProxmoxApi {
  listRequests(options?: ListRequestsOptions): Promise<ProxmoxRequestList>;
  getRequest(id: string): Promise<ProxmoxRequestDetails>;
  approve(id: string, comment?: string): Promise<ProxmoxRequest>;
  reject(id: string, comment: string): Promise<ProxmoxRequest>;
  cancel(id: string, comment?: string): Promise<ProxmoxRequest>;
  validate(spec: Partial<VmSpecInput>): Promise<ValidateResult>;
  /** Live choices for a form; cached per cluster for a short while. */
  getOptions(cluster?: string): Promise<ProxmoxOptions>;
  /** `GET /guests/:cluster/:vmid`: live status of a VM or container (never cached). */
  getGuest(cluster: string, vmid: number): Promise<GuestLiveStatus>;
  /** `GET /nodes/:cluster/:node`: capacity of a node and its guests. */
  getNode(cluster: string, node: string): Promise<NodeCapacity>;
  /** `GET /clusters/:cluster`: the nodes of a cluster and their totals. */
  getCluster(cluster: string): Promise<ClusterSummary>;
}

export const proxmoxApiRef = createApiRef<ProxmoxApi>().with({
  id: 'plugin.proxmox.client',
  pluginId: 'proxmox',
});
