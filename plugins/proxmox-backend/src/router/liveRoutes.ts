import type {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  type GuestLiveStatus,
  optionsQuerySchema,
} from '@mycopod/plugin-proxmox-common';
import type express from 'express';
import { z } from 'zod';
import {
  allowedGuestActions,
  authorizeGuest,
  mayOpenConsole,
} from '../guests/allowedActions';
import type { LiveService } from '../inventory/LiveService';
import { parseInput } from './validation';

export interface LiveRoutesDeps {
  live: LiveService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  /** The guest's console in the Proxmox UI (`consoleUrl`, with `proxmox.guest.console`). */
  consoleUrl?: (guest: GuestLiveStatus) => string;
  /** Open day-2 requests on a guest (`openRequests` of `GET /guests/…`). */
  openRequests?: (
    cluster: string,
    vmid: number,
  ) => Promise<GuestLiveStatus['openRequests']>;
}

const clusterName = optionsQuerySchema.shape.cluster.unwrap();

/** Path parameters of the live routes (every field listed on a 400). */
export const guestParamsSchema = z.strictObject({
  cluster: clusterName,
  vmid: z
    .string()
    .regex(/^[1-9]\d{2,8}$/, { message: 'must be a VMID (100-999999999)' })
    .transform(Number),
});
export const nodeParamsSchema = z.strictObject({
  cluster: clusterName,
  node: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, {
    message: 'must be a node name',
  }),
});
export const clusterParamsSchema = z.strictObject({ cluster: clusterName });
const noQuery = z.strictObject({});

/**
 * Live facts for the entity pages (user credentials, never cached by the
 * catalog): `GET /guests/:cluster/:vmid` (`proxmox.guest.read` on the
 * guest's entity ref), `GET /nodes/:cluster/:node` and
 * `GET /clusters/:cluster` (any signed-in user, as the catalog shows them).
 */
export function addLiveRoutes(
  router: express.Router,
  deps: LiveRoutesDeps,
): void {
  const { live, httpAuth, permissions } = deps;

  router.get('/guests/:cluster/:vmid', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { cluster, vmid } = parseInput(guestParamsSchema, req.params);
    parseInput(noQuery, req.query);
    // read + every action permission in one round trip (403 without read)
    const grants = await authorizeGuest(
      permissions,
      credentials,
      cluster,
      vmid,
    );
    res.setHeader('Cache-Control', 'no-store');
    const [status, openRequests] = await Promise.all([
      live.guest(cluster, vmid),
      deps.openRequests?.(cluster, vmid),
    ]);
    res.json({
      ...status,
      ...(openRequests ? { openRequests } : {}),
      allowedActions: allowedGuestActions(grants, status),
      ...(deps.consoleUrl && mayOpenConsole(grants)
        ? { consoleUrl: deps.consoleUrl(status) }
        : {}),
    });
  });

  router.get('/nodes/:cluster/:node', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user'] });
    const { cluster, node } = parseInput(nodeParamsSchema, req.params);
    parseInput(noQuery, req.query);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await live.node(cluster, node));
  });

  router.get('/clusters/:cluster', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user'] });
    const { cluster } = parseInput(clusterParamsSchema, req.params);
    parseInput(noQuery, req.query);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await live.cluster(cluster));
  });
}
