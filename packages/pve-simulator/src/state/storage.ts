import type { ClusterState, StorageDef } from './types';

/** Key under which usage of a storage on a node is accounted. */
export function storageKey(def: StorageDef, node: string): string {
  return def.shared ? def.storage : `${node}/${def.storage}`;
}

export function storageEnabledOn(def: StorageDef, node: string): boolean {
  return !def.disable && (!def.nodes || def.nodes.includes(node));
}

export function storageUsed(
  cluster: ClusterState,
  def: StorageDef,
  node: string,
): number {
  return def.baseUsed + (cluster.storageUsed.get(storageKey(def, node)) ?? 0);
}

export function storageAvail(
  cluster: ClusterState,
  def: StorageDef,
  node: string,
): number {
  return Math.max(0, def.capacity - storageUsed(cluster, def, node));
}

export function isPathStorage(def: StorageDef): boolean {
  return def.type === 'dir' || def.type === 'nfs' || def.type === 'cifs';
}

/** Error texts of the storage plugins when a volume does not fit. */
function outOfSpace(
  def: StorageDef,
  volname: string,
  bytes: number,
  avail: number,
  grow: boolean,
) {
  const extent = 4 * 1024 * 1024;
  switch (def.type) {
    case 'lvmthin':
    case 'lvm': {
      const vg = def.vgname ?? 'pve';
      const name = volname.split('/').pop();
      return grow
        ? `lvextend '${vg}/${name}' error:   Insufficient free space: ${Math.ceil(
            bytes / extent,
          )} extents needed, but only ${Math.floor(avail / extent)} available\n`
        : `lvcreate '${vg}/${name}' error:   Volume group "${vg}" has insufficient free space (${Math.floor(
            avail / extent,
          )} extents): ${Math.ceil(bytes / extent)} required.\n`;
    }
    case 'zfspool': {
      const ds = `${def.pool ?? 'rpool/data'}/${volname.split('/').pop()}`;
      return grow
        ? `zfs error: cannot set property for '${ds}': size is greater than available space\n`
        : `zfs error: cannot create '${ds}': out of space\n`;
    }
    case 'rbd':
      return `rbd ${grow ? 'resize' : 'create'} '${volname}' error: rbd: ${
        grow ? 'resize' : 'create'
      } error: (28) No space left on device\n`;
    default:
      return `qemu-img: ${
        def.path ?? `/mnt/pve/${def.storage}`
      }/images/${volname}: Could not ${
        grow ? 'resize' : 'create'
      } image: No space left on device\n`;
  }
}

export class StorageFullError extends Error {}

/**
 * Accounts `bytes` on the storage (throws {@link StorageFullError} with the
 * plugin's error text when it does not fit).
 */
export function allocateBytes(
  cluster: ClusterState,
  def: StorageDef,
  node: string,
  volname: string,
  bytes: number,
  grow = false,
): void {
  const avail = storageAvail(cluster, def, node);
  if (bytes > avail)
    throw new StorageFullError(outOfSpace(def, volname, bytes, avail, grow));
  const key = storageKey(def, node);
  cluster.storageUsed.set(key, (cluster.storageUsed.get(key) ?? 0) + bytes);
}

export function freeBytes(
  cluster: ClusterState,
  def: StorageDef,
  node: string,
  bytes: number,
) {
  const key = storageKey(def, node);
  cluster.storageUsed.set(
    key,
    Math.max(0, (cluster.storageUsed.get(key) ?? 0) - bytes),
  );
}
