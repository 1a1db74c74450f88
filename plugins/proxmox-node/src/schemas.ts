/*
 * Response schemas: validate what Proxmox returns and normalise its Perl-isms
 * (PROXMOX-API.md §2.8): numbers that arrive as strings, 0/1 booleans,
 * `;`-joined tags, `memory` as a property string, URL-encoded `sshkeys`.
 *
 * Numbers are parsed with `Number()` (never 32-bit operations), so byte
 * counters are exact up to 2^53 (8 PiB).
 */
import { z } from 'zod';
import {
  decodeSshKeys,
  parsePropertyString,
  splitCommaList,
  splitTags,
} from './wire';

const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A number that PVE may send as a JSON number or a numeric string. */
export const pveNumber = z
  .union([z.number(), z.string().regex(NUMERIC)])
  .transform(v => (typeof v === 'number' ? v : Number(v)));

/** An integer that PVE may send as a JSON number or a numeric string. */
export const pveInteger = pveNumber.refine(Number.isInteger, {
  message: 'expected an integer',
});

/** A PVE boolean: 0/1 (number or string) or a JSON boolean. */
export const pveBoolean = z
  .union([
    z.boolean(),
    z.number(),
    z.enum(['0', '1', 'true', 'false', 'on', 'off', 'yes', 'no']),
  ])
  .transform(v => {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    return ['1', 'true', 'on', 'yes'].includes(v);
  });

/** A `;`-separated tag list → string[] (PVE already sorts and de-duplicates). */
export const pveTags = z
  .union([z.string(), z.array(z.string())])
  .transform(v => (Array.isArray(v) ? v : splitTags(v)));

/** A comma-separated list → string[]. */
export const pveCommaList = z
  .union([z.string(), z.array(z.string())])
  .transform(v => (Array.isArray(v) ? v : splitCommaList(v)));

/** An optional string where PVE may also send a number (e.g. `id`). */
export const pveString = z
  .union([z.string(), z.number()])
  .transform(v => String(v));

/** `memory` config value: `2048`, `"2048"` or `"current=2048"` → MiB. */
export const pveMemoryMiB = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => {
    if (typeof v === 'number') return v;
    const current = NUMERIC.test(v)
      ? v
      : parsePropertyString(v, 'current').current;
    const n = Number(current);
    if (current === undefined || !Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: `invalid memory value '${v}'` });
      return z.NEVER;
    }
    return n;
  });

const opt = <T extends z.ZodType>(s: T) => s.optional();

// ---------------------------------------------------------------------------
// version, nodes, cluster

export const versionSchema = z.object({
  version: z.string(),
  release: z.string(),
  repoid: z.string(),
  console: opt(z.string()),
});
/** @public */
export type PveVersion = z.output<typeof versionSchema>;

export const nodeListItemSchema = z.object({
  node: z.string(),
  status: z.string(),
  cpu: opt(pveNumber),
  maxcpu: opt(pveInteger),
  mem: opt(pveNumber),
  maxmem: opt(pveNumber),
  disk: opt(pveNumber),
  maxdisk: opt(pveNumber),
  uptime: opt(pveNumber),
  level: opt(z.string()),
  ssl_fingerprint: opt(z.string()),
});
/** @public */
export type PveNodeListItem = z.output<typeof nodeListItemSchema>;

const usageSchema = z.object({
  total: opt(pveNumber),
  used: opt(pveNumber),
  free: opt(pveNumber),
  avail: opt(pveNumber),
});

export const nodeStatusSchema = z.object({
  uptime: opt(pveNumber),
  cpu: opt(pveNumber),
  wait: opt(pveNumber),
  loadavg: opt(z.array(pveNumber)),
  kversion: opt(z.string()),
  pveversion: opt(z.string()),
  cpuinfo: opt(
    z.object({
      cpus: opt(pveInteger),
      cores: opt(pveInteger),
      sockets: opt(pveInteger),
      model: opt(z.string()),
      mhz: opt(pveNumber),
    }),
  ),
  memory: opt(usageSchema),
  swap: opt(usageSchema),
  rootfs: opt(usageSchema),
});
/** @public */
export type PveNodeStatus = z.output<typeof nodeStatusSchema>;

