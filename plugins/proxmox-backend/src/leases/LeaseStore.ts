import type { Knex } from 'knex';
import { TABLES, toMillis } from '../database/tables';
import type { LeaseTracking } from './leasePlan';

/** The lease tracking table. */
export const LEASES_TABLE = 'proxmox_leases';

/** A guest's key in the lease table. */
export interface GuestKey {
  cluster: string;
  vmid: number;
}

interface LeaseRow {
  cluster: string;
  vmid: number | string;
  request_id: string | null;
  first_seen_at: number | string;
  ends_at: number | string | null;
  warned_at: number | string | null;
  warned_ends_at: number | string | null;
  expired_at: number | string | null;
  expired_ends_at: number | string | null;
  decommission_filed_at: number | string | null;
  decommission_request_id: string | null;
  updated_at: number | string;
}

/** A MycoPod guest with a lease: its create request and what was done. */
export interface ManagedLease extends GuestKey {
  requestId: string;
  /** Group entity ref. */
  owner: string;
  /** The guest's name (the spec's). */
  name: string;
  state: 'ready' | 'expired';
  /** Where the request last saw it. */
  node?: string;
  /** `proxmox_requests.lease_ends_at`. */
  endsAt: number;
  /** Absent until the scheduler first saw it (or from an older guest of the VMID). */
  tracking?: LeaseTracking;
}

