import { ConflictError, InputError } from '@backstage/errors';
import type { ClusterSnapshot } from './clusterSnapshot';
import { byName, MiB } from './shape';

/** Where a new VM goes. */
export interface Placement {
  node: string;
  storage?: string;
}

/** What the request asks for (all optional but the memory). */
export interface PlacementWish {
  node?: string;
  storage?: string;
  memoryMiB: number;
}

/**
 * Places a clone of `template` in a cluster read:
 * - the target storage is the wanted one, else the template's;
 * - a node qualifies when it has the template's storage and the target
 *   storage (available there); a local (not shared) template storage only
 *   on the template's node, since the clone reads the disk there;
 * - a wanted node must exist (else InputError), be online and qualify
 *   (else ConflictError);
 * - otherwise the online qualifying node with the most free memory that
 *   has `memoryMiB` free (ties by name); none → ConflictError.
 */
export function placeClone(
  cluster: string,
  snapshot: ClusterSnapshot,
  template: { node: string; storage?: string },
  wanted?: PlacementWish,
): Placement {
  const storage = wanted?.storage ?? template.storage;
  const has = (node: string, name: string) => {
    const s = snapshot.storages.find(
      e => e.storage === name && e.node === node,
    );
    if (!s || s.status === 'unknown' || s.status === 'disabled') return false;
    return name !== template.storage || s.shared || node === template.node;
  };
  const fits = (node: string) =>
    (!template.storage || has(node, template.storage)) &&
    (!storage || has(node, storage));

  if (
    wanted?.storage &&
    !snapshot.storages.some(s => s.storage === wanted.storage)
  ) {
    throw new InputError(
      `Storage '${wanted.storage}' does not exist in cluster ${cluster}`,
    );
  }

  if (wanted?.node) {
    const node = snapshot.nodes.find(n => n.node === wanted.node);
    if (!node) {
      throw new InputError(
        `Node '${wanted.node}' does not exist in cluster ${cluster}`,
      );
    }
    if (node.status !== 'online') {
      throw new ConflictError(
        `Node '${wanted.node}' of cluster ${cluster} is ${
          node.status ?? 'not online'
        }`,
      );
    }
    if (!fits(node.node)) {
      throw new ConflictError(
        template.storage && !has(node.node, template.storage)
          ? `Node '${wanted.node}' cannot reach storage '${template.storage}' of the template (on node '${template.node}')`
          : `Node '${wanted.node}' has no storage '${storage}'`,
      );
    }
    return { node: node.node, storage };
  }

  const candidates = snapshot.nodes
    .filter(n => n.status === 'online' && fits(n.node))
    .map(n => ({ node: n.node, free: (n.maxmem ?? 0) - (n.mem ?? 0) }));
  if (candidates.length === 0) {
    throw new ConflictError(
      `No online node of cluster ${cluster} can use storage '${storage}' for a clone of the template on node '${template.node}'`,
    );
  }
  const needed = (wanted?.memoryMiB ?? 0) * MiB;
  const best = candidates
    .filter(c => c.free >= needed)
    .sort((a, b) => b.free - a.free || byName(a.node, b.node))[0];
  if (!best) {
    const mostFree = Math.max(...candidates.map(c => c.free));
    throw new ConflictError(
      `No online node of cluster ${cluster} has ${
        wanted?.memoryMiB
      } MiB of free memory (most free: ${Math.floor(mostFree / MiB)} MiB)`,
    );
  }
  return { node: best.node, storage };
}