const clusterStatusClusterSchema = z.object({
  type: z.literal('cluster'),
  id: z.string(),
  name: z.string(),
  nodes: opt(pveInteger),
  quorate: pveBoolean.default(false),
  version: opt(pveInteger),
});
const clusterStatusNodeSchema = z.object({
  type: z.literal('node'),
  id: z.string(),
  name: z.string(),
  nodeid: opt(pveInteger),
  ip: opt(z.string()),
  online: pveBoolean.default(false),
  local: pveBoolean.default(false),
  level: opt(z.string()),
});
export const clusterStatusItemSchema = z.union([
  clusterStatusClusterSchema,
  clusterStatusNodeSchema,
]);
/** @public */
export type PveClusterStatusItem = z.output<typeof clusterStatusItemSchema>;

/** GET /cluster/nextid → number (PVE sends a string). */
export const nextIdSchema = pveInteger;

// ---------------------------------------------------------------------------
// cluster/resources

const resourceCommon = {
  id: z.string(),
  status: opt(z.string()),
  node: opt(z.string()),
  cpu: opt(pveNumber),
  maxcpu: opt(pveNumber),
  mem: opt(pveNumber),
  maxmem: opt(pveNumber),
  disk: opt(pveNumber),
  maxdisk: opt(pveNumber),
  uptime: opt(pveNumber),
};

const guestResourceSchema = z.object({
  ...resourceCommon,
  type: z.enum(['qemu', 'lxc']),
  vmid: pveInteger,
  node: z.string(),
  name: opt(z.string()),
  template: pveBoolean.default(false),
  tags: pveTags.default([]),
  lock: opt(z.string()),
  pool: opt(z.string()),
  hastate: opt(z.string()),
  netin: opt(pveNumber),
  netout: opt(pveNumber),
  diskread: opt(pveNumber),
  diskwrite: opt(pveNumber),
});
const nodeResourceSchema = z.object({
  ...resourceCommon,
  type: z.literal('node'),
  node: z.string(),
  level: opt(z.string()),
  'cgroup-mode': opt(pveInteger),
  hastate: opt(z.string()),
});
const storageResourceSchema = z.object({
  ...resourceCommon,
  type: z.literal('storage'),
  storage: z.string(),
  node: z.string(),
  plugintype: opt(z.string()),
  shared: pveBoolean.default(false),
  content: pveCommaList.default([]),
});
const poolResourceSchema = z.object({
  ...resourceCommon,
  type: z.literal('pool'),
  pool: z.string(),
});
const sdnResourceSchema = z.object({
  ...resourceCommon,
  type: z.literal('sdn'),
  sdn: opt(z.string()),
  zone: opt(z.string()),
});
/** `type` values of guests in `/cluster/resources` (`openvz` is legacy). */
const GUEST_RESOURCE_TYPES = new Set(['qemu', 'lxc', 'openvz']);
const GUEST_ID = /^(qemu|lxc|openvz)\//;

/** An entry that is a guest by its type, id or `vmid`, whatever else it holds. */
function looksLikeGuest(raw: Record<string, unknown>): boolean {
  return (
    (typeof raw.type === 'string' && GUEST_RESOURCE_TYPES.has(raw.type)) ||
    (typeof raw.id === 'string' && GUEST_ID.test(raw.id)) ||
    raw.vmid !== undefined
  );
}

/** Why a guest-like entry is not a {@link PveGuestResource}. */
function unparsedReason(raw: Record<string, unknown>): string {
  if (raw.type !== 'qemu' && raw.type !== 'lxc') {
    return `unsupported guest type '${String(raw.type)}'`;
  }
  const result = guestResourceSchema.safeParse(raw);
  if (result.success) return 'not understood';
  return result.error.issues
    .slice(0, 3)
    .map(i => `${i.path.map(String).join('.') || 'entry'}: ${i.message}`)
    .join('; ');
}

