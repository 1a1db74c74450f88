import { LockManager } from './locks';
import { isPathStorage, storageKey } from './storage';
import { registerVolume } from './volumes';
import { normalizeTags, sizeString } from './qemu';
import type {
  ClusterState,
  FirewallRule,
  Guest,
  NetIface,
  NodeState,
  SimState,
  StorageDef,
  StoragePluginType,
} from './types';
import {
  GiB,
  MiB,
  Rng,
  makeRng,
  nowSec,
  pick,
  randInt,
  randomMac,
  randomUuid,
} from '../util';

/** A storage in a {@link FleetSpec}. @public */
export interface FleetStorageSpec {
  storage: string;
  type: StoragePluginType;
  content: string[];
  shared?: boolean;
  /** capacity in GiB (per node for local storage, total for shared storage) */
  capacityGiB: number;
  /** GiB already used by data we do not model (ISOs, backups, ...) */
  usedGiB?: number;
  nodes?: string[];
}

/** A guest in a {@link FleetSpec}. @public */
export interface FleetGuestSpec {
  vmid: number;
  node: string;
  type?: 'qemu' | 'lxc';
  name?: string;
  template?: boolean;
  status?: 'running' | 'stopped';
  cores?: number;
  memoryMiB?: number;
  diskGiB?: number;
  /** storage of the root disk (default: first storage with `images` content) */
  storage?: string;
  tags?: string[];
  pool?: string;
  /** add a cloud-init drive, serial console and `ipconfig0` */
  cloudInit?: boolean;
  /** QEMU guest agent enabled (default true for qemu) */
  agent?: boolean;
  bridge?: string;
  ostype?: string;
  description?: string;
  ipconfig0?: string;
  firewall?: { enable?: boolean; rules?: FirewallRule[] };
}

/** One cluster of a {@link FleetSpec}. @public */
export interface FleetClusterSpec {
  name: string;
  nodes: Array<{
    name: string;
    cpus?: number;
    memoryGiB?: number;
    online?: boolean;
    ip?: string;
  }>;
  storages?: FleetStorageSpec[];
  guests?: FleetGuestSpec[];
  pools?: Array<{ poolid: string; comment?: string }>;
  firewallGroups?: Array<{
    group: string;
    comment?: string;
    rules?: FirewallRule[];
  }>;
  /** Linux bridges present on every node (default `['vmbr0']`) */
  bridges?: string[];
  zones?: Array<{
    zone: string;
    type: 'simple' | 'vlan' | 'vxlan';
    bridge?: string;
  }>;
  vnets?: Array<{ vnet: string; zone: string; tag?: number; alias?: string }>;
}

/** A complete simulated fleet. @public */
export interface FleetSpec {
  clusters: FleetClusterSpec[];
}

const TEMPLATE_NAMES = ['ubuntu-24.04-cloudinit', 'debian-12-cloudinit'];

/** 2025-05-01T00:00:00Z */
const FLEET_EPOCH = 1746057600;

/** A node's usual `local` (dir) and `local-lvm` (thin pool) storages. */
function localStorages(
  usedGiB: number,
  lvmCapacityGiB: number,
): FleetStorageSpec[] {
  return [
    {
      storage: 'local',
      type: 'dir',
      content: ['iso', 'vztmpl', 'backup', 'snippets'],
      capacityGiB: 94,
      usedGiB,
    },
    {
      storage: 'local-lvm',
      type: 'lvmthin',
      content: ['images', 'rootdir'],
      capacityGiB: lvmCapacityGiB,
    },
  ];
}

const DEFAULT_STORAGES = localStorages(12, 800);