/** A guest MycoPod did not create, leased by pool/tag config. */
export interface UnmanagedLease extends GuestKey {
  endsAt: number;
  tracking: LeaseTracking;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Bounded IN lists (SQLite and PostgreSQL limit bound parameters). */
function chunks<T>(items: T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

const ms = (v: number | string | null | undefined) =>
  v === null || v === undefined ? undefined : toMillis(v);

function rowToTracking(row: LeaseRow): LeaseTracking {
  const t: LeaseTracking = { firstSeenAt: toMillis(row.first_seen_at) };
  const set = <K extends keyof LeaseTracking>(k: K, v: LeaseTracking[K]) => {
    if (v !== undefined) t[k] = v;
  };
  set('warnedAt', ms(row.warned_at));
  set('warnedEndsAt', ms(row.warned_ends_at));
  set('expiredAt', ms(row.expired_at));
  set('expiredEndsAt', ms(row.expired_ends_at));
  set('decommissionFiledAt', ms(row.decommission_filed_at));
  set('decommissionRequestId', row.decommission_request_id ?? undefined);
  return t;
}

const MANAGED_COLUMNS = [
  'r.id',
  'r.owner',
  'r.state',
  'r.cluster',
  'r.guest_vmid',
  'r.guest_node',
  'r.spec',
  'r.lease_ends_at',
  'l.request_id as l_request_id',
  'l.first_seen_at',
  'l.warned_at',
  'l.warned_ends_at',
  'l.expired_at',
  'l.expired_ends_at',
  'l.decommission_filed_at',
  'l.decommission_request_id',
];

type ManagedRow = Omit<LeaseRow, 'request_id' | 'vmid' | 'ends_at'> & {
  id: string;
  owner: string;
  state: 'ready' | 'expired';
  guest_vmid: number | string;
  guest_node: string | null;
  spec: string;
  lease_ends_at: number | string;
  l_request_id: string | null;
};

function rowToManaged(r: ManagedRow): ManagedLease {
  return {
    requestId: r.id,
    owner: r.owner,
    name: (JSON.parse(r.spec) as { name?: string }).name ?? r.id,
    state: r.state,
    cluster: r.cluster,
    vmid: Number(r.guest_vmid),
    ...(r.guest_node ? { node: r.guest_node } : {}),
    endsAt: toMillis(r.lease_ends_at),
    // a row of an older guest of the same VMID is not this guest's
    ...(r.l_request_id === r.id
      ? { tracking: rowToTracking(r as unknown as LeaseRow) }
      : {}),
  };
}

/**
 * Lease tracking in the plugin's database: one row per leased guest with
 * what the scheduler did (each step recorded with compare-and-set, so two
 * replicas or a restart never warn, expire or file twice), and the start of
 * the leases of guests MycoPod did not create. The lease end of a MycoPod
 * guest is its create request's `lease_ends_at` (read here, never written).
 */
export class LeaseStore {
  constructor(private readonly db: Knex) {}

  get knex(): Knex {
    return this.db;
  }

  #managed(db: Knex | Knex.Transaction = this.db) {
    return db(`${TABLES.requests} as r`)
      .leftJoin(`${LEASES_TABLE} as l`, j =>
        j.on('l.cluster', 'r.cluster').andOn('l.vmid', 'r.guest_vmid'),
      )
      .where('r.kind', 'create')
      .whereIn('r.state', ['ready', 'expired'])
      .whereNotNull('r.guest_vmid')
      .whereNotNull('r.lease_ends_at')
      .select(MANAGED_COLUMNS);
  }

  /** Every MycoPod guest with a lease (create request ready or expired). */
  async managedLeases(): Promise<ManagedLease[]> {
    const rows: ManagedRow[] = await this.#managed().orderBy([
      'r.cluster',
      'r.guest_vmid',
    ]);
    return rows.map(rowToManaged);
  }

  /** The lease of one MycoPod guest, if it has one. */
  async managedLease(
    key: GuestKey,
    db: Knex | Knex.Transaction = this.db,
  ): Promise<ManagedLease | undefined> {
    const rows: ManagedRow[] = await this.#managed(db)
      .where('r.cluster', key.cluster)
      .where('r.guest_vmid', key.vmid)
      .orderBy('r.created_at', 'desc')
      .limit(1);
    return rows[0] ? rowToManaged(rows[0]) : undefined;
  }

  /** The pool/tag lease of a guest MycoPod did not create, if tracked. */
  async unmanagedLease(key: GuestKey): Promise<UnmanagedLease | undefined> {
    const row = await this.db<LeaseRow>(LEASES_TABLE)
      .where({ cluster: key.cluster, vmid: key.vmid })
      .whereNull('request_id')
      .whereNotNull('ends_at')
      .first();
    return row
      ? {
          cluster: row.cluster,
          vmid: Number(row.vmid),
          endsAt: toMillis(row.ends_at!),
          tracking: rowToTracking(row),
        }
      : undefined;
  }

  /**
   * The tracking row of a MycoPod guest: created when missing, started
   * afresh when it belonged to an older guest of the same VMID.
   */
  async track(
    lease: ManagedLease,
    now: number,
  ): Promise<LeaseTracking | undefined> {
    if (lease.tracking) return lease.tracking;
    const fresh = {
      request_id: lease.requestId,
      first_seen_at: now,
      ends_at: null,
      warned_at: null,
      warned_ends_at: null,
      expired_at: null,
      expired_ends_at: null,
      decommission_filed_at: null,
      decommission_request_id: null,
      updated_at: now,
    };
    await this.db(LEASES_TABLE)
      .insert({ cluster: lease.cluster, vmid: lease.vmid, ...fresh })
      .onConflict(['cluster', 'vmid'])
      .ignore();
    await this.db(LEASES_TABLE)
      .where({ cluster: lease.cluster, vmid: lease.vmid })
      .where(w =>
        w.whereNull('request_id').orWhereNot('request_id', lease.requestId),
      )
      .update(fresh);
    return (await this.managedLease(lease))?.tracking;
  }

  /**
   * Tracks the guests of a cluster MycoPod did not create that config
   * leases: each lease counts from the first time the scheduler saw the
   * guest (kept), its end follows the configured days. A few statements per
   * cluster, whatever the number of guests; nothing is written when nothing
   * changed.
   */
  async trackUnmanaged(
    cluster: string,
    guests: Array<{ vmid: number; days: number }>,
    now: number,
  ): Promise<UnmanagedLease[]> {
    const vmids = guests.map(g => g.vmid);
    for (const part of chunks(vmids)) {
      // a row of a former MycoPod guest of the VMID is stale
      await this.db(LEASES_TABLE)
        .where({ cluster })
        .whereNotNull('request_id')
        .whereIn('vmid', part)
        .delete();
    }
    for (const part of chunks(guests)) {
      await this.db(LEASES_TABLE)
        .insert(
          part.map(g => ({
            cluster,
            vmid: g.vmid,
            request_id: null,
            first_seen_at: now,
            ends_at: now + g.days * DAY_MS,
            updated_at: now,
          })),
        )
        .onConflict(['cluster', 'vmid'])
        .ignore();
    }
    const byDays = new Map<number, number[]>();
    for (const g of guests) {
      byDays.set(g.days, [...(byDays.get(g.days) ?? []), g.vmid]);
    }
    for (const [days, list] of byDays) {
      const span = days * DAY_MS;
      for (const part of chunks(list)) {
        await this.db(LEASES_TABLE)
          .where({ cluster })
          .whereNull('request_id')
          .whereIn('vmid', part)
          .where(w =>
            w
              .whereNull('ends_at')
              .orWhereRaw('ends_at <> first_seen_at + ?', [span]),
          )
          .update({
            ends_at: this.db.raw('first_seen_at + ?', [span]),
            updated_at: now,
          });
      }
    }
    const leases: UnmanagedLease[] = [];
    for (const part of chunks(vmids)) {
      const rows = await this.db<LeaseRow>(LEASES_TABLE)
        .where({ cluster })
        .whereNull('request_id')
        .whereIn('vmid', part);
      for (const row of rows) {
        leases.push({
          cluster,
          vmid: Number(row.vmid),
          endsAt: toMillis(row.ends_at!),
          tracking: rowToTracking(row),
        });
      }
    }
    return leases.sort((a, b) => a.vmid - b.vmid);
  }

  /**
   * Forgets the rows of MycoPod guests that no longer have a lease (their
   * create request is no longer ready or expired, e.g. decommissioned).
   */
  async retainManaged(): Promise<number> {
    return this.db(LEASES_TABLE)
      .whereNotNull('request_id')
      .whereNotExists(q =>
        q
          .select(this.db.raw('1'))
          .from(`${TABLES.requests} as r`)
          .whereRaw(`r.id = ${LEASES_TABLE}.request_id`)
          .whereIn('r.state', ['ready', 'expired']),
      )
      .delete();
  }

  /**
   * Forgets the pool/tag leases of a cluster's guests that are gone or no
   * longer leased by config (a new guest of the VMID starts afresh).
   */
  async retainUnmanaged(cluster: string, vmids: number[]): Promise<number> {
    return this.db(LEASES_TABLE)
      .where({ cluster })
      .whereNull('request_id')
      .whereNotIn('vmid', vmids)
      .delete();
  }

  /** Compare-and-set: true for the one caller that records the warning of this end. */
  async claimWarning(
    key: GuestKey,
    endsAt: number,
    now: number,
  ): Promise<boolean> {
    const n = await this.db(LEASES_TABLE)
      .where({ cluster: key.cluster, vmid: key.vmid })
      .where(w =>
        w.whereNull('warned_ends_at').orWhereNot('warned_ends_at', endsAt),
      )
      .update({ warned_at: now, warned_ends_at: endsAt, updated_at: now });
    return n === 1;
  }

  /** Compare-and-set: true for the one caller that records the expiry of this end. */
  async recordExpiry(
    key: GuestKey,
    endsAt: number,
    now: number,
    db: Knex | Knex.Transaction = this.db,
  ): Promise<boolean> {
    const n = await db(LEASES_TABLE)
      .where({ cluster: key.cluster, vmid: key.vmid })
      .where(w =>
        w.whereNull('expired_ends_at').orWhereNot('expired_ends_at', endsAt),
      )
      .update({ expired_at: now, expired_ends_at: endsAt, updated_at: now });
    return n === 1;
  }

  /** Compare-and-set: true for the one caller that may file the decommission. */
  async claimDecommission(key: GuestKey, now: number): Promise<boolean> {
    const n = await this.db(LEASES_TABLE)
      .where({ cluster: key.cluster, vmid: key.vmid })
      .whereNull('decommission_filed_at')
      .update({ decommission_filed_at: now, updated_at: now });
    return n === 1;
  }

  /** The decommission request filed after a claim. */
  async setDecommissionRequest(
    key: GuestKey,
    requestId: string,
    now: number,
  ): Promise<void> {
    await this.db(LEASES_TABLE)
      .where({ cluster: key.cluster, vmid: key.vmid })
      .update({ decommission_request_id: requestId, updated_at: now });
  }

  /** Gives a claim back (filing failed, or the lease was extended). */
  async releaseDecommission(key: GuestKey, now: number): Promise<void> {
    await this.db(LEASES_TABLE)
      .where({ cluster: key.cluster, vmid: key.vmid })
      .update({
        decommission_filed_at: null,
        decommission_request_id: null,
        updated_at: now,
      });
  }

  /** The lease end of a create request, read in a transaction (extensions move it). */
  async leaseEnd(
    db: Knex | Knex.Transaction,
    requestId: string,
  ): Promise<number | undefined> {
    const row: { lease_ends_at: number | string | null } | undefined = await db(
      TABLES.requests,
    )
      .where({ id: requestId })
      .first('lease_ends_at');
    return ms(row?.lease_ends_at);
  }
}
