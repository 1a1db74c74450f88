import {
  type Finding,
  type VmSpec,
  ipv4PoolOf,
} from '@mycopod/plugin-proxmox-common';
import { normalizeGroupRef } from '../policy/config';
import { type IpPool, networkLabel } from './IpPoolConfig';

/** What the policy engine learns about the IP pool a spec names. */
export interface IpPoolFact {
  name: string;
  /** Absent: no pool of that name is configured. */
  pool?: Pick<IpPool, 'cluster' | 'network' | 'groups' | 'size' | 'cidr'>;
  /** Addresses of the pool not allocated now. */
  free: number;
}

const FIELD = 'cloudInit.ipv4.pool';

function shortName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/** May the owner group use the pool (no `groups`: every group may). */
export function poolAllows(
  pool: Pick<IpPool, 'groups'>,
  owner: string,
): boolean {
  if (!pool.groups) return true;
  const ref = normalizeGroupRef(owner) ?? owner.toLowerCase();
  return pool.groups.includes(ref);
}

/** Does the pool serve the network (and cluster) of a spec. */
export function poolServes(
  pool: Pick<IpPool, 'cluster' | 'network'>,
  where: { cluster: string; network: VmSpec['network'] },
): boolean {
  return (
    (!pool.cluster || pool.cluster === where.cluster) &&
    networkLabel(pool.network) === networkLabel(where.network)
  );
}

/**
 * The findings about `cloudInit.ipv4: { pool }` (none for other shapes):
 * an unknown pool, a pool of another cluster or network, a pool the owner
 * group may not use, and an exhausted pool are errors.
 */
export function checkIpPool(
  spec: VmSpec,
  fact: IpPoolFact | undefined,
  out: Finding[],
): void {
  const name = ipv4PoolOf(spec.cloudInit.ipv4);
  if (name === undefined) return;
  const pool = fact?.name === name ? fact.pool : undefined;
  if (!pool) {
    out.push({
      level: 'error',
      field: FIELD,
      code: 'ip-pool.unknown',
      message: `No IP pool named ${name} is configured`,
    });
    return;
  }
  if (pool.cluster && pool.cluster !== spec.cluster) {
    out.push({
      level: 'error',
      field: FIELD,
      code: 'ip-pool.wrong-cluster',
      message: `IP pool ${name} serves cluster ${pool.cluster}, not ${spec.cluster}`,
    });
  } else if (!poolServes(pool, spec)) {
    out.push({
      level: 'error',
      field: FIELD,
      code: 'ip-pool.wrong-network',
      message: `IP pool ${name} belongs to ${networkLabel(
        pool.network,
      )}, not ${networkLabel(spec.network)}; choose a pool of the VM's network`,
    });
  }
  if (!poolAllows(pool, spec.owner)) {
    out.push({
      level: 'error',
      field: FIELD,
      code: 'ip-pool.not-allowed',
      message: `IP pool ${name} is not open to ${shortName(
        spec.owner,
      )} (allowed: ${pool.groups!.map(shortName).join(', ') || 'none'})`,
    });
  }
  if (fact!.free <= 0) {
    out.push({
      level: 'error',
      field: FIELD,
      code: 'ip-pool.exhausted',
      message: `IP pool ${name} (${pool.cidr}) has no free address: all ${pool.size} are allocated`,
    });
  }
}
