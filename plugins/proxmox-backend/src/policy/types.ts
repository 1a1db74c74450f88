import type { Finding, RequestKind } from '@mycopod/plugin-proxmox-common';
import type { GroupUsage } from '../database/RequestStore';
import type { IpPoolFact } from '../ipam/poolFindings';

/**
 * When the policy runs:
 * - `create`: a request is filed (or validated). Usage counts the group's
 *   other requests that are pending, approved, provisioning or ready.
 * - `approve`: inside the approval transaction. Usage counts only committed
 *   capacity (approved, provisioning, ready) of the group's other requests,
 *   so two requests that each fit alone cannot both be approved.
 * - `draft`: an LLM draft (like `create`).
 */
export type PolicyPhase = 'create' | 'approve' | 'draft';

export interface PolicyContext {
  phase: PolicyPhase;
  /**
   * The request kind (default `create`). A day-2 kind checks only what it
   * changes (see `evaluateRequestPolicy`): `resize` the new size (the spec)
   * against the limits and its delta against the quotas, `extend-lease` the
   * new lease end; `reconcile` and `decommission` nothing (the guest's
   * declared spec was approved already). `usage` never holds the request
   * itself.
   */
  kind?: RequestKind;
  /** `extend-lease`: the lease end it asks for, and now (epoch ms). */
  lease?: { endsAt: number; now: number };
  /**
   * `resize`: the guest's declared size before the change. `usage` then
   * includes the guest (its create request) and the request adds the delta.
   */
  current?: { cores: number; memoryMiB: number; diskGiB: number };
  /** User entity ref of the requester. */
  requester: string;
  /** Ownership entity refs of the requester (user ref and groups). */
  requesterOwnership: string[];
  /** What the owner group's other requests hold, see {@link PolicyPhase}. */
  usage: {
    /** approved + provisioning + ready */
    committed: GroupUsage;
    /** pending (other requests) */
    pending: GroupUsage;
  };
  /** The template's boot disk size when known (from Proxmox). */
  templateDiskGiB?: number;
  /** `cloudInit.ipv4: { pool }`: the pool and its free addresses (src/ipam). */
  ipPool?: IpPoolFact;
  /**
   * The template as resolved in Proxmox, when known. Template allow lists
   * then match its VMID and its name, whichever the spec names it by.
   */
  template?: { vmid?: number; name?: string };
}

export interface PolicyResult {
  findings: Finding[];
  /** No error findings. */
  allowed: boolean;
  /** Within the auto-approve thresholds (and allowed). */
  autoApprove: boolean;
  /** The lease the request gets (the spec's, else the default). */
  leaseDays: number;
}
