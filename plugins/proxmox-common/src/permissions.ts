import { createPermission } from '@backstage/plugin-permission-common';

/** Resource type of VM requests. */
export const PROXMOX_REQUEST_RESOURCE_TYPE = 'proxmox-request';
/** Resource type of Proxmox guests (resource ref: the guest's entity ref). */
export const PROXMOX_GUEST_RESOURCE_TYPE = 'proxmox-guest';

/** File a request (basic: every request starts with the caller as requester). */
export const proxmoxRequestCreatePermission = createPermission({
  name: 'proxmox.request.create',
  attributes: { action: 'create' },
});

export const proxmoxRequestReadPermission = createPermission({
  name: 'proxmox.request.read',
  attributes: { action: 'read' },
  resourceType: PROXMOX_REQUEST_RESOURCE_TYPE,
});

export const proxmoxRequestApprovePermission = createPermission({
  name: 'proxmox.request.approve',
  attributes: { action: 'update' },
  resourceType: PROXMOX_REQUEST_RESOURCE_TYPE,
});

export const proxmoxRequestCancelPermission = createPermission({
  name: 'proxmox.request.cancel',
  attributes: { action: 'update' },
  resourceType: PROXMOX_REQUEST_RESOURCE_TYPE,
});

export const proxmoxGuestReadPermission = createPermission({
  name: 'proxmox.guest.read',
  attributes: { action: 'read' },
  resourceType: PROXMOX_GUEST_RESOURCE_TYPE,
});

export const proxmoxGuestPowerPermission = createPermission({
  name: 'proxmox.guest.power',
  attributes: { action: 'update' },
  resourceType: PROXMOX_GUEST_RESOURCE_TYPE,
});

export const proxmoxGuestSnapshotPermission = createPermission({
  name: 'proxmox.guest.snapshot',
  attributes: { action: 'update' },
  resourceType: PROXMOX_GUEST_RESOURCE_TYPE,
});

export const proxmoxGuestConsolePermission = createPermission({
  name: 'proxmox.guest.console',
  attributes: { action: 'update' },
  resourceType: PROXMOX_GUEST_RESOURCE_TYPE,
});

/** File resize, extend-lease and reconcile requests for a guest. */
export const proxmoxGuestUpdatePermission = createPermission({
  name: 'proxmox.guest.update',
  attributes: { action: 'update' },
  resourceType: PROXMOX_GUEST_RESOURCE_TYPE,
});

/** File a decommission request for a guest. */
export const proxmoxGuestDeletePermission = createPermission({
  name: 'proxmox.guest.delete',
  attributes: { action: 'delete' },
  resourceType: PROXMOX_GUEST_RESOURCE_TYPE,
});

/** Ask the LLM to draft a plan (basic). */
export const proxmoxDraftCreatePermission = createPermission({
  name: 'proxmox.draft.create',
  attributes: { action: 'create' },
});

/** The permissions of requests. */
export const proxmoxRequestPermissions = [
  proxmoxRequestReadPermission,
  proxmoxRequestApprovePermission,
  proxmoxRequestCancelPermission,
];

/** The permissions of guests. */
export const proxmoxGuestPermissions = [
  proxmoxGuestReadPermission,
  proxmoxGuestPowerPermission,
  proxmoxGuestSnapshotPermission,
  proxmoxGuestConsolePermission,
  proxmoxGuestUpdatePermission,
  proxmoxGuestDeletePermission,
];

/** Every MycoPod permission. */
export const proxmoxPermissions = [
  proxmoxRequestCreatePermission,
  ...proxmoxRequestPermissions,
  ...proxmoxGuestPermissions,
  proxmoxDraftCreatePermission,
];
