import type {
  ProxmoxRequest,
  RequestState,
} from '@mycopod/plugin-proxmox-common';

/*
 * The words of day-2 requests in notifications: titles by state, and what a
 * request changes in one sentence.
 */

const where = (r: ProxmoxRequest) =>
  r.target
    ? `${r.spec.name} (${r.target.cluster}/${r.target.vmid})`
    : r.spec.name;

const WHAT: Record<string, string> = {
  resize: 'Resize of VM',
  decommission: 'Decommission of VM',
  'extend-lease': 'Lease extension of VM',
  reconcile: 'Reconcile of VM',
};

const DONE: Record<string, (r: ProxmoxRequest) => string> = {
  resize: r => `VM ${where(r)} was resized`,
  decommission: r => `VM ${where(r)} was decommissioned`,
  'extend-lease': r =>
    `The lease of VM ${where(r)} was extended${
      typeof r.change?.after.leaseEndsAt === 'string'
        ? ` to ${r.change.after.leaseEndsAt.slice(0, 10)}`
        : ''
    }`,
  reconcile: r => `VM ${where(r)} was reconciled with its spec`,
};

/** The notification title of a day-2 request entering a state. */
export function day2Title(
  r: ProxmoxRequest,
  to: RequestState,
): string | undefined {
  const what = `${WHAT[r.kind] ?? 'Change of VM'} ${where(r)}`;
  switch (to) {
    case 'pending':
      return `${what} awaits approval`;
    case 'approved':
      return `${what} was approved`;
    case 'rejected':
      return `${what} was rejected`;
    case 'cancelled':
      return `${what} was cancelled`;
    case 'failed':
      return `${what} failed`;
    case 'ready':
      return DONE[r.kind]?.(r);
    default:
      return undefined;
  }
}

const show = (v: unknown) =>
  typeof v === 'string' || typeof v === 'number'
    ? String(v)
    : JSON.stringify(v);

/** What a day-2 request changes, in one sentence (before → after). */
export function describeChange(r: ProxmoxRequest): string {
  const change = r.change;
  const who = r.requester === 'system' ? 'MycoPod' : r.requester;
  if (r.kind === 'decommission') {
    return `${who} asks to destroy VM ${where(r)} of ${
      r.owner
    } with its disks.`;
  }
  const diffs = change
    ? Object.keys(change.after).map(
        k =>
          `${k} ${
            k in change.before ? show(change.before[k]) : '(none)'
          } → ${show(change.after[k])}`,
      )
    : [];
  return `${who} asks to change VM ${where(r)} of ${r.owner}: ${
    diffs.join(', ') || r.kind
  }${change?.rebootRequired ? ' (applies at the next reboot)' : ''}.`;
}
