/*
 * What the lease scheduler does with one lease now, and how the lease looks
 * on the guest page. Pure: the scheduler and the live endpoint share it.
 */
import type { GuestLease } from '@mycopod/plugin-proxmox-common';

/** What the scheduler recorded for a leased guest (all epoch ms). */
export interface LeaseTracking {
  /** When the scheduler first saw the guest (pool/tag leases start here). */
  firstSeenAt: number;
  warnedAt?: number;
  /** The lease end the warning was for: an extension warns anew. */
  warnedEndsAt?: number;
  expiredAt?: number;
  /** The lease end the guest was shut down for. */
  expiredEndsAt?: number;
  decommissionFiledAt?: number;
  decommissionRequestId?: string;
}

/** A lease as the scheduler sees it. */
export interface LeaseFacts {
  /** Epoch ms. */
  endsAt: number;
  /**
   * MycoPod guests: the state of the create request (`expired` once the
   * scheduler expired it). Absent for guests leased by pool/tag config.
   */
  requestState?: 'ready' | 'expired';
  tracking?: LeaseTracking;
}

export interface LeaseTimings {
  warnBeforeMs: number;
  graceMs: number;
}

export type LeaseAction = 'renew' | 'expire' | 'decommission' | 'warn';

/** Is the guest expired for its current lease end? */
export function isExpired(facts: LeaseFacts): boolean {
  return facts.requestState !== undefined
    ? facts.requestState === 'expired'
    : facts.tracking?.expiredEndsAt === facts.endsAt;
}

/**
 * When an expired guest is decommissioned unless extended: the grace after
 * the later of the lease end and the shutdown, so the owner always gets the
 * whole grace with the guest shut down.
 */
export function decommissionAt(facts: LeaseFacts, t: LeaseTimings): number {
  return Math.max(facts.endsAt, facts.tracking?.expiredAt ?? 0) + t.graceMs;
}

/**
 * The one thing to do with a lease now, if any:
 * - `renew`: an expired MycoPod guest whose lease was extended past now;
 * - `expire`: the end has come (shut the guest down);
 * - `decommission`: expired, the grace is over, nothing filed yet;
 * - `warn`: within `warnBeforeMs` of the end, not yet warned for this end.
 */
export function nextLeaseAction(
  facts: LeaseFacts,
  now: number,
  t: LeaseTimings,
): LeaseAction | undefined {
  const expired = isExpired(facts);
  if (expired && facts.requestState === 'expired' && facts.endsAt > now) {
    return 'renew';
  }
  if (!expired && now >= facts.endsAt) return 'expire';
  if (expired) {
    return now >= decommissionAt(facts, t) &&
      facts.tracking?.decommissionFiledAt === undefined
      ? 'decommission'
      : undefined;
  }
  if (
    now >= facts.endsAt - t.warnBeforeMs &&
    facts.tracking?.warnedEndsAt !== facts.endsAt
  ) {
    return 'warn';
  }
  return undefined;
}

/** The lease as `GET /guests/:cluster/:vmid` shows it. */
export function leaseView(facts: LeaseFacts, t: LeaseTimings): GuestLease {
  const expired = isExpired(facts);
  let state: GuestLease['state'] = 'active';
  if (expired) state = 'expired';
  else if (facts.tracking?.warnedEndsAt === facts.endsAt) state = 'warned';
  return {
    endsAt: new Date(facts.endsAt).toISOString(),
    state,
    ...(expired
      ? { decommissionAt: new Date(decommissionAt(facts, t)).toISOString() }
      : {}),
  };
}
