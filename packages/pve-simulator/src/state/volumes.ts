import { GiB, MiB } from '../util';
import {
  allocateBytes,
  freeBytes,
  isPathStorage,
  storageEnabledOn,
  storageKey,
} from './storage';
import {
  DriveValue,
  driveSize,
  isCdrom,
  isCloudinit,
  parseDrive,
  printDrive,
  sizeString,
  volumeName,
  volumeStorage,
} from './qemu';
import type { ClusterState, StorageDef, Volume } from './types';

export const CLOUDINIT_DISK_SIZE = 4 * MiB;

export class VolumeError extends Error {}

export function getStorage(
  cluster: ClusterState,
  storeid: string,
): StorageDef | undefined {
  return cluster.storages.get(storeid);
}

function volKey(def: StorageDef, node: string, volname: string) {
  return `${storageKey(def, node)}|${volname}`;
}

export function findVolume(
  cluster: ClusterState,
  node: string,
  file: string,
): Volume | undefined {
  const sid = volumeStorage(file);
  const name = volumeName(file);
  if (!sid || !name) return undefined;
  const def = cluster.storages.get(sid);
  if (!def) return undefined;
  return cluster.volumes.get(volKey(def, node, name));
}

function shortName(volname: string) {
  // "base-9000-disk-0/vm-101-disk-0" and "101/vm-101-disk-0.qcow2" → "vm-101-disk-0"
  return volname
    .split('/')
    .pop()!
    .replace(/\.(qcow2|raw|vmdk)$/, '');
}

/** per cluster: count of volumes per `storageKey|shortName` (fast free-name lookup) */
const shortIndex = new WeakMap<ClusterState, Map<string, number>>();

function indexOf(cluster: ClusterState) {
  let idx = shortIndex.get(cluster);
  if (!idx) {
    idx = new Map();
    shortIndex.set(cluster, idx);
    for (const [k] of cluster.volumes) {
      const i = k.indexOf('|');
      const sk = `${k.slice(0, i)}|${shortName(k.slice(i + 1))}`;
      idx.set(sk, (idx.get(sk) ?? 0) + 1);
    }
  }
  return idx;
}

function indexAdd(cluster: ClusterState, key: string, delta: number) {
  const idx = shortIndex.get(cluster);
  if (!idx) return; // built lazily from the registry
  const i = key.indexOf('|');
  const sk = `${key.slice(0, i)}|${shortName(key.slice(i + 1))}`;
  const n = (idx.get(sk) ?? 0) + delta;
  if (n <= 0) idx.delete(sk);
  else idx.set(sk, n);
}

function nameTaken(
  cluster: ClusterState,
  def: StorageDef,
  node: string,
  short: string,
) {
  return indexOf(cluster).has(`${storageKey(def, node)}|${short}`);
}

function freeDiskName(
  cluster: ClusterState,
  def: StorageDef,
  node: string,
  vmid: number,
) {
  for (let n = 0; ; n++) {
    const short = `vm-${vmid}-disk-${n}`;
    if (!nameTaken(cluster, def, node, short)) return short;
  }
}

export function registerVolume(
  cluster: ClusterState,
  def: StorageDef,
  vol: Volume,
) {
  const key = volKey(def, vol.node, vol.volname);
  if (!cluster.volumes.has(key)) indexAdd(cluster, key, 1);
  cluster.volumes.set(key, vol);
}

/** Allocates a new volume (accounting + registry) and returns its volid. */
export function allocVolume(
  cluster: ClusterState,
  storeid: string,
  node: string,
  vmid: number,
  bytes: number,
  opts: { cloudinit?: boolean; format?: string; linkedBase?: string } = {},
): Volume {
  const def = cluster.storages.get(storeid);
  if (!def) throw new VolumeError(`storage '${storeid}' does not exist\n`);
  if (!storageEnabledOn(def, node))
    throw new VolumeError(
      `storage '${storeid}' is not available on node '${node}'\n`,
    );
  const path = isPathStorage(def);
  const fmt = opts.format ?? (path ? 'qcow2' : 'raw');
  let short = opts.cloudinit
    ? `vm-${vmid}-cloudinit`
    : freeDiskName(cluster, def, node, vmid);
  let volname = short;
  if (path) volname = `${vmid}/${short}.${fmt}`;
  if (opts.linkedBase) {
    volname = path
      ? `${opts.linkedBase}/${vmid}/${short}.${fmt}`
      : `${opts.linkedBase}/${short}`;
  }
  if (cluster.volumes.has(volKey(def, node, volname))) {
    throw new VolumeError(`volume '${storeid}:${volname}' already exists\n`);
  }
  allocateBytes(cluster, def, node, volname, bytes);
  short = volname;
  const vol: Volume = {
    storage: storeid,
    node,
    volname: short,
    size: bytes,
    vmid,
  };
  registerVolume(cluster, def, vol);
  return vol;
}

export function freeVolume(cluster: ClusterState, vol: Volume) {
  const def = cluster.storages.get(vol.storage);
  if (!def) return;
  const key = volKey(def, vol.node, vol.volname);
  if (!cluster.volumes.has(key)) return;
  cluster.volumes.delete(key);
  indexAdd(cluster, key, -1);
  freeBytes(cluster, def, vol.node, vol.size);
}