/** A finite integer VMID from the entry's `vmid` or its `id` (`qemu/123`), if any. */
function vmidOf(raw: Record<string, unknown>): number | undefined {
  const candidates = [
    raw.vmid,
    typeof raw.id === 'string' ? raw.id.split('/')[1] : undefined,
  ];
  for (const c of candidates) {
    const n = typeof c === 'string' && c.trim() !== '' ? Number(c) : c;
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) return n;
  }
  return undefined;
}

/**
 * A guest `/cluster/resources` listed that does not match the guest schema
 * (an unknown guest type, a missing or malformed `vmid`/`node`…). Kept
 * apart, with the reason, so consumers can report it instead of treating
 * the guest as gone (a full sync must not delete what it cannot read).
 */
const unparsedGuestResourceSchema = z
  .looseObject({ id: z.string(), type: z.string() })
  .refine(looksLikeGuest)
  .transform(({ id, type, ...raw }) => ({
    id,
    type: 'unparsed' as const,
    pveType: type,
    vmid: vmidOf({ id, ...raw }),
    node: typeof raw.node === 'string' ? raw.node : undefined,
    reason: unparsedReason({ id, type, ...raw }),
    raw: raw as Record<string, unknown>,
  }));

const otherResourceSchema = z
  .looseObject({ id: z.string(), type: z.string() })
  .transform(({ id, type, ...raw }) => ({
    id,
    type: 'other' as const,
    pveType: type,
    raw: raw as Record<string, unknown>,
  }));

export const clusterResourceSchema = z.union([
  guestResourceSchema,
  nodeResourceSchema,
  storageResourceSchema,
  poolResourceSchema,
  sdnResourceSchema,
  unparsedGuestResourceSchema,
  otherResourceSchema,
]);
/** @public */
export type PveClusterResource = z.output<typeof clusterResourceSchema>;
/** @public */
export type PveGuestResource = z.output<typeof guestResourceSchema>;
/** @public */
export type PveNodeResource = z.output<typeof nodeResourceSchema>;
/** @public */
export type PveStorageResource = z.output<typeof storageResourceSchema>;
/** @public */
export type PveUnparsedGuestResource = z.output<
  typeof unparsedGuestResourceSchema
>;

// ---------------------------------------------------------------------------
// qemu / lxc

const guestListCommon = {
  vmid: pveInteger,
  name: opt(z.string()),
  status: z.string(),
  template: pveBoolean.default(false),
  tags: pveTags.default([]),
  lock: opt(z.string()),
  cpu: opt(pveNumber),
  cpus: opt(pveNumber),
  mem: opt(pveNumber),
  maxmem: opt(pveNumber),
  disk: opt(pveNumber),
  maxdisk: opt(pveNumber),
  uptime: opt(pveNumber),
  netin: opt(pveNumber),
  netout: opt(pveNumber),
  diskread: opt(pveNumber),
  diskwrite: opt(pveNumber),
};

export const qemuListItemSchema = z.object({
  ...guestListCommon,
  pid: opt(pveInteger),
  qmpstatus: opt(z.string()),
  'running-machine': opt(z.string()),
  'running-qemu': opt(z.string()),
});
/** @public */
export type PveQemuListItem = z.output<typeof qemuListItemSchema>;

export const lxcListItemSchema = z.object({
  ...guestListCommon,
  maxswap: opt(pveNumber),
  type: opt(z.string()),
});
/** @public */
export type PveLxcListItem = z.output<typeof lxcListItemSchema>;

