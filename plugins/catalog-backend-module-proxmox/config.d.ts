export interface Config {
  proxmox?: {
    /** The catalog entity provider (catalog-backend-module-proxmox). */
    catalog?: {};
  };
}