function storageDef(s: FleetStorageSpec): StorageDef {
  const def: StorageDef = {
    storage: s.storage,
    type: s.type,
    content: [...s.content].sort(),
    shared: s.shared ?? ['nfs', 'rbd', 'cifs'].includes(s.type),
    nodes: s.nodes,
    capacity: Math.round(s.capacityGiB * GiB),
    baseUsed: Math.round((s.usedGiB ?? 0) * GiB),
  };
  if (s.type === 'dir')
    def.path = s.storage === 'local' ? '/var/lib/vz' : `/mnt/${s.storage}`;
  if (s.type === 'lvmthin') {
    def.thinpool = 'data';
    def.vgname = 'pve';
  }
  if (s.type === 'lvm') def.vgname = 'pve';
  if (s.type === 'zfspool') def.pool = 'rpool/data';
  if (s.type === 'rbd') def.pool = s.storage;
  if (s.type === 'nfs' || s.type === 'cifs') {
    def.path = `/mnt/pve/${s.storage}`;
    def.server = '10.0.0.5';
    def.export = `/export/${s.storage}`;
  }
  return def;
}

function fingerprint(rng: Rng) {
  return Array.from({ length: 32 }, () =>
    Math.floor(rng() * 256)
      .toString(16)
      .toUpperCase()
      .padStart(2, '0'),
  ).join(':');
}

function nodeNetwork(ip: string, bridges: string[]): NetIface[] {
  const gw = ip.replace(/\.\d+$/, '.1');
  const out: NetIface[] = [
    {
      iface: 'eno1',
      type: 'eth',
      active: 1,
      exists: 1,
      method: 'manual',
      method6: 'manual',
      families: ['inet'],
      priority: 3,
    },
    {
      iface: 'eno2',
      type: 'eth',
      active: 1,
      exists: 1,
      method: 'manual',
      method6: 'manual',
      families: ['inet'],
      priority: 4,
    },
  ];
  bridges.forEach((b, i) => {
    const first = i === 0;
    out.push({
      iface: b,
      type: 'bridge',
      active: 1,
      autostart: 1,
      method: first ? 'static' : 'manual',
      method6: 'manual',
      families: ['inet'],
      priority: 5 + i,
      bridge_ports: ['eno1', 'eno2'][i] ?? '',
      bridge_stp: 'off',
      bridge_fd: '0',
      ...(first
        ? { cidr: `${ip}/24`, address: ip, netmask: '24', gateway: gw }
        : { bridge_vlan_aware: 1, bridge_vids: '2-4094' }),
    });
  });
  return out;
}

interface BuildCtx {
  rng: Rng;
  cluster: ClusterState;
  clusterIndex: number;
}

function imagesStorage(
  cluster: ClusterState,
  node: string,
  wanted?: string,
): StorageDef {
  if (wanted) {
    const d = cluster.storages.get(wanted);
    if (!d) throw new Error(`fleet: unknown storage '${wanted}'`);
    return d;
  }
  for (const d of cluster.storages.values()) {
    if (d.content.includes('images') && (!d.nodes || d.nodes.includes(node)))
      return d;
  }
  throw new Error(`fleet: no storage with images content on node '${node}'`);
}

function seedVolume(
  cluster: ClusterState,
  def: StorageDef,
  node: string,
  volname: string,
  size: number,
  vmid: number,
) {
  registerVolume(cluster, def, {
    storage: def.storage,
    node,
    volname,
    size,
    vmid,
  });
  const key = storageKey(def, node);
  cluster.storageUsed.set(key, (cluster.storageUsed.get(key) ?? 0) + size);
}

