import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  Finding,
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
}

export const proxmoxApiRef = createApiRef<ProxmoxApi>().with({
  id: 'plugin.proxmox.client',
  pluginId: 'proxmox',
});
