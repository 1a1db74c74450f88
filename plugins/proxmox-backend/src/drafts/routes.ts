import type {
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  createDraftBodySchema,
  editPlanOperationBodySchema,
  planIdSchema,
  planOperationIdSchema,
  submitPlanBodySchema,
} from '@mycopod/plugin-proxmox-common';
import type { Request, Router } from 'express';
import { z } from 'zod';
import { DraftRateLimitError, LlmError } from '../llm/errors';
import { requestCaller } from '../router/caller';
import { answerErrors } from '../router/errorHandler';
import { parseInput } from '../router/validation';
import type { DraftService } from './DraftService';
import { PlanChanges, PlanNotSubmittableError } from './PlanChanges';

export interface DraftRoutesDeps {
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  drafts: DraftService;
}

const noQuery = z.strictObject({});

/**
 * Answers the drafting errors whose status or body Backstage's error
 * handler does not know: the model failing (502/503/504), the per-user
 * limit (429 with Retry-After), a plan with error findings (400 with them).
 */
export const draftErrorHandler = answerErrors((error, send, res) => {
  if (error instanceof LlmError) {
    send(error.status, { code: error.code });
  } else if (error instanceof DraftRateLimitError) {
    res.setHeader('Retry-After', String(error.retryAfterSeconds));
    send(429, { code: 'draft.rate-limited' });
  } else if (error instanceof PlanNotSubmittableError) {
    send(400, {
      plan: error.plan,
      findings: [
        ...error.plan.findings,
        ...error.plan.operations.flatMap(op => op.findings),
      ],
    });
  } else {
    return false;
  }
  return true;
});

/**
 * The plan routes (`/drafts…`, see plan.ts of proxmox-common), user
 * credentials only; a plan is visible to its requester alone.
 */
export function addDraftRoutes(router: Router, deps: DraftRoutesDeps): void {
  const changes = new PlanChanges(deps.drafts);
  const who = (req: Request) => requestCaller(deps, req);
  const planOf = (req: Request) =>
    parseInput(planIdSchema, req.params.planId, 'planId');
  const operationOf = (req: Request) =>
    parseInput(planOperationIdSchema, req.params.operationId, 'operationId');

  router.post('/drafts', async (req, res) => {
    const caller = await who(req);
    const { text } = parseInput(createDraftBodySchema, req.body);
    res.status(201).json(await deps.drafts.draft(text, caller));
  });

  router.get('/drafts/:planId', async (req, res) => {
    const caller = await who(req);
    const planId = planOf(req);
    parseInput(noQuery, req.query);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await deps.drafts.view(planId, caller));
  });

  router.patch('/drafts/:planId/operations/:operationId', async (req, res) => {
    const caller = await who(req);
    const planId = planOf(req);
    const operationId = operationOf(req);
    const body = parseInput(editPlanOperationBodySchema, req.body);
    res.json(await changes.edit(planId, operationId, body, caller));
  });

  router.delete('/drafts/:planId/operations/:operationId', async (req, res) => {
    const caller = await who(req);
    const planId = planOf(req);
    const operationId = operationOf(req);
    res.json(await changes.remove(planId, operationId, caller));
  });

  router.post('/drafts/:planId/submit', async (req, res) => {
    const caller = await who(req);
    const planId = planOf(req);
    const body = parseInput(submitPlanBodySchema, req.body ?? {});
    res.json(await changes.submit(planId, body.confirmActions, caller));
  });

  router.delete('/drafts/:planId', async (req, res) => {
    const caller = await who(req);
    const planId = planOf(req);
    res.json(await changes.discard(planId, caller));
  });

  router.use(draftErrorHandler);
}