const qemuConfigKnownSchema = z.object({
  digest: opt(z.string()),
  name: opt(z.string()),
  description: opt(z.string()),
  memory: opt(pveMemoryMiB),
  balloon: opt(pveInteger),
  cores: opt(pveInteger),
  sockets: opt(pveInteger),
  vcpus: opt(pveInteger),
  cpu: opt(pveString),
  ostype: opt(z.string()),
  onboot: opt(pveBoolean),
  protection: pveBoolean.default(false),
  template: pveBoolean.default(false),
  agent: opt(pveString),
  tags: pveTags.default([]),
  lock: opt(z.string()),
  boot: opt(z.string()),
  scsihw: opt(z.string()),
  bios: opt(z.string()),
  machine: opt(z.string()),
  ciuser: opt(pveString),
  citype: opt(z.string()),
  ciupgrade: opt(pveBoolean),
  cicustom: opt(z.string()),
  nameserver: opt(z.string()),
  searchdomain: opt(z.string()),
  sshkeys: opt(z.string().transform(decodeSshKeys)),
  parent: opt(z.string()),
  meta: opt(z.string()),
});

function indexedKeys(
  raw: Record<string, string | number>,
  prefix: string,
): Record<number, string> {
  const out: Record<number, string> = {};
  const re = new RegExp(`^${prefix}(\\d+)$`);
  for (const [k, v] of Object.entries(raw)) {
    const m = re.exec(k);
    if (m) out[Number(m[1])] = String(v);
  }
  return out;
}

const DISK_KEY = /^(scsi|virtio|sata|ide)\d+$|^efidisk0$|^tpmstate0$/;

/**
 * GET /nodes/{node}/qemu/{vmid}/config, normalised: `memory` in MiB (number),
 * booleans, `tags` as string[], `sshkeys` decoded, `nets`/`ipconfigs` by
 * index, `disks` by key (`scsi0`, `ide2`…), `agentEnabled`. Every key exactly
 * as returned by Proxmox stays available in `raw`.
 */
export const qemuConfigSchema = z
  .record(z.string(), z.union([z.string(), z.number()]))
  .transform((raw, ctx) => {
    const parsed = qemuConfigKnownSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({
          code: 'custom',
          message: issue.message,
          path: issue.path as PropertyKey[],
        });
      }
      return z.NEVER;
    }
    const c = parsed.data;
    const agent = c.agent ? parsePropertyString(c.agent, 'enabled') : {};
    const disks: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (DISK_KEY.test(k)) disks[k] = String(v);
    }
    return {
      ...c,
      agentEnabled: ['1', 'on', 'yes', 'true'].includes(agent.enabled ?? '0'),
      nets: indexedKeys(raw, 'net'),
      ipconfigs: indexedKeys(raw, 'ipconfig'),
      disks,
      raw,
    };
  });
/** @public */
export type PveQemuConfig = z.output<typeof qemuConfigSchema>;

export const qemuStatusSchema = z.object({
  vmid: pveInteger,
  status: z.string(),
  qmpstatus: opt(z.string()),
  name: opt(z.string()),
  agent: pveBoolean.default(false),
  lock: opt(z.string()),
  tags: pveTags.default([]),
  template: pveBoolean.default(false),
  cpus: opt(pveNumber),
  cpu: opt(pveNumber),
  mem: opt(pveNumber),
  maxmem: opt(pveNumber),
  disk: opt(pveNumber),
  maxdisk: opt(pveNumber),
  uptime: opt(pveNumber),
  pid: opt(pveInteger),
  netin: opt(pveNumber),
  netout: opt(pveNumber),
  diskread: opt(pveNumber),
  diskwrite: opt(pveNumber),
  ha: opt(
    z.looseObject({
      managed: pveBoolean.default(false),
      state: opt(z.string()),
    }),
  ),
  'running-qemu': opt(z.string()),
  'running-machine': opt(z.string()),
});
/** @public */
export type PveQemuStatus = z.output<typeof qemuStatusSchema>;

const agentIpSchema = z.object({
  'ip-address': z.string(),
  'ip-address-type': z.string(),
  prefix: opt(pveInteger),
});
export const agentInterfacesSchema = z
  .object({
    result: z.array(
      z.object({
        name: z.string(),
        'hardware-address': opt(z.string()),
        'ip-addresses': opt(z.array(agentIpSchema)),
      }),
    ),
  })
  .transform(({ result }) =>
    result.map(i => ({
      name: i.name,
      mac: i['hardware-address'],
      addresses: (i['ip-addresses'] ?? []).map(a => ({
        address: a['ip-address'],
        family: a['ip-address-type'] as 'ipv4' | 'ipv6' | string,
        prefix: a.prefix,
      })),
    })),
  );