function addGuest(ctx: BuildCtx, g: FleetGuestSpec, createdAt: number) {
  const { rng, cluster } = ctx;
  if (!cluster.nodes.has(g.node))
    throw new Error(`fleet: unknown node '${g.node}' for guest ${g.vmid}`);
  if (cluster.guests.has(g.vmid))
    throw new Error(`fleet: duplicate vmid ${g.vmid}`);
  const type = g.type ?? 'qemu';
  const def = imagesStorage(cluster, g.node, g.storage);
  const path = isPathStorage(def);
  const diskBytes = Math.round((g.diskGiB ?? (type === 'lxc' ? 8 : 32)) * GiB);
  const cfg: Record<string, string> = {};
  const bridge = g.bridge ?? 'vmbr0';
  const mac = randomMac(rng);
  if (type === 'qemu') {
    const base = g.template ? 'base' : 'vm';
    const volname = path
      ? `${g.vmid}/${base}-${g.vmid}-disk-0.qcow2`
      : `${base}-${g.vmid}-disk-0`;
    seedVolume(cluster, def, g.node, volname, diskBytes, g.vmid);
    cfg.boot = 'order=scsi0;net0';
    cfg.cores = String(g.cores ?? 2);
    cfg.cpu = 'x86-64-v2-AES';
    cfg.memory = String(g.memoryMiB ?? 2048);
    // fixed reference date keeps generated configs identical across runs for a seed
    cfg.meta = `creation-qemu=9.2.0,ctime=${
      FLEET_EPOCH - randInt(rng, 86400, 86400 * 200)
    }`;
    cfg.name = g.name ?? `vm-${g.vmid}`;
    cfg.net0 = `virtio=${mac},bridge=${bridge}${
      g.firewall?.enable ? ',firewall=1' : ''
    }`;
    cfg.numa = '0';
    cfg.onboot = g.template ? '0' : '1';
    cfg.ostype = g.ostype ?? 'l26';
    cfg.scsi0 = `${def.storage}:${volname},iothread=1,size=${sizeString(
      diskBytes,
    )}`;
    cfg.scsihw = 'virtio-scsi-single';
    cfg.smbios1 = `uuid=${randomUuid(rng)}`;
    cfg.sockets = '1';
    cfg.vmgenid = randomUuid(rng);
    if (g.agent ?? true) cfg.agent = 'enabled=1';
    if (g.cloudInit) {
      const civol = path
        ? `${g.vmid}/vm-${g.vmid}-cloudinit.qcow2`
        : `vm-${g.vmid}-cloudinit`;
      seedVolume(cluster, def, g.node, civol, 4 * MiB, g.vmid);
      cfg.ide2 = `${def.storage}:${civol},media=cdrom`;
      cfg.ipconfig0 = g.ipconfig0 ?? 'ip=dhcp';
      cfg.ciuser = 'mycopod';
      cfg.serial0 = 'socket';
      cfg.vga = 'serial0';
      cfg.boot = 'order=scsi0';
    } else if (g.ipconfig0) {
      cfg.ipconfig0 = g.ipconfig0;
    }
    if (g.template) cfg.template = '1';
  } else {
    const volname = path
      ? `${g.vmid}/vm-${g.vmid}-disk-0.raw`
      : `vm-${g.vmid}-disk-0`;
    seedVolume(cluster, def, g.node, volname, diskBytes, g.vmid);
    cfg.arch = 'amd64';
    cfg.cores = String(g.cores ?? 1);
    cfg.hostname = g.name ?? `ct-${g.vmid}`;
    cfg.memory = String(g.memoryMiB ?? 512);
    cfg.net0 = `name=eth0,bridge=${bridge},hwaddr=${mac},ip=dhcp,type=veth`;
    cfg.ostype = 'debian';
    cfg.rootfs = `${def.storage}:${volname},size=${sizeString(diskBytes)}`;
    cfg.swap = '512';
    cfg.unprivileged = '1';
    if (g.template) cfg.template = '1';
  }
  if (g.tags?.length) cfg.tags = normalizeTags(g.tags.join(';'));
  if (g.description) cfg.description = g.description;
  const running = !g.template && g.status === 'running';
  const guest: Guest = {
    vmid: g.vmid,
    type,
    node: g.node,
    config: cfg,
    pending: {},
    pendingDelete: new Set(),
    snapshots: new Map(),
    status: running ? 'running' : 'stopped',
    startedAt: running
      ? (createdAt - randInt(rng, 600, 86400 * 30)) * 1000
      : undefined,
    createdAt: 0,
    pid: running ? randInt(rng, 1000, 4000000) : undefined,
    firewall: {
      options: g.firewall?.enable ? { enable: '1' } : {},
      rules: g.firewall?.rules ? g.firewall.rules.map(r => ({ ...r })) : [],
    },
  };
  cluster.guests.set(g.vmid, guest);
  if (g.pool) {
    const pool = cluster.pools.get(g.pool);
    if (!pool) throw new Error(`fleet: unknown pool '${g.pool}'`);
    pool.vms.add(g.vmid);
  }
}

