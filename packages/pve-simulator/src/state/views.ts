import type { SimContext } from '../context';
import { frac, GiB, MiB, nowSec } from '../util';
import { storageAvail, storageEnabledOn, storageUsed } from './storage';
import {
  bootDiskSize,
  cpuCount,
  effectiveConfig,
  memoryMiB,
  parseDrive,
  parseSize,
} from './qemu';
import type { ClusterState, Guest, NodeState, StorageDef } from './types';

export const PVE_VERSION = {
  version: '8.4.1',
  release: '8.4',
  repoid: '2a5fa54a8503f96d',
};
export const QEMU_VERSION = '9.2.0';

export function nodeOnline(
  sim: SimContext,
  cluster: ClusterState,
  node: NodeState | string,
): boolean {
  const n = typeof node === 'string' ? cluster.nodes.get(node) : node;
  if (!n) return false;
  return n.online && !sim.faults.isNodeOffline(cluster.name, n.name);
}

/** Guests' memory/cpu used by running guests on a node (for node stats). */
function nodeLoad(cluster: ClusterState, node: string) {
  let mem = 0;
  let cpus = 0;
  for (const g of cluster.guests.values()) {
    if (g.node !== node || g.status !== 'running') continue;
    mem += memoryMiB(g.config) * MiB * 0.6;
    cpus += cpuCount(g.config);
  }
  return { mem, cpus };
}

const nodeLoadCache = new WeakMap<
  ClusterState,
  { at: number; map: Map<string, { mem: number; cpus: number }> }
>();

function cachedNodeLoad(cluster: ClusterState, node: string) {
  const now = Date.now();
  let c = nodeLoadCache.get(cluster);
  if (!c || now - c.at > 1000) {
    const map = new Map<string, { mem: number; cpus: number }>();
    for (const g of cluster.guests.values()) {
      if (g.status !== 'running') continue;
      const e = map.get(g.node) ?? { mem: 0, cpus: 0 };
      e.mem += memoryMiB(g.config) * MiB * 0.6;
      e.cpus += cpuCount(g.config);
      map.set(g.node, e);
    }
    c = { at: now, map };
    nodeLoadCache.set(cluster, c);
  }
  return c.map.get(node) ?? { mem: 0, cpus: 0 };
}

export function nodeStats(cluster: ClusterState, n: NodeState) {
  const load =
    cluster.guests.size > 2000
      ? cachedNodeLoad(cluster, n.name)
      : nodeLoad(cluster, n.name);
  const tick = Math.floor(Date.now() / 10000);
  const cpu = Math.min(
    1,
    0.01 + (load.cpus / n.maxcpu) * 0.15 + frac(`cpu:${n.name}:${tick}`) * 0.02,
  );
  return {
    uptime: nowSec() - n.bootTime,
    cpu: Number(cpu.toFixed(6)),
    mem: Math.min(n.maxmem, Math.round(n.baseMem + load.mem)),
    disk: n.baseDisk,
  };
}

/** Node entry as in GET /nodes and cluster/resources (extract_node_stats). */
export function nodeEntry(
  sim: SimContext,
  cluster: ClusterState,
  n: NodeState,
  withStats = true,
) {
  const online = nodeOnline(sim, cluster, n);
  const e: Record<string, unknown> = {
    id: `node/${n.name}`,
    node: n.name,
    type: 'node',
    status: online ? 'online' : 'offline',
    level: '',
  };
  if (withStats) {
    if (online) Object.assign(e, nodeStats(cluster, n));
    e.maxcpu = n.maxcpu;
    e.maxmem = n.maxmem;
    e.maxdisk = n.maxdisk;
  }
  return e;
}

export function guestName(g: Guest): string {
  if (g.type === 'lxc') return g.config.hostname ?? `CT${g.vmid}`;
  return g.config.name ?? `VM ${g.vmid}`;
}

export function guestMaxDisk(g: Guest): number {
  if (g.type === 'lxc') {
    const size = parseDrive(g.config.rootfs ?? '').opts.size;
    return size ? parseSize(size) ?? 0 : 0;
  }
  return bootDiskSize(g.config);
}

/** RRD-like runtime stats of a guest. */
export function guestStats(g: Guest) {
  const maxmem = memoryMiB(g.config) * MiB;
  const cpus = cpuCount(g.config);
  const maxdisk = guestMaxDisk(g);
  if (g.status !== 'running') {
    return {
      uptime: 0,
      cpu: 0,
      mem: 0,
      maxmem,
      maxcpu: cpus,
      maxdisk,
      disk: 0,
      netin: 0,
      netout: 0,
      diskread: 0,
      diskwrite: 0,
    };
  }
  const uptime = Math.max(
    0,
    Math.floor((Date.now() - (g.startedAt ?? Date.now())) / 1000),
  );
  const tick = Math.floor(Date.now() / 10000);
  const f = frac(`g:${g.vmid}`);
  return {
    uptime,
    cpu: Number((0.002 + frac(`cpu:${g.vmid}:${tick}`) * 0.25).toFixed(6)),
    mem: Math.round(maxmem * (0.25 + f * 0.5)),
    maxmem,
    maxcpu: cpus,
    maxdisk,
    disk: g.type === 'lxc' ? Math.round(maxdisk * (0.1 + f * 0.4)) : 0,
    netin: Math.round(uptime * (2000 + f * 50000)),
    netout: Math.round(uptime * (1000 + f * 20000)),
    diskread: Math.round(uptime * (5000 + f * 80000) + 300 * MiB),
    diskwrite: Math.round(uptime * (3000 + f * 60000) + 100 * MiB),
  };
}

