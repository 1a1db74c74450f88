import type { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  proxmox?: {
    /**
     * The catalog entity provider (catalog-backend-module-proxmox). One
     * provider per `proxmox.clusters[]` entry, named
     * `proxmox-provider:<cluster>`; the cluster's `uiUrl` (else the origin
     * of its `url`) is used for the Proxmox UI links.
     */
    catalog?: {
      /**
       * When the full refresh of each cluster runs. Default every 10 minutes,
       * timeout 5 minutes, initial delay 15 seconds, scope `global` (one
       * replica at a time).
       * @visibility backend
       */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      /**
       * Owner of guests with neither a MycoPod request nor a pool/tag
       * mapping, and of clusters, nodes, templates and security groups.
       * A group ref; default `group:default/platform-admins`.
       * @visibility backend
       */
      defaultOwner?: string;
      /**
       * Owners of guests created outside MycoPod.
       * @visibility backend
       */
      ownership?: {
        /**
         * Proxmox pool name → group ref (e.g. `team-a: group:default/team-a`).
         * @visibility backend
         */
        pools?: { [pool: string]: string };
        /**
         * Proxmox tag (as in Proxmox or normalised) → group ref. The first
         * matching tag in code-unit order wins; pools win over tags.
         * @visibility backend
         */
        tags?: { [tag: string]: string };
      };
      /**
       * A refresh that would remove more than this share (0..1) of a
       * cluster's guests and templates at once, and more than one, is
       * refused with a warning: the entities stay. Default 0.5.
       * @visibility backend
       */
      maxDeletionRatio?: number;
    };
  };
}