function buildCluster(
  spec: FleetClusterSpec,
  index: number,
  rng: Rng,
): ClusterState {
  const now = nowSec();
  const cluster: ClusterState = {
    name: spec.name,
    index,
    nodes: new Map(),
    guests: new Map(),
    storages: new Map(),
    storageUsed: new Map(),
    volumes: new Map(),
    pools: new Map(),
    firewallGroups: new Map(),
    zones: new Map(),
    vnets: new Map(),
    tasks: new Map(),
    locks: new LockManager(),
    version: spec.nodes.length + 2,
  };
  const bridges = spec.bridges ?? ['vmbr0'];
  spec.nodes.forEach((n, i) => {
    const ip =
      n.ip ??
      `10.${10 + index}.${Math.floor((i + 11) / 250)}.${((i + 11) % 250) + 1}`;
    const cpus = n.cpus ?? 32;
    const node: NodeState = {
      name: n.name,
      nodeid: i + 1,
      ip,
      online: n.online ?? true,
      maxcpu: cpus,
      maxmem: Math.round((n.memoryGiB ?? 256) * GiB * 0.98),
      maxdisk: 100 * GiB,
      baseMem: Math.round((n.memoryGiB ?? 256) * GiB * (0.05 + rng() * 0.1)),
      baseDisk: Math.round((3 + rng() * 5) * GiB),
      cpuModel: 'AMD EPYC 7443P 24-Core Processor',
      bootTime: now - randInt(rng, 86400, 86400 * 120),
      sslFingerprint: fingerprint(rng),
      network: nodeNetwork(ip, bridges),
      nextPid: randInt(rng, 10000, 900000),
      pstart: 0,
    };
    cluster.nodes.set(n.name, node);
  });
  for (const s of spec.storages ?? DEFAULT_STORAGES)
    cluster.storages.set(s.storage, storageDef(s));
  for (const p of spec.pools ?? []) {
    cluster.pools.set(p.poolid, {
      poolid: p.poolid,
      comment: p.comment,
      vms: new Set(),
      storages: new Set(),
    });
  }
  for (const fg of spec.firewallGroups ?? []) {
    cluster.firewallGroups.set(fg.group, {
      group: fg.group,
      comment: fg.comment,
      rules: (fg.rules ?? []).map(r => ({ ...r })),
    });
  }
  for (const z of spec.zones ?? []) cluster.zones.set(z.zone, { ...z });
  for (const v of spec.vnets ?? []) cluster.vnets.set(v.vnet, { ...v });
  const ctx: BuildCtx = { rng, cluster, clusterIndex: index };
  for (const g of spec.guests ?? []) addGuest(ctx, g, now);
  return cluster;
}

/** Builds the in-memory state for a fleet spec (deterministic for a seed). */
export function buildState(spec: FleetSpec, seed: number): SimState {
  const rng = makeRng(`fleet:${seed}`);
  const names = new Set<string>();
  for (const c of spec.clusters) {
    if (names.has(c.name))
      throw new Error(`fleet: duplicate cluster name '${c.name}'`);
    names.add(c.name);
  }
  return {
    seed,
    clusters: spec.clusters.map((c, i) => buildCluster(c, i, rng)),
  };
}

const FW_GROUPS = [
  {
    group: 'web',
    comment: 'HTTP/HTTPS ingress',
    rules: [
      {
        type: 'in',
        action: 'ACCEPT',
        proto: 'tcp',
        dport: '443',
        enable: 1,
        comment: 'https',
      },
      {
        type: 'in',
        action: 'ACCEPT',
        proto: 'tcp',
        dport: '80',
        enable: 1,
        comment: 'http',
      },
    ],
  },
  {
    group: 'ssh',
    comment: 'SSH from the admin network',
    rules: [
      {
        type: 'in',
        action: 'ACCEPT',
        macro: 'SSH',
        source: '10.0.0.0/8',
        enable: 1,
      },
    ],
  },
];

