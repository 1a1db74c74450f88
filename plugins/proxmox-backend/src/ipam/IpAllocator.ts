import type { Knex } from 'knex';
import type { IpAllocationStore } from './IpAllocationStore';
import type { IpPool } from './IpPoolConfig';
import { contains, lowestFree } from './intervals';

/** What an allocation came to. */
export type AllocationOutcome =
  | { address: number; reused: boolean }
  | { exhausted: true };

/**
 * Hands out the lowest free address of a pool, race-free across backend
 * replicas: read the taken addresses, insert the lowest free one with ON
 * CONFLICT DO NOTHING, and on a conflict (another transaction took it) try
 * again with that address counted as taken. Bounded by the pool's size.
 */
export class IpAllocator {
  constructor(
    private readonly store: IpAllocationStore,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Takes an address of `pool` for a request, in the caller's transaction
   * (the approval's: a rolled-back approval frees it). A request that holds
   * an address of the pool already keeps it.
   */
  async allocate(
    trx: Knex.Transaction,
    pool: IpPool,
    request: { id: string; cluster: string },
  ): Promise<AllocationOutcome> {
    const held = await this.store.ofRequest(trx, request.id);
    if (held && held.pool === pool.name) {
      return { address: held.address, reused: true };
    }
    const lost = new Set<number>();
    for (;;) {
      const fromDb = (await this.store.taken(trx, [pool.name])).get(pool.name)!;
      const taken = lost.size
        ? [...new Set([...fromDb, ...lost])].sort((a, b) => a - b)
        : fromDb;
      const candidate = lowestFree(pool.addresses, taken);
      if (candidate === undefined) return { exhausted: true };
      const won = await this.store.tryTake(trx, {
        pool: pool.name,
        address: candidate,
        requestId: request.id,
        cluster: request.cluster,
        now: this.clock(),
      });
      if (won) return { address: candidate, reused: false };
      lost.add(candidate);
    }
  }

  /**
   * Free addresses of each pool: its size less the allocations inside its
   * current address set (an address the config no longer hands out is not
   * counted).
   */
  async freeCounts(
    db: Knex | Knex.Transaction,
    pools: readonly IpPool[],
  ): Promise<Map<string, number>> {
    const taken = await this.store.taken(
      db,
      pools.map(p => p.name),
    );
    return new Map(
      pools.map(p => [
        p.name,
        p.size -
          (taken.get(p.name) ?? []).filter(a => contains(p.addresses, a))
            .length,
      ]),
    );
  }
}
