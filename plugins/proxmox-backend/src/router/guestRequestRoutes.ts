import type {
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { guestRequestBodySchema } from '@mycopod/plugin-proxmox-common';
import type express from 'express';
import { z } from 'zod';
import type { GuestRequestService } from '../service/GuestRequestService';
import { requestCaller } from './caller';
import { guestParamsSchema } from './liveRoutes';
import { parseInput } from './validation';

export interface GuestRequestRoutesDeps {
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  guestRequests: GuestRequestService;
}

/**
 * `POST /guests/:cluster/:vmid/requests` (user credentials): files a
 * resize, decommission, extend-lease or reconcile request for the guest;
 * 201 with the request. Approve, reject, cancel, submit and read it through
 * the `/requests/:id` routes like any request.
 */
export function addGuestRequestRoutes(
  router: express.Router,
  deps: GuestRequestRoutesDeps,
): void {
  router.post('/guests/:cluster/:vmid/requests', async (req, res) => {
    const caller = await requestCaller(deps, req);
    const { cluster, vmid } = parseInput(guestParamsSchema, req.params);
    parseInput(z.strictObject({}), req.query);
    const body = parseInput(guestRequestBodySchema, req.body ?? {});
    const request = await deps.guestRequests.file(
      { cluster, vmid, body },
      caller,
    );
    res.status(201).json(request);
  });
}
