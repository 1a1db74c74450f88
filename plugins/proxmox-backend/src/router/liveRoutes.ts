import type {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  guestEntityRef,
  optionsQuerySchema,
  proxmoxGuestReadPermission,
} from '@mycopod/plugin-proxmox-common';
import type express from 'express';
import { z } from 'zod';
import type { LiveService } from '../inventory/LiveService';
import { parseInput } from './validation';

export interface LiveRoutesDeps {
  live: LiveService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
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
    const [decision] = await permissions.authorize(
      [
        {
          permission: proxmoxGuestReadPermission,
          resourceRef: guestEntityRef(cluster, vmid),
        },
      ],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError('You may not read this guest');
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json(await live.guest(cluster, vmid));
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
