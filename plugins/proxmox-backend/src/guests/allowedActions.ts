import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  type GuestAction,
  type GuestLiveStatus,
  guestEntityRef,
  proxmoxGuestConsolePermission,
  proxmoxGuestDeletePermission,
  proxmoxGuestPowerPermission,
  proxmoxGuestReadPermission,
  proxmoxGuestSnapshotPermission,
  proxmoxGuestUpdatePermission,
} from '@mycopod/plugin-proxmox-common';

const CHECKED = [
  proxmoxGuestReadPermission,
  proxmoxGuestPowerPermission,
  proxmoxGuestSnapshotPermission,
  proxmoxGuestConsolePermission,
  proxmoxGuestUpdatePermission,
  proxmoxGuestDeletePermission,
];

/** What the caller may do on one guest: the names of its allowed permissions. */
export type GuestGrants = ReadonlySet<string>;

/**
 * Every guest permission of the caller on one guest, in ONE permission
 * round trip (conditional decisions are applied by the permission backend
 * against the guest's owner). Throws 403 unless `proxmox.guest.read` is
 * allowed.
 */
export async function authorizeGuest(
  permissions: PermissionsService,
  credentials: BackstageCredentials,
  cluster: string,
  vmid: number,
): Promise<GuestGrants> {
  const resourceRef = guestEntityRef(cluster, vmid);
  const decisions = await permissions.authorize(
    CHECKED.map(permission => ({ permission, resourceRef })),
    { credentials },
  );
  const grants = new Set(
    CHECKED.filter(
      (_p, i) => decisions[i].result === AuthorizeResult.ALLOW,
    ).map(p => p.name),
  );
  if (!grants.has(proxmoxGuestReadPermission.name)) {
    throw new NotAllowedError('You may not read this guest');
  }
  return grants;
}

/**
 * The entity page's buttons: the actions the grants allow on this guest as
 * it is. Power and snapshots need a QEMU VM; `reconcile` needs the request
 * that declared the guest; `extend-lease` a lease.
 */
export function allowedGuestActions(
  grants: GuestGrants,
  guest: Pick<GuestLiveStatus, 'type' | 'requestId' | 'lease' | 'leaseEndsAt'>,
): GuestAction[] {
  const may = (p: { name: string }) => grants.has(p.name);
  const vm = guest.type === 'qemu';
  const out: GuestAction[] = [];
  if (vm && may(proxmoxGuestPowerPermission)) out.push('power');
  if (vm && may(proxmoxGuestSnapshotPermission)) out.push('snapshot');
  if (may(proxmoxGuestConsolePermission)) out.push('console');
  if (may(proxmoxGuestUpdatePermission)) {
    out.push('resize');
    if (guest.lease || guest.leaseEndsAt) out.push('extend-lease');
    if (guest.requestId) out.push('reconcile');
  }
  if (may(proxmoxGuestDeletePermission)) out.push('decommission');
  return out;
}

/** Whether the grants include the console. */
export function mayOpenConsole(grants: GuestGrants): boolean {
  return grants.has(proxmoxGuestConsolePermission.name);
}
