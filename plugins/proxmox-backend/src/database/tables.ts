import type {
  Finding,
  ProxmoxRequest,
  RequestEvent,
  RequestKind,
  RequestChange,
  RequestState,
  VmSpec,
} from '@mycopod/plugin-proxmox-common';

/** Table names, in one place. */
export const TABLES = {
  requests: 'proxmox_requests',
  events: 'proxmox_request_events',
  jobs: 'proxmox_jobs',
  vmids: 'proxmox_vmid_reservations',
  /** IP pool addresses held by requests (src/ipam). */
  ipAllocations: 'proxmox_ip_allocations',
  /** One-time console tickets (src/console). */
  consoleTickets: 'proxmox_console_tickets',
} as const;

export interface RequestRow {
  id: string;
  kind: RequestKind;
  state: RequestState;
  requester: string;
  owner: string;
  cluster: string;
  spec: string;
  findings: string;
  cores: number;
  memory_mib: number;
  disk_gib: number;
  plan_id: string | null;
  guest_node: string | null;
  guest_vmid: number | null;
  failure_reason: string | null;
  /** Day-2 kinds: the create request of the guest. */
  target_request_id?: string | null;
  /** Day-2 kinds: JSON {@link RequestChange}. */
  change?: string | null;
  /** Create requests: when the guest's lease ends (epoch ms). */
  lease_ends_at?: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

export interface EventRow {
  id: number | string;
  request_id: string;
  actor: string;
  event: string;
  from_state: RequestState | null;
  to_state: RequestState;
  comment: string | null;
  created_at: number | string;
}

/** PostgreSQL returns bigint columns as strings. */
export function toMillis(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}

export function rowToRequest(row: RequestRow): ProxmoxRequest {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    requester: row.requester,
    owner: row.owner,
    spec: JSON.parse(row.spec) as VmSpec,
    findings: JSON.parse(row.findings) as Finding[],
    ...(row.guest_vmid !== null || row.guest_node !== null
      ? {
          guest: {
            cluster: row.cluster,
            ...(row.guest_node !== null ? { node: row.guest_node } : {}),
            ...(row.guest_vmid !== null
              ? { vmid: Number(row.guest_vmid) }
              : {}),
          },
        }
      : {}),
    ...(row.failure_reason ? { failureReason: row.failure_reason } : {}),
    ...(row.plan_id ? { planId: row.plan_id } : {}),
    ...(row.kind !== 'create' && row.guest_vmid !== null
      ? {
          target: {
            cluster: row.cluster,
            vmid: Number(row.guest_vmid),
            ...(row.guest_node !== null ? { node: row.guest_node } : {}),
            ...(row.target_request_id
              ? { createRequestId: row.target_request_id }
              : {}),
          },
        }
      : {}),
    ...(row.change ? { change: JSON.parse(row.change) as RequestChange } : {}),
    createdAt: new Date(toMillis(row.created_at)).toISOString(),
    updatedAt: new Date(toMillis(row.updated_at)).toISOString(),
  };
}

export function rowToEvent(row: EventRow): RequestEvent {
  return {
    id: Number(row.id),
    requestId: row.request_id,
    actor: row.actor,
    ...(row.from_state ? { fromState: row.from_state } : {}),
    toState: row.to_state,
    ...(row.comment ? { comment: row.comment } : {}),
    createdAt: new Date(toMillis(row.created_at)).toISOString(),
  };
}
