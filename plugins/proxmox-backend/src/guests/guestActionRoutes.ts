import type { HttpAuthService } from '@backstage/backend-plugin-api';
import {
  type GuestTask,
  createSnapshotBodySchema,
  powerBodySchema,
  snapshotNameSchema,
} from '@mycopod/plugin-proxmox-common';
import { tryParseUpid } from '@mycopod/plugin-proxmox-node';
import type express from 'express';
import { z } from 'zod';
import { guestParamsSchema } from '../router/liveRoutes';
import { parseInput } from '../router/validation';
import { RequestValidationError } from '../service/errors';
import type {
  GuestActionCaller,
  GuestActionService,
} from './GuestActionService';

export interface GuestActionRoutesDeps {
  actions: GuestActionService;
  httpAuth: HttpAuthService;
  /** The per-user limit of immediate actions (src/ratelimit). */
  actionRateLimit?: express.RequestHandler;
}

const noQuery = z.strictObject({});
const noBody = z.strictObject({});
const snapshotParamsSchema = z.strictObject({
  ...guestParamsSchema.shape,
  name: snapshotNameSchema,
});
const taskParamsSchema = z.strictObject({
  ...guestParamsSchema.shape,
  upid: z.string().refine(u => tryParseUpid(u) !== undefined, {
    message: 'must be a Proxmox task id (UPID:…)',
  }),
});

/**
 * Immediate guest actions (see `day2.ts` in proxmox-common):
 * `POST /guests/:cluster/:vmid/power`, `GET|POST /guests/:cluster/:vmid/snapshots`,
 * `POST …/snapshots/:name/rollback`, `DELETE …/snapshots/:name` (202 with the
 * task) and `GET …/tasks/:upid` (its progress). Users only.
 */
export function addGuestActionRoutes(
  router: express.Router,
  deps: GuestActionRoutesDeps,
): void {
  const { actions, httpAuth } = deps;
  const limit: express.RequestHandler =
    deps.actionRateLimit ?? ((_req, _res, next) => next());

  async function caller(req: express.Request): Promise<GuestActionCaller> {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    return { credentials, actor: credentials.principal.userEntityRef };
  }

  /** The route's params by `schema`; any query is refused (400). */
  function paramsOf<S extends z.ZodType>(
    schema: S,
    req: express.Request,
  ): z.output<S> {
    const params = parseInput(schema, req.params);
    parseInput(noQuery, req.query);
    return params;
  }

  /** 202 with the task and where to follow it. */
  function accepted(req: express.Request, res: express.Response, t: GuestTask) {
    res
      .status(202)
      .location(
        `${req.baseUrl}/guests/${encodeURIComponent(t.cluster)}/${
          t.vmid
        }/tasks/${encodeURIComponent(t.upid)}`,
      )
      .json(t);
  }

  router.post('/guests/:cluster/:vmid/power', limit, async (req, res) => {
    const who = await caller(req);
    const { cluster, vmid } = paramsOf(guestParamsSchema, req);
    const body = parseInput(powerBodySchema, req.body ?? {});
    if (body.timeoutSeconds !== undefined && body.action !== 'shutdown') {
      throw new RequestValidationError([
        {
          field: 'timeoutSeconds',
          message: 'applies to shutdown only',
        },
      ]);
    }
    accepted(req, res, await actions.power(cluster, vmid, body, who, req));
  });

  router.get('/guests/:cluster/:vmid/snapshots', async (req, res) => {
    const who = await caller(req);
    const { cluster, vmid } = paramsOf(guestParamsSchema, req);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ items: await actions.listSnapshots(cluster, vmid, who) });
  });

  router.post('/guests/:cluster/:vmid/snapshots', limit, async (req, res) => {
    const who = await caller(req);
    const { cluster, vmid } = paramsOf(guestParamsSchema, req);
    const body = parseInput(createSnapshotBodySchema, req.body ?? {});
    accepted(
      req,
      res,
      await actions.createSnapshot(cluster, vmid, body, who, req),
    );
  });

  router.post(
    '/guests/:cluster/:vmid/snapshots/:name/rollback',
    limit,
    async (req, res) => {
      const who = await caller(req);
      const { cluster, vmid, name } = paramsOf(snapshotParamsSchema, req);
      parseInput(noBody, req.body ?? {});
      accepted(
        req,
        res,
        await actions.rollbackSnapshot(cluster, vmid, name, who, req),
      );
    },
  );

  router.delete(
    '/guests/:cluster/:vmid/snapshots/:name',
    limit,
    async (req, res) => {
      const who = await caller(req);
      const { cluster, vmid, name } = paramsOf(snapshotParamsSchema, req);
      accepted(
        req,
        res,
        await actions.deleteSnapshot(cluster, vmid, name, who, req),
      );
    },
  );

  router.get('/guests/:cluster/:vmid/tasks/:upid', async (req, res) => {
    const who = await caller(req);
    const { cluster, vmid, upid } = paramsOf(taskParamsSchema, req);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await actions.task(cluster, vmid, upid, who));
  });
}
