import type {
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  createRequestBodySchema,
  decisionBodySchema,
  listRequestsQuerySchema,
  rejectBodySchema,
  requestIdSchema,
  validateRequestBodySchema,
} from '@mycopod/plugin-proxmox-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import type { RequestService } from '../service/RequestService';
import { CursorError } from '../database/RequestStore';
import { RequestValidationError } from '../service/errors';
import { requestCaller } from './caller';
import { proxmoxErrorHandler } from './errorHandler';
import { parseInput } from './validation';

export interface RouterDeps {
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  requests: RequestService;
  /** Adds more routes (options, inventory) before the error handler. */
  extend?: (router: express.Router) => void;
  /** Per-caller limit of every write (src/ratelimit), before any route. */
  writeRateLimit?: express.RequestHandler;
}

/** The requests API under `/api/proxmox`. */
export async function createRouter(deps: RouterDeps): Promise<express.Router> {
  const { httpAuth, userInfo, requests } = deps;
  const router = Router();
  if (deps.writeRateLimit) router.use(deps.writeRateLimit);
  router.use(express.json({ limit: '256kb' }));

  const caller = (req: Request) => requestCaller({ httpAuth, userInfo }, req);
  const idOf = (req: Request) =>
    parseInput(requestIdSchema, req.params.id, 'id');
  const noQuery = z.strictObject({});

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.post('/requests/validate', async (req, res) => {
    const who = await caller(req);
    const body = parseInput(validateRequestBodySchema, req.body);
    const result = await requests.validate(body.spec, who);
    res.json({
      findings: result.findings,
      allowed: result.allowed,
      autoApprove: result.autoApprove,
      leaseDays: result.leaseDays,
    });
  });

  router.post('/requests', async (req, res) => {
    const who = await caller(req);
    const body = parseInput(createRequestBodySchema, req.body);
    const request = await requests.create(body, who);
    res.status(201).json(request);
  });

  router.get('/requests', async (req, res) => {
    const who = await caller(req);
    const query = parseInput(listRequestsQuerySchema, req.query);
    try {
      res.json(await requests.list(query, who));
    } catch (e) {
      if (e instanceof CursorError) {
        throw new RequestValidationError([
          { field: 'cursor', message: e.message },
        ]);
      }
      throw e;
    }
  });

  router.get('/requests/:id', async (req, res) => {
    const who = await caller(req);
    parseInput(noQuery, req.query);
    res.json(await requests.get(idOf(req), who));
  });

  router.post('/requests/:id/approve', async (req, res) => {
    const who = await caller(req);
    const id = idOf(req);
    const body = parseInput(decisionBodySchema, req.body ?? {});
    res.json(await requests.approve(id, body.comment, who));
  });

  router.post('/requests/:id/reject', async (req, res) => {
    const who = await caller(req);
    const id = idOf(req);
    const body = parseInput(rejectBodySchema, req.body ?? {});
    res.json(await requests.reject(id, body.comment, who));
  });

  router.post('/requests/:id/cancel', async (req, res) => {
    const who = await caller(req);
    const id = idOf(req);
    const body = parseInput(decisionBodySchema, req.body ?? {});
    res.json(await requests.cancel(id, body.comment, who));
  });

  router.post('/requests/:id/submit', async (req, res) => {
    const who = await caller(req);
    const id = idOf(req);
    parseInput(z.strictObject({}), req.body ?? {});
    res.json(await requests.submit(id, who));
  });

  deps.extend?.(router);
  router.use(proxmoxErrorHandler);
  return router;
}