/** @public */
export type PveGuestInterface = z.output<typeof agentInterfacesSchema>[number];

export const snapshotListSchema = z
  .array(
    z.object({
      name: z.string(),
      description: opt(z.string()),
      parent: opt(z.string()),
      snaptime: opt(pveInteger),
      vmstate: pveBoolean.default(false),
      running: opt(pveBoolean),
    }),
  )
  .transform(list => list.filter(s => s.name !== 'current'));
/** @public */
export type PveSnapshot = z.output<typeof snapshotListSchema>[number];

// ---------------------------------------------------------------------------
// tasks

export const taskStatusSchema = z.object({
  upid: z.string(),
  node: z.string(),
  pid: opt(pveInteger),
  pstart: opt(pveInteger),
  starttime: opt(pveInteger),
  type: z.string(),
  id: opt(pveString),
  user: z.string(),
  tokenid: opt(z.string()),
  status: z.string(),
  exitstatus: opt(z.string()),
});
/** @public */
export type PveTaskStatus = z.output<typeof taskStatusSchema>;

export const taskLogEnvelopeSchema = z
  .object({
    data: z.array(z.object({ n: pveInteger, t: z.string() })),
    total: opt(pveInteger),
  })
  .transform(({ data, total }) => ({
    lines: data,
    total: total ?? data.length,
  }));
/** @public */
export type PveTaskLog = z.output<typeof taskLogEnvelopeSchema>;

export const taskListItemSchema = z.object({
  upid: z.string(),
  node: z.string(),
  type: z.string(),
  id: opt(pveString),
  user: z.string(),
  status: opt(z.string()),
  starttime: opt(pveInteger),
  endtime: opt(pveInteger),
  pid: opt(pveInteger),
  pstart: opt(pveInteger),
});
/** @public */
export type PveTaskListItem = z.output<typeof taskListItemSchema>;

// ---------------------------------------------------------------------------
// pools, storage, network, sdn, firewall

export const poolSchema = z.object({
  poolid: z.string(),
  comment: opt(z.string()),
  members: opt(
    z.array(
      z.looseObject({
        id: z.string(),
        type: z.string(),
        node: opt(z.string()),
        vmid: opt(pveInteger),
        storage: opt(z.string()),
        name: opt(z.string()),
      }),
    ),
  ),
});
/** @public */
export type PvePool = z.output<typeof poolSchema>;

/**
 * Storage types PVE treats as shared by definition (pve-storage
 * `PVE::Storage::Plugin` `@SHARED_STORAGE`; `parse_config` sets `shared = 1`
 * for them, so the flag may or may not be present on the wire).
 */
export const SHARED_STORAGE_TYPES: ReadonlySet<string> = new Set([
  'iscsi',
  'nfs',
  'cifs',
  'rbd',
  'cephfs',
  'iscsidirect',
  'glusterfs',
  'zfs',
  'drbd',
  'pbs',
]);

export const storageConfigSchema = z
  .object({
    storage: z.string(),
    type: opt(z.string()),
    content: pveCommaList.default([]),
    shared: opt(pveBoolean),
    disable: pveBoolean.default(false),
    nodes: opt(pveCommaList),
    path: opt(z.string()),
    pool: opt(z.string()),
    digest: opt(z.string()),
  })
  .transform(s => ({
    ...s,
    shared: s.shared ?? SHARED_STORAGE_TYPES.has(s.type ?? ''),
  }));
/** @public */
export type PveStorageConfig = z.output<typeof storageConfigSchema>;