/** Grows a volume to `newSize` bytes (accounting only). */
export function growVolume(
  cluster: ClusterState,
  vol: Volume,
  newSize: number,
) {
  const def = cluster.storages.get(vol.storage)!;
  const delta = newSize - vol.size;
  if (delta > 0)
    allocateBytes(cluster, def, vol.node, vol.volname, delta, true);
  vol.size = newSize;
}

/** Renames a volume in the registry (template conversion vm-… → base-…). */
export function renameVolume(
  cluster: ClusterState,
  vol: Volume,
  newName: string,
) {
  const def = cluster.storages.get(vol.storage)!;
  const oldKey = volKey(def, vol.node, vol.volname);
  cluster.volumes.delete(oldKey);
  indexAdd(cluster, oldKey, -1);
  vol.volname = newName;
  registerVolume(cluster, def, vol);
}

/** All volumes referenced by a guest's config, pending section and snapshots. */
export function guestVolumes(
  cluster: ClusterState,
  node: string,
  configs: Array<Record<string, string>>,
): Volume[] {
  const seen = new Set<Volume>();
  for (const cfg of configs) {
    for (const [k, v] of Object.entries(cfg)) {
      if (!/^((ide|sata|scsi|virtio)\d+|efidisk0|tpmstate0|unused\d+)$/.test(k))
        continue;
      const d = parseDrive(v);
      const vol = findVolume(cluster, node, d.file);
      if (vol) seen.add(vol);
    }
  }
  return [...seen];
}

/**
 * create_disks(): turns `STORAGE:SIZE` / `STORAGE:cloudinit` / `STORAGE:0,import-from=…`
 * drive values into allocated volumes. Returns the new values and the allocated volumes.
 * Throws (and rolls back) on allocation errors.
 */
export function createDisks(
  cluster: ClusterState,
  node: string,
  vmid: number,
  params: Record<string, string>,
  defaultStorage: string | undefined,
  existing: Record<string, string> = {},
): { values: Record<string, string>; volumes: Volume[] } {
  const values: Record<string, string> = {};
  const volumes: Volume[] = [];
  try {
    for (const key of Object.keys(params).sort()) {
      if (!/^((ide|sata|scsi|virtio)\d+|efidisk0|tpmstate0)$/.test(key))
        continue;
      const d = parseDrive(params[key]);
      if (isCdrom(d) && !/:cloudinit$/.test(d.file)) {
        values[key] = params[key];
        continue;
      }
      const ci = /^(?:([^/:\s]+):)?cloudinit$/.exec(d.file);
      if (ci) {
        const storeid = ci[1] ?? defaultStorage;
        if (!storeid)
          throw new VolumeError(
            'no storage ID specified (and no default storage)\n',
          );
        const attached = Object.entries({ ...existing, ...values }).find(
          ([k, v]) =>
            k !== key &&
            /^((ide|sata|scsi)\d+)$/.test(k) &&
            isCloudinit(parseDrive(v)),
        );
        if (attached)
          throw new VolumeError(
            `${key} - cloud-init drive is already attached at '${attached[0]}'\n`,
          );
        const vol = allocVolume(
          cluster,
          storeid,
          node,
          vmid,
          CLOUDINIT_DISK_SIZE,
          {
            cloudinit: true,
          },
        );
        volumes.push(vol);
        const nd: DriveValue = {
          file: `${storeid}:${vol.volname}`,
          opts: { ...d.opts, media: 'cdrom' },
        };
        values[key] = printDrive(nd);
        continue;
      }
      const m = /^(?:([^/:\s]+):)?(\d+(?:\.\d+)?)$/.exec(d.file);
      if (m) {
        const storeid = m[1] ?? defaultStorage;
        if (!storeid)
          throw new VolumeError(
            'no storage ID specified (and no default storage)\n',
          );
        let bytes = Math.round(Number(m[2]) * GiB);
        const importFrom = d.opts['import-from'];
        if (importFrom) {
          const src = findVolume(cluster, node, importFrom);
          bytes = src ? src.size : 2 * GiB;
          delete d.opts['import-from'];
        }
        if (key === 'efidisk0') bytes = 4 * MiB;
        if (key === 'tpmstate0') bytes = 4 * MiB;
        const vol = allocVolume(cluster, storeid, node, vmid, bytes, {
          format: d.opts.format,
        });
        volumes.push(vol);
        delete d.opts.format;
        const special: Record<string, string> = {
          efidisk0: '1M',
          tpmstate0: '4M',
        };
        const nd: DriveValue = {
          file: `${storeid}:${vol.volname}`,
          opts: { ...d.opts, size: special[key] ?? sizeString(bytes) },
        };
        values[key] = printDrive(nd);
        continue;
      }
      // existing volume / path
      values[key] = params[key];
      if (!d.opts.size) {
        const vol = findVolume(cluster, node, d.file);
        if (vol)
          values[key] = printDrive({
            file: d.file,
            opts: { ...d.opts, size: sizeString(vol.size) },
          });
      }
    }
  } catch (e) {
    for (const v of volumes) freeVolume(cluster, v);
    throw e;
  }
  return { values, volumes };
}

export { driveSize };
