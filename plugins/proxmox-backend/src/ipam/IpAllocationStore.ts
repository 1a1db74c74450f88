import type { Knex } from 'knex';
import { TABLES, toMillis } from '../database/tables';
import { formatIpv4, parseIpv4 } from './ipv4';

type Db = Knex | Knex.Transaction;

interface AllocationRow {
  pool: string;
  address: string;
  request_id: string;
  cluster: string;
  vmid: number | string | null;
  allocated_at: number | string;
}

/** An address of a pool held by a request. */
export interface AllocationRecord {
  pool: string;
  /** The address as an integer. */
  address: number;
  requestId: string;
  cluster: string;
  vmid?: number;
  allocatedAt: number;
}

function toRecord(row: AllocationRow): AllocationRecord {
  return {
    pool: row.pool,
    address: parseIpv4(row.address)!,
    requestId: row.request_id,
    cluster: row.cluster,
    ...(row.vmid !== null ? { vmid: Number(row.vmid) } : {}),
    allocatedAt: toMillis(row.allocated_at),
  };
}

/**
 * The `proxmox_ip_allocations` table: which request holds which address of
 * which pool. The primary key (pool, address) is what makes an address taken
 * once across backend replicas.
 */
export class IpAllocationStore {
  constructor(private readonly db: Knex) {}

  get knex(): Knex {
    return this.db;
  }

  /** The taken addresses of each pool, sorted ascending. */
  async taken(
    db: Db,
    pools: readonly string[],
  ): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>(pools.map(p => [p, []]));
    if (pools.length === 0) return out;
    const rows: Array<{ pool: string; address: string }> = await db(
      TABLES.ipAllocations,
    )
      .whereIn('pool', pools as string[])
      .select('pool', 'address');
    for (const r of rows) out.get(r.pool)?.push(parseIpv4(r.address)!);
    for (const list of out.values()) list.sort((a, b) => a - b);
    return out;
  }

  /**
   * Takes an address for a request: true when this call inserted the row,
   * false when the address is held already (by a committed row, or by a
   * concurrent transaction that then committed: PostgreSQL waits for it).
   */
  async tryTake(
    trx: Db,
    entry: {
      pool: string;
      address: number;
      requestId: string;
      cluster: string;
      now: number;
    },
  ): Promise<boolean> {
    const inserted = await trx(TABLES.ipAllocations)
      .insert({
        pool: entry.pool,
        address: formatIpv4(entry.address),
        request_id: entry.requestId,
        cluster: entry.cluster,
        vmid: null,
        allocated_at: entry.now,
      })
      .onConflict(['pool', 'address'])
      .ignore()
      .returning('address');
    return inserted.length > 0;
  }

  /** What a request holds (a request holds at most one address). */
  async ofRequest(
    db: Db,
    requestId: string,
  ): Promise<AllocationRecord | undefined> {
    const row = await db<AllocationRow>(TABLES.ipAllocations)
      .where({ request_id: requestId })
      .orderBy('allocated_at', 'asc')
      .first();
    return row ? toRecord(row) : undefined;
  }

  /** Records the guest that uses a request's address. */
  async bindGuest(
    db: Db,
    requestId: string,
    guest: { cluster: string; vmid: number },
  ): Promise<void> {
    await db(TABLES.ipAllocations)
      .where({ request_id: requestId })
      .update({ cluster: guest.cluster, vmid: guest.vmid });
  }

  /** Frees what a request holds; returns the freed records. */
  async releaseRequest(db: Db, requestId: string): Promise<AllocationRecord[]> {
    return this.release(db, q => q.where({ request_id: requestId }));
  }

  /**
   * Frees what the guest `cluster`/`vmid` holds, and what the request
   * `requestId` holds (when given); returns the freed records.
   */
  async releaseGuest(
    db: Db,
    guest: { cluster: string; vmid: number; requestId?: string },
  ): Promise<AllocationRecord[]> {
    return this.release(db, q =>
      q.where(w => {
        w.where({ cluster: guest.cluster, vmid: guest.vmid });
        if (guest.requestId) w.orWhere({ request_id: guest.requestId });
      }),
    );
  }

  private async release(
    db: Db,
    where: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
  ): Promise<AllocationRecord[]> {
    const rows: AllocationRow[] = await where(db(TABLES.ipAllocations));
    if (rows.length === 0) return [];
    for (const r of rows) {
      await db(TABLES.ipAllocations)
        .where({ pool: r.pool, address: r.address, request_id: r.request_id })
        .delete();
    }
    return rows.map(toRecord);
  }
}