export function isTemplate(g: Guest) {
  return g.config.template === '1';
}

/** cluster/resources entry of a guest (extract_vm_stats + lock/tags/pool). */
export function vmResource(sim: SimContext, cluster: ClusterState, g: Guest) {
  const e: Record<string, unknown> = {
    id: `${g.type}/${g.vmid}`,
    vmid: g.vmid,
    node: g.node,
    type: g.type,
    status: 'unknown',
  };
  const lagging = Date.now() - g.createdAt < sim.timings.resourcesLagMs;
  const nodeUp = nodeOnline(sim, cluster, g.node);
  if (!lagging && nodeUp) {
    const s = guestStats(g);
    e.uptime = s.uptime;
    e.name = guestName(g);
    e.status = g.status;
    e.template = isTemplate(g) ? 1 : 0;
    e.maxcpu = s.maxcpu;
    e.cpu = s.cpu;
    e.maxmem = s.maxmem;
    e.mem = s.mem;
    e.maxdisk = s.maxdisk;
    e.disk = s.disk;
    e.netin = s.netin;
    e.netout = s.netout;
    e.diskread = s.diskread;
    e.diskwrite = s.diskwrite;
  }
  const cfg = g.config;
  if (cfg.lock) e.lock = cfg.lock;
  if (cfg.tags) e.tags = cfg.tags;
  const pool = guestPool(cluster, g.vmid);
  if (pool !== undefined) e.pool = pool;
  return e;
}

/** The pool a guest is a member of, if any. */
export function guestPool(
  cluster: ClusterState,
  vmid: number,
): string | undefined {
  for (const p of cluster.pools.values()) {
    if (p.vms.has(vmid)) return p.poolid;
  }
  return undefined;
}

export function storageResource(
  sim: SimContext,
  cluster: ClusterState,
  def: StorageDef,
  node: string,
) {
  const e: Record<string, unknown> = {
    id: `storage/${node}/${def.storage}`,
    storage: def.storage,
    node,
    type: 'storage',
    plugintype: def.type,
    status: 'unknown',
    shared: def.shared ? 1 : 0,
    content: def.content.join(','),
  };
  if (nodeOnline(sim, cluster, node)) {
    e.maxdisk = def.capacity;
    e.disk = storageUsed(cluster, def, node);
    e.status = 'available';
  }
  return e;
}

/** GET /nodes/{node}/storage item */
export function nodeStorageEntry(
  cluster: ClusterState,
  def: StorageDef,
  node: string,
) {
  const used = storageUsed(cluster, def, node);
  const total = def.capacity;
  return {
    storage: def.storage,
    type: def.type,
    content: def.content.join(','),
    active: 1,
    enabled: 1,
    shared: def.shared ? 1 : 0,
    total,
    used,
    avail: storageAvail(cluster, def, node),
    used_fraction: total ? used / total : 0,
  };
}

export function storageCfgEntry(def: StorageDef, digest: string) {
  const e: Record<string, unknown> = {
    storage: def.storage,
    type: def.type,
    content: def.content.join(','),
    digest,
  };
  if (def.path) e.path = def.path;
  if (def.thinpool) e.thinpool = def.thinpool;
  if (def.vgname) e.vgname = def.vgname;
  if (def.pool) e.pool = def.pool;
  if (def.server) e.server = def.server;
  if (def.export) e.export = def.export;
  if (def.type === 'zfspool') e.sparse = 1;
  if (def.type === 'rbd') e.krbd = 0;
  // PVE's storage.cfg parser sets `shared` for the always-shared types
  // (nfs, rbd, cifs, ...) too, so the API reports it for them.
  if (def.shared) e.shared = 1;
  if (def.nodes) e.nodes = def.nodes.join(',');
  if (def.disable) e.disable = 1;
  if (def.content.includes('backup')) e['prune-backups'] = 'keep-all=1';
  return e;
}

export { storageEnabledOn };

type GuestStats = ReturnType<typeof guestStats>;

/** Uptime and I/O counters, as the guest list and status entries end their stats. */
function ioStats(s: GuestStats) {
  return {
    uptime: s.uptime,
    netin: s.netin,
    netout: s.netout,
    diskread: s.diskread,
    diskwrite: s.diskwrite,
  };
}

/** The stats of a qemu list / status entry (vmstatus; qemu reports no disk usage). */
function qemuStats(s: GuestStats) {
  return {
    cpus: s.maxcpu,
    maxmem: s.maxmem,
    maxdisk: s.maxdisk,
    mem: s.mem,
    cpu: s.cpu,
    disk: 0,
    ...ioStats(s),
  };
}

