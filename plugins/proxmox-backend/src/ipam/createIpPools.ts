import type {
  LoggerService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import { IpAllocationStore } from './IpAllocationStore';
import { IpAllocator } from './IpAllocator';
import type { IpPool } from './IpPoolConfig';
import { IpPoolRelease } from './IpPoolRelease';
import { IpPoolService } from './IpPoolService';
import { type IpPoolChoices, createIpPoolChoices } from './ipPoolChoices';

/** The IP pool parts the plugin wires in. */
export interface IpPools {
  /** For the request service (policy, approval) and the executor (cloud-init). */
  service: IpPoolService;
  /** For the state machine (every transition) and the executor's release step. */
  release: IpPoolRelease;
  /** For `GET /options`. */
  choices: IpPoolChoices;
}

/** The IP pools of `proxmox.ipPools` (read with readIpPoolsConfig) on the plugin's database. */
export function createIpPools(deps: {
  pools: readonly IpPool[];
  knex: Knex;
  logger: LoggerService;
  userInfo: UserInfoService;
}): IpPools {
  const store = new IpAllocationStore(deps.knex);
  const allocator = new IpAllocator(store);
  return {
    service: new IpPoolService(deps.pools, store, allocator),
    release: new IpPoolRelease(store, deps.logger.child({ component: 'ipam' })),
    choices: createIpPoolChoices({
      userInfo: deps.userInfo,
      pools: deps.pools,
      allocator,
      db: deps.knex,
    }),
  };
}
