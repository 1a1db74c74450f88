import {
  type Finding,
  type Ipv4Allocation,
  type ProxmoxRequest,
  type VmSpec,
  ipv4PoolOf,
} from '@mycopod/plugin-proxmox-common';
import { NotFoundError } from '@backstage/errors';
import type { Knex } from 'knex';
import type { IpAllocationStore } from './IpAllocationStore';
import type { IpAllocator } from './IpAllocator';
import type { IpPool } from './IpPoolConfig';
import { formatIpv4 } from './ipv4';
import type { IpPoolFact } from './poolFindings';

/** An allocated pool address as the executor writes it to cloud-init. */
export interface PooledIpv4 extends Ipv4Allocation {
  dns?: IpPool['dns'];
}

/**
 * What the request service asks of the IP pools: the facts the policy
 * checks, the allocation inside the approval transaction, and the address a
 * request holds.
 */
export interface IpPoolsPort {
  policyFact(
    db: Knex | Knex.Transaction,
    spec: VmSpec,
  ): Promise<IpPoolFact | undefined>;
  /** Takes the address; a finding (exhausted, unknown pool) refuses the approval. */
  allocateOnApproval(
    trx: Knex.Transaction,
    request: ProxmoxRequest,
  ): Promise<Finding | undefined>;
  allocationOf(requestId: string): Promise<Ipv4Allocation | undefined>;
}

/**
 * IP pools for requests with `cloudInit.ipv4: { pool }`: policy facts (does
 * the pool exist, how many addresses are free), the allocation at approval
 * and the address of a request for the executor's cloud-init.
 */
export class IpPoolService implements IpPoolsPort {
  readonly #pools: Map<string, IpPool>;

  constructor(
    pools: readonly IpPool[],
    private readonly store: IpAllocationStore,
    private readonly allocator: IpAllocator,
  ) {
    this.#pools = new Map(pools.map(p => [p.name, p]));
  }

  /** Every configured pool, in config order. */
  list(): IpPool[] {
    return [...this.#pools.values()];
  }

  get(name: string): IpPool | undefined {
    return this.#pools.get(name);
  }

  async policyFact(
    db: Knex | Knex.Transaction,
    spec: VmSpec,
  ): Promise<IpPoolFact | undefined> {
    const name = ipv4PoolOf(spec.cloudInit.ipv4);
    if (name === undefined) return undefined;
    const pool = this.#pools.get(name);
    if (!pool) return { name, free: 0 };
    const free = (await this.allocator.freeCounts(db, [pool])).get(name) ?? 0;
    return { name, pool, free };
  }

  async allocateOnApproval(
    trx: Knex.Transaction,
    request: ProxmoxRequest,
  ): Promise<Finding | undefined> {
    const name = ipv4PoolOf(request.spec.cloudInit.ipv4);
    if (name === undefined || request.kind !== 'create') return undefined;
    const pool = this.#pools.get(name);
    const refusal = (code: string, message: string): Finding => ({
      level: 'error',
      field: 'cloudInit.ipv4.pool',
      code,
      message,
    });
    if (!pool) {
      return refusal(
        'ip-pool.unknown',
        `No IP pool named ${name} is configured`,
      );
    }
    const outcome = await this.allocator.allocate(trx, pool, {
      id: request.id,
      cluster: request.spec.cluster,
    });
    if ('exhausted' in outcome) {
      return refusal(
        'ip-pool.exhausted',
        `IP pool ${name} (${pool.cidr}) has no free address: all ${pool.size} are allocated`,
      );
    }
    return undefined;
  }

  /**
   * The address a request holds, for its page (undefined when it holds
   * none, or its pool was removed from the config).
   */
  async allocationOf(requestId: string): Promise<Ipv4Allocation | undefined> {
    const lease = await this.leaseOf(requestId).catch(() => undefined);
    return lease
      ? { pool: lease.pool, address: lease.address, gateway: lease.gateway }
      : undefined;
  }

  /**
   * The address a request holds, as the executor writes it to cloud-init
   * (with the pool's DNS). Throws when the pool was removed from the config.
   */
  async leaseOf(
    requestId: string,
    db: Knex | Knex.Transaction = this.store.knex,
  ): Promise<PooledIpv4 | undefined> {
    const held = await this.store.ofRequest(db, requestId);
    if (!held) return undefined;
    const pool = this.#pools.get(held.pool);
    if (!pool) {
      // permanent for the executor: no retry brings the pool back
      throw new NotFoundError(
        `Request ${requestId} holds ${formatIpv4(held.address)} of IP pool ${
          held.pool
        }, which is no longer configured`,
      );
    }
    return {
      pool: pool.name,
      address: `${formatIpv4(held.address)}/${pool.subnet.prefix}`,
      gateway: pool.gateway,
      ...(pool.dns ? { dns: pool.dns } : {}),
    };
  }
}