/** The small demo fleet: 2 clusters, cloud-init templates, a few guests. @public */
export function demoFleet(): FleetSpec {
  const templates = (node: string): FleetGuestSpec[] => [
    {
      vmid: 9000,
      node,
      name: 'ubuntu-24.04-cloudinit',
      template: true,
      cloudInit: true,
      diskGiB: 3.5,
      tags: ['cloud-init', 'ubuntu', 'template'],
      description: 'Ubuntu 24.04 LTS (noble) cloud image with cloud-init',
    },
    {
      vmid: 9001,
      node,
      name: 'debian-12-cloudinit',
      template: true,
      cloudInit: true,
      diskGiB: 3,
      tags: ['cloud-init', 'debian', 'template'],
      description: 'Debian 12 (bookworm) generic cloud image with cloud-init',
    },
  ];
  return {
    clusters: [
      {
        name: 'lab',
        nodes: [
          { name: 'pve1' },
          { name: 'pve2' },
          { name: 'pve3', cpus: 16, memoryGiB: 128 },
        ],
        storages: [
          ...DEFAULT_STORAGES,
          {
            storage: 'nfs-shared',
            type: 'nfs',
            content: ['images', 'iso', 'backup'],
            capacityGiB: 4096,
            usedGiB: 600,
          },
        ],
        pools: [
          { poolid: 'mycopod', comment: 'Guests managed by MycoPod' },
          { poolid: 'team-a', comment: 'Team A sandboxes' },
        ],
        firewallGroups: FW_GROUPS,
        bridges: ['vmbr0', 'vmbr1'],
        zones: [{ zone: 'labzone', type: 'vlan', bridge: 'vmbr1' }],
        vnets: [
          { vnet: 'vnet100', zone: 'labzone', tag: 100, alias: 'Lab services' },
        ],
        guests: [
          ...templates('pve1'),
          {
            vmid: 100,
            node: 'pve1',
            name: 'web-01',
            status: 'running',
            cloudInit: true,
            ipconfig0: 'ip=10.10.0.100/24,gw=10.10.0.1',
            tags: ['mycopod', 'web'],
            pool: 'mycopod',
            firewall: {
              enable: true,
              rules: [{ type: 'group', action: 'web', enable: 1 }],
            },
          },
          {
            vmid: 101,
            node: 'pve2',
            name: 'db-01',
            status: 'running',
            cores: 4,
            memoryMiB: 8192,
            diskGiB: 100,
            tags: ['db'],
            pool: 'mycopod',
          },
          {
            vmid: 102,
            node: 'pve2',
            name: 'build-runner',
            status: 'stopped',
            tags: ['ci'],
            pool: 'team-a',
          },
          {
            vmid: 103,
            node: 'pve3',
            type: 'lxc',
            name: 'dns-01',
            status: 'running',
            tags: ['infra'],
          },
        ],
      },
      {
        name: 'edge',
        nodes: [
          { name: 'edge1', cpus: 8, memoryGiB: 64 },
          { name: 'edge2', cpus: 8, memoryGiB: 64 },
        ],
        pools: [{ poolid: 'mycopod', comment: 'Guests managed by MycoPod' }],
        firewallGroups: FW_GROUPS,
        guests: [
          ...templates('edge1'),
          {
            vmid: 200,
            node: 'edge1',
            name: 'edge-proxy',
            status: 'running',
            cloudInit: true,
            tags: ['edge'],
            pool: 'mycopod',
          },
          {
            vmid: 201,
            node: 'edge2',
            type: 'lxc',
            name: 'edge-cache',
            status: 'stopped',
          },
        ],
      },
    ],
  };
}

/**
 * `large:<clusters>x<nodes>x<guests>`: totals for the whole fleet, spread
 * evenly over the clusters (e.g. `large:3x40x10000` = 3 clusters with 40 nodes
 * and 10000 guests between them: 14/13/13 nodes, 3334/3333/3333 guests).
 * @public
 */
