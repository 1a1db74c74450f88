import type { Config } from '@backstage/config';
import { IP_POOL_NAME, networkSchema } from '@mycopod/plugin-proxmox-common';
import { z } from 'zod';
import { normalizeGroupRef } from '../policy/config';
import {
  type Interval,
  intersect,
  normalize,
  size,
  subtract,
} from './intervals';
import {
  type Ipv4Network,
  formatCidr,
  formatIpv4,
  hostRange,
  inNetwork,
  parseCidr,
  parseIpv4,
} from './ipv4';

/** The config key this module reads. */
export const IP_POOLS_CONFIG_KEY = 'proxmox.ipPools';

/** A network as a spec names it. */
export type PoolNetwork = { bridge: string } | { vnet: string };

/** One entry of `proxmox.ipPools`, validated, with its address set. */
export interface IpPool {
  name: string;
  /** Absent: the pool serves every cluster. */
  cluster?: string;
  network: PoolNetwork;
  /** The network the addresses belong to. */
  subnet: Ipv4Network;
  /** `subnet` as text, e.g. `10.10.0.0/24`. */
  cidr: string;
  gateway: string;
  /**
   * What the pool hands out: its ranges without the excluded addresses, the
   * gateway, and the network and broadcast addresses (normalised).
   */
  addresses: Interval[];
  /** The number of `addresses`. */
  size: number;
  /** Normalised group refs allowed to use it; absent: every group. */
  groups?: string[];
  dns?: { nameservers?: string[]; searchDomain?: string };
}

const DOMAIN =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const address = z
  .string()
  .refine(
    s => parseIpv4(s) !== undefined,
    'must be an IPv4 address such as 10.0.0.5',
  );

const rangeSchema = z
  .strictObject({ first: address, last: address })
  .refine(r => parseIpv4(r.first)! <= parseIpv4(r.last)!, {
    path: ['last'],
    message: 'must not come before first',
  });

const networkConfigSchema = z
  .strictObject({ bridge: z.string().optional(), vnet: z.string().optional() })
  .superRefine((n, ctx) => {
    if ((n.bridge === undefined) === (n.vnet === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must name either a bridge or an SDN vnet, e.g. { bridge: vmbr0 }',
      });
      return;
    }
    const parsed = networkSchema.safeParse(
      n.bridge !== undefined ? { bridge: n.bridge } : { vnet: n.vnet },
    );
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({
          code: 'custom',
          path: [n.bridge !== undefined ? 'bridge' : 'vnet'],
          message: issue.message,
        });
      }
    }
  });

const poolSchema = z
  .strictObject({
    name: z.string().regex(IP_POOL_NAME, {
      message:
        'must be a pool name: letters, digits, _ . - (up to 63, starting with a letter or digit)',
    }),
    cluster: z.string().trim().min(1).optional(),
    network: networkConfigSchema,
    cidr: z.string(),
    gateway: address,
    range: z.union([rangeSchema, z.array(rangeSchema).min(1)]),
    exclude: z.array(z.union([address, rangeSchema])).default([]),
    groups: z.array(z.string().trim().min(1)).optional(),
    dns: z
      .strictObject({
        nameservers: z.array(address).min(1).max(3).optional(),
        searchDomain: z
          .string()
          .regex(DOMAIN, {
            message: 'must be a DNS domain such as example.com',
          })
          .optional(),
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    const subnet = parseCidr(p.cidr);
    if (!subnet) {
      ctx.addIssue({
        code: 'custom',
        path: ['cidr'],
        message:
          'must be an IPv4 network with a prefix length, e.g. 10.0.0.0/24',
      });
      return;
    }
    if (subnet.hostBits) {
      ctx.addIssue({
        code: 'custom',
        path: ['cidr'],
        message: `${p.cidr} is not a network address; did you mean ${formatCidr(
          subnet,
        )}?`,
      });
    }
    const gateway = parseIpv4(p.gateway);
    if (gateway !== undefined && !inNetwork(subnet, gateway)) {
      ctx.addIssue({
        code: 'custom',
        path: ['gateway'],
        message: `${p.gateway} is outside ${formatCidr(subnet)}`,
      });
    }
    const ranges = Array.isArray(p.range) ? p.range : [p.range];
    ranges.forEach((r, i) => {
      for (const key of ['first', 'last'] as const) {
        const value = parseIpv4(r[key]);
        if (value !== undefined && !inNetwork(subnet, value)) {
          ctx.addIssue({
            code: 'custom',
            path: Array.isArray(p.range) ? ['range', i, key] : ['range', key],
            message: `${r[key]} is outside ${formatCidr(subnet)}`,
          });
        }
      }
    });
    (p.groups ?? []).forEach((g, i) => {
      if (!normalizeGroupRef(g)) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', i],
          message: `"${g}" is not a group entity ref such as group:default/team-a`,
        });
      }
    });
  });

