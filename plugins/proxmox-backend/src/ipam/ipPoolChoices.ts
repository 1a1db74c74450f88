import type {
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type {
  IpPoolChoice,
  ProxmoxOptions,
} from '@mycopod/plugin-proxmox-common';
import type { Knex } from 'knex';
import { ownerGroupsOf } from '../service/policyChoices';
import type { IpAllocator } from './IpAllocator';
import type { IpPool } from './IpPoolConfig';
import { poolAllows, poolServes } from './poolFindings';

/** The IP pools `GET /options` offers, given the rest of its answer. */
export type IpPoolChoices = (
  credentials: BackstageCredentials,
  owner: string | undefined,
  options: ProxmoxOptions,
) => Promise<IpPoolChoice[]>;

/**
 * The pools of the options' cluster that the owner group (or, without one,
 * any of the caller's groups) may use, on a network the options offer, with
 * their free counts (one query).
 */
export function createIpPoolChoices(deps: {
  userInfo: UserInfoService;
  pools: readonly IpPool[];
  allocator: IpAllocator;
  db: Knex;
}): IpPoolChoices {
  return async (credentials, owner, options) => {
    if (deps.pools.length === 0 || !options.cluster) return [];
    const cluster = options.cluster;
    const owners = await ownerGroupsOf(deps.userInfo, credentials, owner);
    const networks = [
      ...options.bridges.map(bridge => ({ bridge })),
      ...options.vnets.map(vnet => ({ vnet })),
    ];
    const usable = deps.pools.filter(
      pool =>
        (!pool.groups || owners.some(o => poolAllows(pool, o))) &&
        networks.some(network => poolServes(pool, { cluster, network })),
    );
    const free = await deps.allocator.freeCounts(deps.db, usable);
    return usable.map(pool => ({
      name: pool.name,
      network: pool.network,
      cidr: pool.cidr,
      gateway: pool.gateway,
      size: pool.size,
      free: free.get(pool.name) ?? 0,
    }));
  };
}