export function largeFleet(
  clusters: number,
  totalNodes: number,
  totalGuests: number,
  seed = 1,
): FleetSpec {
  if (clusters < 1 || totalNodes < clusters) {
    throw new Error(
      `a large fleet needs at least one cluster and one node per cluster (got ${clusters} clusters, ${totalNodes} nodes)`,
    );
  }
  const share = (total: number, c: number) =>
    Math.floor(total / clusters) + (c <= total % clusters ? 1 : 0);
  const rng = makeRng(`large:${seed}`);
  const tagSet = [
    'web',
    'db',
    'ci',
    'cache',
    'batch',
    'mycopod',
    'prod',
    'dev',
    'staging',
  ];
  const out: FleetSpec = { clusters: [] };
  for (let c = 1; c <= clusters; c++) {
    const nodesPerCluster = share(totalNodes, c);
    const guestsPerCluster = share(totalGuests, c);
    const nodes = Array.from({ length: nodesPerCluster }, (_, i) => ({
      name: `c${c}-n${String(i + 1).padStart(3, '0')}`,
      cpus: pick(rng, [32, 48, 64, 96]),
      memoryGiB: pick(rng, [256, 384, 512, 768]),
    }));
    const perNodeGuests = Math.ceil(
      guestsPerCluster / Math.max(1, nodesPerCluster),
    );
    const pools = Array.from({ length: 5 }, (_, i) => ({
      poolid: `pool-${i + 1}`,
    }));
    const guests: FleetGuestSpec[] = [];
    const nTemplates = Math.min(2, guestsPerCluster);
    for (let i = 0; i < guestsPerCluster; i++) {
      const node = nodes[i % nodes.length].name;
      const template = i < nTemplates;
      let vmid = template ? 9000 + i : 100 + i - nTemplates;
      if (!template && vmid >= 9000) vmid += 100; // keep 9000-9099 for templates
      const lxc = !template && rng() < 0.1;
      const r = rng();
      guests.push({
        vmid,
        node,
        type: lxc ? 'lxc' : 'qemu',
        name: template
          ? TEMPLATE_NAMES[i]
          : `${lxc ? 'ct' : 'vm'}-${c}-${vmid}`,
        template,
        cloudInit: template || r < 0.5,
        status: !template && r < 0.6 ? 'running' : 'stopped',
        cores: pick(rng, [1, 2, 4, 8]),
        memoryMiB: pick(rng, [1024, 2048, 4096, 8192]),
        diskGiB: template ? 3.5 : pick(rng, [16, 32, 64]),
        tags: [pick(rng, tagSet), pick(rng, tagSet)],
        pool: rng() < 0.3 ? pick(rng, pools).poolid : undefined,
      });
    }
    out.clusters.push({
      name: `pve-c${c}`,
      nodes,
      storages: localStorages(10, Math.max(800, perNodeGuests * 70)),
      pools,
      firewallGroups: FW_GROUPS,
      bridges: ['vmbr0', 'vmbr1'],
      zones: [{ zone: 'fabric', type: 'vxlan' }],
      vnets: [
        {
          vnet: `vnet${c}00`,
          zone: 'fabric',
          tag: c * 100,
          alias: `cluster ${c} overlay`,
        },
      ],
      guests,
    });
  }
  return out;
}

/** Resolves `'demo'`, `'large:CxNxG'` or a {@link FleetSpec}. */
export function resolveFleet(
  fleet: 'demo' | string | FleetSpec | undefined,
  seed: number,
): FleetSpec {
  if (fleet === undefined || fleet === 'demo') return demoFleet();
  if (typeof fleet !== 'string') return fleet;
  const m = /^large:(\d+)x(\d+)x(\d+)$/.exec(fleet);
  if (m) {
    const [c, n, g] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (c < 1 || n < 1 || g < 0)
      throw new Error(`invalid fleet spec '${fleet}'`);
    return largeFleet(c, n, g, seed);
  }
  throw new Error(
    `unknown fleet '${fleet}' (use 'demo' or 'large:<clusters>x<nodes>x<guests>')`,
  );
}