/** The lock, tags and template flag of a guest list / status entry. */
function addConfigFlags(e: Record<string, unknown>, g: Guest) {
  if (g.config.lock) e.lock = g.config.lock;
  if (g.config.tags) e.tags = g.config.tags;
  if (isTemplate(g)) e.template = 1;
}

/** GET /nodes/{node}/qemu item (vmstatus) */
export function qemuListEntry(g: Guest, full: boolean) {
  const e: Record<string, unknown> = {
    vmid: g.vmid,
    name: guestName(g),
    status: g.status,
    ...qemuStats(guestStats(g)),
  };
  if (g.status === 'running') e.pid = g.pid;
  addConfigFlags(e, g);
  if (Object.keys(g.config).some(k => /^serial\d+$/.test(k))) e.serial = 1;
  if (full && g.status === 'running') {
    e.qmpstatus = 'running';
    e['running-machine'] = 'pc-i440fx-9.2+pve0';
    e['running-qemu'] = QEMU_VERSION;
  }
  return e;
}

export function lxcListEntry(g: Guest) {
  const s = guestStats(g);
  const e: Record<string, unknown> = {
    vmid: g.vmid,
    name: guestName(g),
    status: g.status,
    type: 'lxc',
    cpus: s.maxcpu,
    maxmem: s.maxmem,
    maxswap: Number(g.config.swap ?? 512) * MiB,
    maxdisk: s.maxdisk,
    mem: s.mem,
    cpu: s.cpu,
    disk: s.disk,
    ...ioStats(s),
  };
  if (g.status === 'running') e.pid = g.pid;
  addConfigFlags(e, g);
  return e;
}

/** GET …/status/current */
export function qemuStatusCurrent(g: Guest) {
  const s = guestStats(g);
  const cfg = effectiveConfig(g);
  const agent = /(^|,)(enabled=)?(1|on|yes|true)(,|$)/.test(
    g.config.agent ?? '',
  )
    ? 1
    : 0;
  const e: Record<string, unknown> = {
    vmid: g.vmid,
    name: guestName(g),
    status: g.status,
    qmpstatus: g.status,
    ...qemuStats(s),
    ha: { managed: 0 },
    agent,
  };
  addConfigFlags(e, g);
  if (g.status === 'running') {
    const balloon = s.maxmem;
    e.pid = g.pid;
    e.shares = 1000;
    e.balloon = balloon;
    e.balloon_min = balloon;
    e.freemem = Math.max(0, s.maxmem - s.mem);
    e.ballooninfo = {
      actual: balloon,
      max_mem: balloon,
      free_mem: Math.max(0, s.maxmem - s.mem),
      total_mem: Math.round(balloon * 0.96),
      major_page_faults: 1811,
      minor_page_faults: 3803793,
      mem_swapped_in: 0,
      mem_swapped_out: 0,
      last_update: nowSec() - 1,
    };
    e.spice = 0;
    e['running-machine'] = 'pc-i440fx-9.2+pve0';
    e['running-qemu'] = QEMU_VERSION;
    e['proxmox-support'] = {
      'pbs-dirty-bitmap': true,
      'pbs-dirty-bitmap-migration': true,
      'pbs-dirty-bitmap-savevm': true,
      'pbs-library-version': '1.5.1 (UNKNOWN)',
      'pbs-masterkey': true,
      'query-bitmap-info': true,
      'backup-max-workers': true,
    };
    const blockstat: Record<string, unknown> = {};
    for (const k of Object.keys(cfg).filter(key =>
      /^(ide|sata|scsi|virtio)\d+$/.test(key),
    )) {
      blockstat[k] = {
        rd_bytes: Math.round(s.diskread / 2),
        wr_bytes: Math.round(s.diskwrite / 2),
        rd_operations: Math.round(s.diskread / 40960),
        wr_operations: Math.round(s.diskwrite / 8192),
        flush_operations: 0,
        rd_total_time_ns: 0,
        wr_total_time_ns: 0,
        flush_total_time_ns: 0,
        failed_rd_operations: 0,
        failed_wr_operations: 0,
        failed_flush_operations: 0,
        invalid_rd_operations: 0,
        invalid_wr_operations: 0,
        invalid_flush_operations: 0,
        unmap_operations: 0,
        unmap_bytes: 0,
        unmap_merged: 0,
        unmap_total_time_ns: 0,
        failed_unmap_operations: 0,
        invalid_unmap_operations: 0,
        rd_merged: 0,
        wr_merged: 0,
        wr_highest_offset: 0,
        idle_time_ns: 1000000,
        account_invalid: true,
        account_failed: true,
        timed_stats: [],
      };
    }
    e.blockstat = blockstat;
    const nics: Record<string, unknown> = {};
    for (const k of Object.keys(cfg).filter(key => /^net\d+$/.test(key))) {
      nics[`tap${g.vmid}i${k.slice(3)}`] = { netin: s.netin, netout: s.netout };
    }
    e.nics = nics;
  }
  return e;
}

export const BYTES = { GiB, MiB };
