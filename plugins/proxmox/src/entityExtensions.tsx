import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { RESOURCE_TYPES } from '@mycopod/plugin-proxmox-common';

/** Resource entities of Proxmox guests: VMs and containers. */
export const guestEntityFilter = {
  kind: 'resource',
  'spec.type': { $in: [RESOURCE_TYPES.vm, RESOURCE_TYPES.container] },
};

/** Resource entities of Proxmox nodes. */
export const nodeEntityFilter = {
  kind: 'resource',
  'spec.type': RESOURCE_TYPES.node,
};

/** Resource entities of Proxmox clusters. */
export const clusterEntityFilter = {
  kind: 'resource',
  'spec.type': RESOURCE_TYPES.cluster,
};

/** `entity-content:proxmox/guest`: the Proxmox tab of a VM or container. */
export const guestEntityContent = EntityContentBlueprint.make({
  name: 'guest',
  params: {
    path: 'proxmox',
    title: 'Proxmox',
    filter: guestEntityFilter,
    loader: () =>
      import('./components/day2/GuestProxmoxTab').then(m => (
        <m.GuestProxmoxContent />
      )),
  },
});

/**
 * `entity-content:proxmox/console`: the Console tab of a VM or container
 * (noVNC through the proxmox backend; `proxmox.guest.console`).
 */
export const guestConsoleContent = EntityContentBlueprint.make({
  name: 'console',
  params: {
    path: 'console',
    title: 'Console',
    filter: guestEntityFilter,
    loader: () =>
      import('./components/console/GuestConsoleContent').then(m => (
        <m.GuestConsoleContent />
      )),
  },
});

/** `entity-card:proxmox/guest-status`: live status on a guest's overview. */
export const guestStatusCard = EntityCardBlueprint.make({
  name: 'guest-status',
  params: {
    type: 'content',
    filter: guestEntityFilter,
    loader: () =>
      import('./components/entity/GuestStatus').then(m => (
        <m.GuestStatusCard />
      )),
  },
});

/** `entity-card:proxmox/node-capacity`: a node's use vs. capacity, its guests. */
export const nodeCapacityCard = EntityCardBlueprint.make({
  name: 'node-capacity',
  params: {
    type: 'content',
    filter: nodeEntityFilter,
    loader: () =>
      import('./components/entity/NodeCapacityCard').then(m => (
        <m.NodeCapacityCard />
      )),
  },
});

/** `entity-card:proxmox/cluster-summary`: a cluster's nodes and totals. */
export const clusterSummaryCard = EntityCardBlueprint.make({
  name: 'cluster-summary',
  params: {
    type: 'content',
    filter: clusterEntityFilter,
    loader: () =>
      import('./components/entity/ClusterSummaryCard').then(m => (
        <m.ClusterSummaryCard />
      )),
  },
});

export const entityExtensions = [
  guestEntityContent,
  guestConsoleContent,
  guestStatusCard,
  nodeCapacityCard,
  clusterSummaryCard,
];
