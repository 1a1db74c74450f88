import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  ClusterSummary,
  ConsoleTicket,
  CreateSnapshotBody,
  Finding,
  GuestLiveStatus,
  GuestRequestBody,
  GuestSnapshot,
  GuestTask,
  NodeCapacity,
  ProxmoxOptions,
  ProxmoxRequest,
  ProxmoxRequestDetails,
  ProxmoxRequestList,
  RequestState,
  PowerAction,
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

  // Day 2: immediate guest actions answer 202 with the task they started.
  /** `POST /guests/:cluster/:vmid/power`. */
  powerGuest(
    cluster: string,
    vmid: number,
    action: PowerAction,
    options?: { timeoutSeconds?: number },
  ): Promise<GuestTask>;
  /** `GET /guests/:cluster/:vmid/snapshots`. */
  listSnapshots(cluster: string, vmid: number): Promise<GuestSnapshot[]>;
  /** `POST /guests/:cluster/:vmid/snapshots`. */
  createSnapshot(
    cluster: string,
    vmid: number,
    body: CreateSnapshotBody,
  ): Promise<GuestTask>;
  /** `POST /guests/:cluster/:vmid/snapshots/:name/rollback`. */
  rollbackSnapshot(
    cluster: string,
    vmid: number,
    name: string,
  ): Promise<GuestTask>;
  /** `DELETE /guests/:cluster/:vmid/snapshots/:name`. */
  deleteSnapshot(
    cluster: string,
    vmid: number,
    name: string,
  ): Promise<GuestTask>;
  /** `GET /guests/:cluster/:vmid/tasks/:upid`: how far a task got. */
  getGuestTask(cluster: string, vmid: number, upid: string): Promise<GuestTask>;
  /**
   * `POST /guests/:cluster/:vmid/requests`: a resize, decommission,
   * extend-lease or reconcile request for the guest.
   */
  fileGuestRequest(
    cluster: string,
    vmid: number,
    body: GuestRequestBody,
  ): Promise<ProxmoxRequest>;
  /**
   * `POST /guests/:cluster/:vmid/console`: a one-time ticket for the
   * console WebSocket (`proxmox.guest.console`; 409 when not running).
   */
  createConsoleTicket(cluster: string, vmid: number): Promise<ConsoleTicket>;
}

export const proxmoxApiRef = createApiRef<ProxmoxApi>().with({
  id: 'plugin.proxmox.client',
  pluginId: 'proxmox',
});
