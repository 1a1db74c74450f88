import type { RequestKind } from '@mycopod/plugin-proxmox-common';

/** A request kind in words, e.g. `extend-lease` → "Extend lease". */
export const KIND_LABELS: Record<RequestKind, string> = {
  create: 'Create',
  resize: 'Resize',
  decommission: 'Decommission',
  'extend-lease': 'Extend lease',
  reconcile: 'Reconcile',
};

/** True for kinds that change an existing guest. */
export function isDay2Kind(kind: RequestKind): boolean {
  return kind !== 'create';
}
