import { z } from 'zod';
import type { RequestChange, RequestTarget } from './day2';
import { vmSpecSchema } from './spec';

/**
 * What a request asks for: a new guest, or a change to an existing one
 * (day-2 kinds carry a `target` and a `change`).
 */
export const REQUEST_KINDS = [
  'create',
  'resize',
  'decommission',
  'extend-lease',
  'reconcile',
] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export const REQUEST_STATES = [
  'draft',
  'pending',
  'approved',
  'provisioning',
  'ready',
  'rejected',
  'cancelled',
  'failed',
  'expired',
  'decommissioned',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];
export const requestStateSchema = z.enum(REQUEST_STATES);

/** A policy finding about a spec. */
export const findingSchema = z.object({
  level: z.enum(['error', 'warning']),
  /** Dotted path of the spec field it concerns, e.g. `memoryMiB`. */
  field: z.string().optional(),
  /** Stable machine-readable code, e.g. `quota.memory`. */
  code: z.string().optional(),
  message: z.string(),
});
export type Finding = z.infer<typeof findingSchema>;

/** Where a request's guest lives, once known. */
export interface GuestLocation {
  cluster: string;
  node?: string;
  vmid?: number;
}

/** A VM request as the REST API returns it. */
export interface ProxmoxRequest {
  id: string;
  kind: RequestKind;
  state: RequestState;
  /** User entity ref of whoever filed it. */
  requester: string;
  /** Group entity ref that will own the guest. */
  owner: string;
  spec: z.output<typeof vmSpecSchema>;
  findings: Finding[];
  guest?: GuestLocation;
  /** Why a request failed, in words a person can act on. */
  failureReason?: string;
  /** Plan this request belongs to (LLM drafting). */
  planId?: string;
  /** Day-2 kinds: the guest the request acts on. */
  target?: RequestTarget;
  /** Day-2 kinds: old → new values. */
  change?: RequestChange;
  createdAt: string;
  updatedAt: string;
}

/** One row of a request's history. */
export interface RequestEvent {
  id: number;
  requestId: string;
  /** Entity ref of the actor, or `system` for the executor. */
  actor: string;
  fromState?: RequestState;
  toState: RequestState;
  comment?: string;
  createdAt: string;
}

export const PROVISIONING_STEPS = [
  'allocate-vmid',
  'clone',
  'wait-clone',
  'configure',
  'resize-disk',
  'firewall',
  'start',
  'wait-ip',
  'done',
] as const;

/** The steps a job of each request kind runs, in order (`done` last). */
export const REQUEST_STEPS = {
  create: PROVISIONING_STEPS,
  resize: ['apply-config', 'resize-disk', 'done'],
  reconcile: ['apply-config', 'resize-disk', 'firewall', 'done'],
  decommission: ['stop', 'destroy', 'release', 'done'],
  'extend-lease': ['extend-lease', 'done'],
} as const satisfies Record<RequestKind, readonly string[]>;

/** Any step of any request kind. */
export type ProvisioningStep = (typeof REQUEST_STEPS)[RequestKind][number];

/** The steps of a request kind. */
export function stepsOf(kind: RequestKind): readonly ProvisioningStep[] {
  return REQUEST_STEPS[kind];
}

/** Provisioning progress of a request, as the REST API returns it. */
export interface ProvisioningProgress {
  step: ProvisioningStep;
  /** Completed steps, in order. */
  completed: ProvisioningStep[];
  attempts: number;
  upid?: string;
  /** Last lines of the Proxmox task log (clone, resize, start…). */
  taskLogTail?: string[];
  ipAddresses?: string[];
  error?: string;
}

/** `GET /requests/:id`. */
export interface ProxmoxRequestDetails extends ProxmoxRequest {
  history: RequestEvent[];
  progress?: ProvisioningProgress;
  /** What the caller may do with the request now. */
  allowedActions: Array<'approve' | 'reject' | 'cancel'>;
  /** `cloudInit.ipv4: { pool }`: the address taken at approval, while held. */
  ipv4Allocation?: Ipv4Allocation;
}

/** An IPv4 address of an IP pool, allocated to a request. */
export interface Ipv4Allocation {
  pool: string;
  /** With the prefix length, e.g. `10.10.0.150/24`. */
  address: string;
  gateway: string;
}

/** `GET /requests`. */
export interface ProxmoxRequestList {
  items: ProxmoxRequest[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** The line of a guest's description that marks it as made for a request. */
export const REQUEST_MARKER_PREFIX = 'mycopod-request:';

/** The marker line MycoPod writes into the description of a guest it creates. */
export function requestMarker(requestId: string): string {
  return `${REQUEST_MARKER_PREFIX} ${requestId}`;
}

/** The request id in a guest description's marker line, if any. */
export function parseRequestMarker(
  description: string | undefined,
): string | undefined {
  if (!description) return undefined;
  const m =
    /(?:^|\n)mycopod-request: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s*(?:\n|$)/.exec(
      description,
    );
  return m?.[1];
}
