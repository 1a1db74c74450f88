import type { Finding } from '@mycopod/plugin-proxmox-common';
import type { GroupUsage } from '../database/RequestStore';

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
