import { z } from 'zod';

/*
 * Day-2 contract: immediate guest actions (power, snapshots), requests that
 * change an existing guest (resize, decommission, extend-lease, reconcile),
 * leases and drift. Paths are relative to `/api/proxmox`; a guest is
 * addressed as `/guests/:cluster/:vmid` everywhere.
 */

// ---------------------------------------------------------------- actions

export const POWER_ACTIONS = ['start', 'shutdown', 'stop', 'reboot'] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];

/** `POST /guests/:cluster/:vmid/power` → 202 {@link GuestTask}. */
export const powerBodySchema = z.strictObject({
  action: z.enum(POWER_ACTIONS),
  /**
   * `shutdown` only: seconds the guest OS gets before Proxmox gives up
   * (default 60). After a timed-out shutdown the user may `stop` (force).
   */
  timeoutSeconds: z.number().int().min(5).max(600).optional(),
});
export type PowerBody = z.input<typeof powerBodySchema>;

/** A snapshot name as Proxmox accepts it (`pve-configid`, not `current`). */
export const snapshotNameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{1,39}$/, {
    message:
      'must start with a letter and hold 2–40 letters, digits, _ or - characters',
  })
  .refine(s => s !== 'current', { message: '"current" is reserved' });

/** `POST /guests/:cluster/:vmid/snapshots` → 202 {@link GuestTask}. */
export const createSnapshotBodySchema = z.strictObject({
  name: snapshotNameSchema,
  description: z.string().trim().max(1000).optional(),
  /** Save the RAM state too (running VMs only). */
  includeRam: z.boolean().default(false),
});
export type CreateSnapshotBody = z.input<typeof createSnapshotBodySchema>;

/*
 * `GET /guests/:cluster/:vmid/snapshots` → { items: GuestSnapshot[] }
 * `POST /guests/:cluster/:vmid/snapshots/:name/rollback` → 202 GuestTask
 * `DELETE /guests/:cluster/:vmid/snapshots/:name` → 202 GuestTask
 * `GET /guests/:cluster/:vmid/tasks/:upid` → GuestTask (progress)
 * A guest that is locked or runs another task answers 409.
 */

export interface GuestSnapshot {
  name: string;
  description?: string;
  /** ISO 8601. */
  createdAt?: string;
  includesRam: boolean;
  parent?: string;
}

/** A Proxmox task MycoPod started on a guest, and how far it got. */
export interface GuestTask {
  upid: string;
  cluster: string;
  vmid: number;
  /** e.g. `start`, `shutdown`, `snapshot`, `rollback`, `delsnapshot`. */
  action: string;
  status: 'running' | 'ok' | 'failed';
  /** Proxmox's exit status when it ended (`OK` or an error text). */
  exitStatus?: string;
  startedAt: string;
  endedAt?: string;
  /** Last lines of the task log. */
  logTail?: string[];
}

/** Signal channel of a guest: task progress and state changes. */
export function guestSignalChannel(cluster: string, vmid: number): string {
  return `proxmox:guest:${cluster}:${vmid}`;
}

// ---------------------------------------------------------------- requests

const justification = z.string().trim().max(2000).optional();

/**
 * `POST /guests/:cluster/:vmid/requests` → 201 ProxmoxRequest: a request
 * that changes an existing guest, through the same approval and policy as
 * a create. `extend-lease` within the policy maximum is auto-approved.
 */
export const guestRequestBodySchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.literal('resize'),
      cores: z.number().int().min(1).max(128).optional(),
      memoryMiB: z.number().int().min(512).max(1_048_576).optional(),
      /** Grow only: Proxmox cannot shrink a disk. */
      diskGiB: z.number().int().min(1).max(65_536).optional(),
      justification,
    })
    .refine(
      b =>
        b.cores !== undefined ||
        b.memoryMiB !== undefined ||
        b.diskGiB !== undefined,
      { message: 'say what to change: cores, memoryMiB or diskGiB' },
    ),
  z.strictObject({ kind: z.literal('decommission'), justification }),
  z.strictObject({
    kind: z.literal('extend-lease'),
    days: z.number().int().min(1).max(3650),
    justification,
  }),
  z.strictObject({ kind: z.literal('reconcile'), justification }),
]);
export type GuestRequestBody = z.input<typeof guestRequestBodySchema>;

/** The guest a day-2 request acts on. */
export interface RequestTarget {
  cluster: string;
  vmid: number;
  node?: string;
  /** The request that created the guest (its declared spec). */
  createRequestId?: string;
}

/** Old → new values of a day-2 request, for the diff the UI shows. */
export interface RequestChange {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** Resize: the guest must reboot for the change to apply. */
  rebootRequired?: boolean;
}

// ---------------------------------------------------------------- leases, drift

export interface GuestLease {
  /** ISO 8601. */
  endsAt: string;
  /** `warned`: the owner group was told; `expired`: shut down at the end. */
  state: 'active' | 'warned' | 'expired';
  /** When an expired guest is decommissioned unless extended (ISO 8601). */
  decommissionAt?: string;
}

export const DRIFT_FIELDS = [
  'cores',
  'memoryMiB',
  'diskGiB',
  'network',
  'securityGroups',
  'tags',
] as const;
export type DriftField = (typeof DRIFT_FIELDS)[number];

export interface DriftFinding {
  field: DriftField;
  declared: unknown;
  actual: unknown;
}

export interface GuestDrift {
  /** ISO 8601 of the last comparison. */
  checkedAt: string;
  findings: DriftFinding[];
}

/** What the caller may do on a guest now (the entity page's buttons). */
export const GUEST_ACTIONS = [
  'power',
  'snapshot',
  'console',
  'resize',
  'decommission',
  'extend-lease',
  'reconcile',
] as const;
export type GuestAction = (typeof GUEST_ACTIONS)[number];
