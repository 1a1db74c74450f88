/**
 * Catalog entity provider for Proxmox VE: clusters, nodes, guests,
 * templates and firewall groups from the MycoPod inventory.
 *
 * @packageDocumentation
 */
export { catalogModuleProxmoxEntityProvider as default } from './module';
export { ProxmoxEntityProvider } from './ProxmoxEntityProvider';
export type { RefreshOptions, RefreshOutcome } from './ProxmoxEntityProvider';
export { clusterEntities, guestOwner, normaliseTag } from './entities';
export { readProviderConfig } from './config';
