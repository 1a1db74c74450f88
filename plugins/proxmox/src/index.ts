/**
 * MycoPod frontend (new frontend system): VM requests and approvals, and the
 * scaffolder form fields of the "VM from a Proxmox template" form.
 *
 * @packageDocumentation
 */

export { proxmoxPlugin as default } from './plugin';
export { proxmoxPlugin } from './plugin';
export * from './api';
export { requestRouteRef, requestsRouteRef } from './routes';
export { ProxmoxRequestsSidebarItem } from './components/AwaitingBadge/AwaitingBadge';
