/** The qemu routes, one file per operation under `./qemu/`. */
import { agentRoutes } from './qemu/agent';
import { cloneRoutes } from './qemu/clone';
import { configRoutes } from './qemu/config';
import { createRoutes } from './qemu/create';
import { diskRoutes } from './qemu/disks';
import { powerRoutes } from './qemu/power';
import { snapshotRoutes } from './qemu/snapshots';
import type { RouteDef } from './types';

export const qemuRoutes: RouteDef[] = [
  ...createRoutes,
  ...configRoutes,
  ...cloneRoutes,
  ...diskRoutes,
  ...powerRoutes,
  ...agentRoutes,
  ...snapshotRoutes,
];