type RawPool = z.output<typeof poolSchema>;

function toInterval(entry: string | { first: string; last: string }): Interval {
  if (typeof entry === 'string') {
    const v = parseIpv4(entry)!;
    return { first: v, last: v };
  }
  return { first: parseIpv4(entry.first)!, last: parseIpv4(entry.last)! };
}

/** A validated raw pool as the rest of the plugin uses it. */
function toPool(p: RawPool): IpPool {
  const subnet = parseCidr(p.cidr)!;
  const hosts = hostRange(subnet);
  const ranges = normalize(
    (Array.isArray(p.range) ? p.range : [p.range]).map(toInterval),
  );
  const gateway = parseIpv4(p.gateway)!;
  const removed = normalize([
    ...p.exclude.map(toInterval),
    { first: gateway, last: gateway },
  ]);
  const addresses = subtract(intersect(ranges, [hosts]), removed);
  const groups = p.groups?.map(g => normalizeGroupRef(g)!);
  return {
    name: p.name,
    ...(p.cluster ? { cluster: p.cluster } : {}),
    network:
      p.network.bridge !== undefined
        ? { bridge: p.network.bridge }
        : { vnet: p.network.vnet! },
    subnet: { base: subnet.base, prefix: subnet.prefix, last: subnet.last },
    cidr: formatCidr(subnet),
    gateway: formatIpv4(gateway),
    addresses,
    size: size(addresses),
    ...(groups ? { groups: [...new Set(groups)] } : {}),
    ...(p.dns ? { dns: p.dns } : {}),
  };
}

/** The network's kind and name, e.g. `bridge vmbr0`. */
export function networkLabel(network: PoolNetwork): string {
  return 'bridge' in network
    ? `bridge ${network.bridge}`
    : `SDN vnet ${network.vnet}`;
}

function sameNetwork(a: PoolNetwork, b: PoolNetwork): boolean {
  return networkLabel(a) === networkLabel(b);
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = IP_POOLS_CONFIG_KEY;
  for (const p of path) {
    out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  }
  return out;
}

/**
 * Reads and validates `proxmox.ipPools` (absent: no pools). Throws an Error
 * naming every offending key (e.g. `proxmox.ipPools[0].gateway: 10.1.0.1 is
 * outside 10.0.0.0/24`): unknown clusters, pools without a free address,
 * duplicate names and pools of one network whose addresses overlap included.
 */
export function readIpPoolsConfig(
  config: Config,
  clusterNames?: readonly string[],
): IpPool[] {
  const raw = config.getOptional(IP_POOLS_CONFIG_KEY) ?? [];
  const parsed = z.array(poolSchema).safeParse(raw);
  const fail = (issues: Array<{ path: PropertyKey[]; message: string }>) => {
    throw new Error(
      `Invalid configuration: ${issues
        .map(i => `${formatPath(i.path)}: ${i.message}`)
        .join('; ')}`,
    );
  };
  if (!parsed.success) {
    fail(
      parsed.error.issues.map(i => ({
        path: i.path as PropertyKey[],
        message: i.message,
      })),
    );
  }
  const rawPools = parsed.data!;
  const pools = rawPools.map(toPool);
  const issues: Array<{ path: PropertyKey[]; message: string }> = [];
  const names = new Map<string, number>();
  pools.forEach((pool, i) => {
    const seen = names.get(pool.name);
    if (seen !== undefined) {
      issues.push({
        path: [i, 'name'],
        message: `pool "${pool.name}" is already defined at ${formatPath([
          seen,
        ])}`,
      });
    } else {
      names.set(pool.name, i);
    }
    if (clusterNames && pool.cluster && !clusterNames.includes(pool.cluster)) {
      issues.push({
        path: [i, 'cluster'],
        message: `no Proxmox cluster named "${pool.cluster}" is configured (${
          clusterNames.join(', ') || 'none'
        })`,
      });
    }
    if (pool.size === 0) {
      issues.push({
        path: [i, 'range'],
        message: `pool "${pool.name}" has no address to hand out (its ranges are excluded, or are the gateway, network or broadcast address)`,
      });
    }
    for (let j = 0; j < i; j++) {
      const other = pools[j];
      const clustersMeet =
        !pool.cluster || !other.cluster || pool.cluster === other.cluster;
      if (!clustersMeet || !sameNetwork(pool.network, other.network)) continue;
      const shared = intersect(pool.addresses, other.addresses);
      if (shared.length) {
        issues.push({
          path: [i, 'range'],
          message: `pool "${pool.name}" shares addresses with pool "${
            other.name
          }" on the same ${networkLabel(pool.network)} (from ${formatIpv4(
            shared[0].first,
          )}); one address would be handed out twice`,
        });
      }
    }
  });
  if (issues.length) fail(issues);
  return pools;
}
