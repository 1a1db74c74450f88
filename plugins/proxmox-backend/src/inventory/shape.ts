/*
 * Pure shaping of a cluster read into the inventory and the form choices.
 */
import type {
  InventoryCluster,
  ProxmoxOptions,
} from '@mycopod/plugin-proxmox-common';
import type {
  PveNodeResource,
  PveStorageResource,
} from '@mycopod/plugin-proxmox-node';
import type { GuestRecord } from '../database/RequestStore';
import type { ClusterSnapshot } from './clusterSnapshot';

export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

/** Code-unit order: locale independent, so the inventory hash is too. */
export function byName(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Whether an allow list (absent = no restriction, `'*'` = any) admits one of `names`. */
export function allows(list: string[] | undefined, ...names: string[]) {
  return !list || list.includes('*') || names.some(n => list.includes(n));
}

/** A cluster of the inventory that could not be read. */
export function emptyCluster(name: string, error: string): InventoryCluster {
  return {
    name,
    error,
    nodes: [],
    templates: [],
    guests: [],
    firewallGroups: [],
    unparsed: [],
  };
}

/** Bytes → a unit, to 3 decimals (stable: sizes, never usage). */
function inUnit(bytes: number | undefined, unit: number): number | undefined {
  return bytes === undefined
    ? undefined
    : Math.round((bytes / unit) * 1000) / 1000;
}

/**
 * The inventory entry of a cluster, every list in a stable order and
 * without volatile values (status, usage, uptime: they change on their own
 * and are read live), so an unchanged fleet hashes the same. Templates are
 * listed apart from the guests; guests the client could not parse are
 * listed in `unparsed`.
 */
export function inventoryCluster(
  name: string,
  snapshot: ClusterSnapshot,
  owners: Map<number, GuestRecord>,
): InventoryCluster {
  return {
    name,
    nodes: snapshot.nodes
      .map(n => ({
        name: n.node,
        maxcpu: n.maxcpu,
        maxmem: n.maxmem,
      }))
      .sort((a, b) => byName(a.name, b.name)),
    templates: snapshot.guests
      .filter(g => g.template)
      .map(g => ({
        vmid: g.vmid,
        name: g.name ?? `VM ${g.vmid}`,
        node: g.node,
      }))
      .sort((a, b) => a.vmid - b.vmid),
    guests: snapshot.guests
      .filter(g => !g.template)
      .map(g => {
        const own = owners.get(g.vmid);
        return {
          vmid: g.vmid,
          name: g.name,
          node: g.node,
          type: g.type,
          pool: g.pool,
          tags: [...g.tags].sort(byName),
          maxcpu: g.maxcpu,
          maxmemMiB: inUnit(g.maxmem, MiB),
          maxdiskGiB: inUnit(g.maxdisk, GiB),
          owner: own?.owner,
          requestId: own?.requestId,
          system: own?.system,
          leaseEndsAt: own?.leaseEndsAt,
          securityGroups: own?.securityGroups,
        };
      })
      .sort((a, b) => a.vmid - b.vmid),
    firewallGroups: snapshot.firewallGroups
      .map(g => ({ name: g.group, comment: g.comment }))
      .sort((a, b) => byName(a.name, b.name)),
    unparsed: snapshot.unparsed
      .map(u => ({ vmid: u.vmid, node: u.node, reason: u.reason }))
      .sort(
        (a, b) =>
          (a.vmid ?? -1) - (b.vmid ?? -1) ||
          byName(a.node ?? '', b.node ?? '') ||
          byName(a.reason, b.reason),
      ),
  };
}

/** Free capacity of a node: cores `maxcpu - cpu·maxcpu` (rounded down), memory `maxmem - mem`. */
export function nodeCapacity(
  n: PveNodeResource,
): ProxmoxOptions['nodes'][number] {
  const online = n.status === 'online';
  const maxcpu = n.maxcpu ?? 0;
  const maxmem = n.maxmem ?? 0;
  return {
    name: n.node,
    online,
    freeCores: online
      ? Math.max(0, Math.floor(maxcpu - (n.cpu ?? 0) * maxcpu))
      : 0,
    freeMemoryMiB: online
      ? Math.max(0, Math.floor((maxmem - (n.mem ?? 0)) / MiB))
      : 0,
    maxMemoryMiB: Math.floor(maxmem / MiB),
  };
}

/**
 * Available storages that hold VM disks (`images` content), with free
 * space: a shared storage once (without a node), a local one per node.
 */
export function storageChoices(
  storages: PveStorageResource[],
): ProxmoxOptions['storages'] {
  const out = new Map<string, ProxmoxOptions['storages'][number]>();
  for (const s of storages) {
    if (!s.content.includes('images')) continue;
    if (s.status !== 'available' || s.maxdisk === undefined) continue;
    const key = s.shared ? s.storage : `${s.storage}@${s.node}`;
    if (!out.has(key)) {
      out.set(key, {
        name: s.storage,
        node: s.shared ? undefined : s.node,
        shared: s.shared,
        freeGiB: Math.max(0, Math.floor((s.maxdisk - (s.disk ?? 0)) / GiB)),
      });
    }
  }
  return [...out.values()].sort(
    (a, b) => byName(a.name, b.name) || byName(a.node ?? '', b.node ?? ''),
  );
}