export const nodeStorageSchema = z.object({
  storage: z.string(),
  type: z.string(),
  content: pveCommaList.default([]),
  active: pveBoolean.default(false),
  enabled: pveBoolean.default(false),
  shared: pveBoolean.default(false),
  total: opt(pveNumber),
  used: opt(pveNumber),
  avail: opt(pveNumber),
  used_fraction: opt(pveNumber),
});
/** @public */
export type PveNodeStorage = z.output<typeof nodeStorageSchema>;

export const networkInterfaceSchema = z.object({
  iface: z.string(),
  type: z.string(),
  active: pveBoolean.default(false),
  autostart: pveBoolean.default(false),
  bridge_ports: opt(z.string()),
  bridge_vlan_aware: pveBoolean.default(false),
  bridge_vids: opt(z.string()),
  cidr: opt(z.string()),
  address: opt(z.string()),
  netmask: opt(z.string()),
  gateway: opt(z.string()),
  cidr6: opt(z.string()),
  comments: opt(z.string()),
  method: opt(z.string()),
  mtu: opt(pveInteger),
});
/** @public */
export type PveNetworkInterface = z.output<typeof networkInterfaceSchema>;

export const sdnVnetSchema = z.object({
  vnet: z.string(),
  zone: opt(z.string()),
  type: opt(z.string()),
  alias: opt(z.string()),
  tag: opt(pveInteger),
  vlanaware: pveBoolean.default(false),
  'isolate-ports': pveBoolean.default(false),
  digest: opt(z.string()),
  state: opt(z.string()),
});
/** @public */
export type PveSdnVnet = z.output<typeof sdnVnetSchema>;

export const firewallGroupSchema = z.object({
  group: z.string(),
  comment: opt(z.string()),
  digest: opt(z.string()),
});
/** @public */
export type PveFirewallGroup = z.output<typeof firewallGroupSchema>;

export const firewallRuleSchema = z.object({
  pos: pveInteger,
  type: z.string(),
  action: z.string(),
  enable: pveBoolean.default(false),
  macro: opt(z.string()),
  source: opt(z.string()),
  dest: opt(z.string()),
  proto: opt(z.string()),
  dport: opt(pveString),
  sport: opt(pveString),
  iface: opt(z.string()),
  log: opt(z.string()),
  comment: opt(z.string()),
  'icmp-type': opt(z.string()),
  ipversion: opt(pveInteger),
  digest: opt(z.string()),
});
/** @public */
export type PveFirewallRule = z.output<typeof firewallRuleSchema>;

export const firewallOptionsSchema = z.object({
  enable: pveBoolean.default(false),
  dhcp: opt(pveBoolean),
  ipfilter: opt(pveBoolean),
  macfilter: opt(pveBoolean),
  ndp: opt(pveBoolean),
  radv: opt(pveBoolean),
  policy_in: opt(z.string()),
  policy_out: opt(z.string()),
  log_level_in: opt(z.string()),
  log_level_out: opt(z.string()),
  digest: opt(z.string()),
});
/** @public */
export type PveFirewallOptions = z.output<typeof firewallOptionsSchema>;

/** A task id returned by an async endpoint. */
export const upidSchema = z.string().startsWith('UPID:');

/** `null` (or anything) for endpoints whose result we ignore. */
export const nullSchema = z.unknown().transform(() => null);

/** An async endpoint that returns a UPID, or null when it finished synchronously. */
export const upidOrNullSchema = z.union([upidSchema, z.null()]);

/**
 * `POST …/vncproxy`: `ticket` is `<password>:PVEVNC:…` on PVE ≥ 8.4.10
 * (which also answers `password`); older versions answer the bare ticket,
 * whose first 8 characters are then the VNC password. Secrets: never log
 * or forward them.
 */
export const vncProxySchema = z.object({
  user: z.string(),
  ticket: z.string().min(8),
  password: z.string().optional(),
  port: pveInteger,
  upid: upidSchema,
  cert: z.string().optional(),
});
/** `GET …/vncwebsocket` without an upgrade. */
export const vncWebSocketSchema = z.object({
  port: z.union([z.string(), pveNumber]),
});
