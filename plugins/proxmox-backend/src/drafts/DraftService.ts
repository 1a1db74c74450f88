import type {
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  Finding,
  PlanOperation,
  ProxmoxPlan,
  hasErrorFinding,
  proxmoxDraftCreatePermission,
  proxmoxRequestCreatePermission,
} from '@mycopod/plugin-proxmox-common';
import { randomUUID } from 'node:crypto';
import type { RequestStore } from '../database/RequestStore';
import type { LlmConfig } from '../llm/config';
import { LLM_REQUIRED_KEYS } from '../llm/config';
import {
  LlmError,
  LlmNotConfiguredError,
  DraftRateLimitError,
} from '../llm/errors';
import type { LlmClient } from '../llm/LlmClient';
import { buildPrompt, planJsonSchema } from '../llm/prompt';
import type { PolicyConfig } from '../policy';
import type { RequestNotifier } from '../service/RequestNotifier';
import type { Caller, RequestService } from '../service/RequestService';
import { parsePlanAnswer, salvagePlanAnswer } from './answer';
import { assessCreates } from './assess';
import type { DraftStore, PlanRecord, StoredOperation } from './DraftStore';
import { FactsDeps, DraftingFacts, modelContext, readFacts } from './facts';
import { PlannedOperation, interpret, invalidProposal } from './interpret';
import type { GuestActionsPort, GuestRequestsPort } from './ports';
import type { DraftRateLimiter } from './rateLimit';

export interface DraftServiceDeps {
  /** Undefined when `proxmox.llm` is not configured. */
  llm?: { client: LlmClient; config: LlmConfig };
  drafts: DraftStore;
  store: RequestStore;
  requests: RequestService;
  facts: FactsDeps;
  policy: PolicyConfig;
  permissions: PermissionsService;
  notifier: RequestNotifier;
  logger: LoggerService;
  rateLimiter?: DraftRateLimiter;
  guestRequests?: GuestRequestsPort;
  guestActions?: GuestActionsPort;
  clock?: () => number;
}

const noFindings: Finding[] = [];

/**
 * LLM drafting: a developer's text → the model's answer (untrusted,
 * schema-checked) → operations resolved against what exists → `draft`
 * requests under one plan id, with the findings of the same policy engine
 * as a form request. Nothing here moves a request out of `draft`.
 */
export class DraftService {
  constructor(readonly deps: DraftServiceDeps) {}

  now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  /** Whether a model is configured. */
  get enabled(): boolean {
    return this.deps.llm !== undefined;
  }

  async draft(text: string, caller: Caller): Promise<ProxmoxPlan> {
    const decisions = await this.deps.permissions.authorize(
      [
        { permission: proxmoxDraftCreatePermission },
        { permission: proxmoxRequestCreatePermission },
      ],
      { credentials: caller.credentials },
    );
    if (decisions.some(d => d.result !== AuthorizeResult.ALLOW)) {
      throw new NotAllowedError('You may not draft plans');
    }
    const llm = this.deps.llm;
    if (!llm) throw new LlmNotConfiguredError(LLM_REQUIRED_KEYS);
    const limit = this.deps.rateLimiter?.take(caller.userRef);
    if (limit && !limit.allowed) {
      throw new DraftRateLimitError(limit.retryAfterSeconds);
    }
    const planId = randomUUID();
    return this.deps.notifier.audit(
      'proxmox-plan-draft',
      {
        planId,
        actor: caller.userRef,
        provider: llm.config.provider,
        model: llm.config.model,
        textLength: text.length,
      },
      async () => {
        const facts = await readFacts(this.deps.facts, caller);
        const max = llm.config.maxOperations;
        const context = modelContext(facts, caller, max, this.now());
        const prompt = buildPrompt(context, text);
        const result = await llm.client.ask(
          { ...prompt, schema: planJsonSchema(max) },
          json => parsePlanAnswer(json, max),
        );
        let rationale = '';
        let assumptions: string[] = [];
        let planned: PlannedOperation[] = [];
        const findings: Finding[] = facts.unreadable.map(c => ({
          level: 'warning' as const,
          code: 'cluster.unreadable',
          message: `Cluster ${c} could not be read now; the model did not see it`,
        }));
        if (result.kind === 'answer') {
          ({ rationale, assumptions } = result.data);
          planned = result.data.operations.map(op => interpret(op, facts));
        } else if (result.kind === 'refusal') {
          findings.push({
            level: 'error',
            code: 'model.refused',
            message: `The model did not draft a plan: ${result.message}`,
          });
        } else {
          const salvaged = salvagePlanAnswer(result.json, max);
          if (!salvaged) {
            throw new LlmError(
              `The model's answer was not a valid plan, also after a second try (${result.errors
                .slice(0, 3)
                .join(
                  '; ',
                )}). Try again, or describe it in other words or with fewer operations.`,
              502,
              'llm.invalid-answer',
            );
          }
          ({ rationale, assumptions } = salvaged);
          planned = salvaged.operations.map(o =>
            o.ok
              ? interpret(o.operation, facts)
              : invalidProposal(o.proposed, o.errors),
          );
        }
        if (planned.length === 0 && result.kind !== 'refusal') {
          findings.push({
            level: 'error',
            code: 'plan.empty',
            message:
              'The model found nothing to create or change in the text; describe what you need',
          });
        }
        const now = this.now();
        await this.deps.drafts.insertPlan({
          id: planId,
          requester: caller.userRef,
          state: 'draft',
          text,
          rationale,
          assumptions,
          operations: [],
          findings,
          provider: llm.config.provider,
          model: llm.config.model,
          createdAt: now,
          updatedAt: now,
        });
        const operations = await this.store(planId, planned, facts, caller);
        await this.deps.drafts.updatePlan(
          planId,
          'draft',
          { operations },
          this.now(),
        );
        return this.view(planId, caller);
      },
    );
  }

  /**
   * Files the plan's requests as drafts (creates here, day-2 kinds through
   * the day-2 request service) and keeps the rest in the plan row.
   */
  private async store(
    planId: string,
    planned: PlannedOperation[],
    facts: DraftingFacts,
    caller: Caller,
  ): Promise<StoredOperation[]> {
    const creates = planned.flatMap(p =>
      p.kind === 'create' && p.mode === 'request' ? [p.spec] : [],
    );
    const assessed = await assessCreates(creates, facts, this.deps, caller);
    let c = 0;
    const out: StoredOperation[] = [];
    for (const p of planned) {
      if (p.mode === 'invalid') {
        out.push({
          id: randomUUID(),
          kind: p.kind,
          mode: 'invalid',
          summary: p.summary,
          proposed: p.proposed,
          findings: p.findings,
          ...(p.target ? { target: p.target } : {}),
        });
      } else if (p.mode === 'action') {
        out.push({
          id: randomUUID(),
          kind: p.kind,
          mode: 'action',
          summary: p.summary,
          action: p.action,
          target: targetOf(p.guest),
          findings: noFindings,
        });
      } else if (p.kind === 'create') {
        const findings = assessed[c++];
        const request = await this.deps.requests.create(
          { spec: p.spec, submit: false, planId },
          caller,
        );
        await this.deps.drafts.setDraftFindings(
          request.id,
          findings,
          this.now(),
        );
        out.push({
          id: request.id,
          kind: 'create',
          mode: 'request',
          summary: p.summary,
          change: { before: {}, after: { ...request.spec } },
          findings: noFindings,
        });
      } else {
        out.push(await this.fileGuestRequest(planId, p, caller));
      }
    }
    return out;
  }

  /** A day-2 draft; a refusal by the day-2 service becomes an error finding. */
  async fileGuestRequest(
    planId: string,
    p: Extract<
      PlannedOperation,
      { mode: 'request'; kind: 'resize' | 'decommission' | 'extend-lease' }
    >,
    caller: Caller,
  ): Promise<StoredOperation> {
    const target = targetOf(p.guest);
    const base = { kind: p.kind, summary: p.summary, target, change: p.change };
    if (!this.deps.guestRequests) {
      return {
        ...base,
        id: randomUUID(),
        mode: 'invalid',
        proposed: { guest: p.guest.name, ...p.body },
        findings: [
          {
            level: 'error',
            code: 'day2.unavailable',
            message: `This MycoPod backend cannot file ${p.kind} requests yet`,
          },
        ],
      };
    }
    try {
      const request = await this.deps.guestRequests.file(
        {
          cluster: target.cluster,
          vmid: target.vmid,
          body: p.body,
          submit: false,
          planId,
        },
        caller,
      );
      return {
        ...base,
        id: request.id,
        mode: 'request',
        ...(request.change ? { change: request.change } : {}),
        findings: noFindings,
      };
    } catch (e) {
      const error = e as Error & { findings?: Finding[] };
      return {
        ...base,
        id: randomUUID(),
        mode: 'invalid',
        proposed: { guest: p.guest.name, ...p.body },
        findings: error.findings?.length
          ? error.findings
          : [
              {
                level: 'error',
                code: 'day2.refused',
                message: error.message,
              },
            ],
      };
    }
  }

  /** The plan of its requester; 404 for anyone else (existence not leaked). */
  async record(planId: string, caller: Caller): Promise<PlanRecord> {
    const plan = await this.deps.drafts.getPlan(planId);
    if (!plan || plan.requester !== caller.userRef) {
      throw new NotFoundError(`No plan ${planId}`);
    }
    return plan;
  }

  async view(planId: string, caller: Caller): Promise<ProxmoxPlan> {
    const plan = await this.record(planId, caller);
    const requests = await this.deps.drafts.requestsOf(planId);
    const operations: PlanOperation[] = plan.operations.flatMap(op => {
      if (op.mode !== 'request') return [op];
      const request = requests.get(op.id);
      if (!request) return [];
      return [
        {
          ...op,
          request,
          findings: request.findings,
          ...(request.target
            ? {
                target: {
                  ...op.target,
                  cluster: request.target.cluster,
                  vmid: request.target.vmid,
                },
              }
            : {}),
          ...(request.change ? { change: request.change } : {}),
          ...(request.kind === 'create'
            ? { change: { before: {}, after: { ...request.spec } } }
            : {}),
        },
      ];
    });
    const open = operations.filter(
      op =>
        op.mode === 'invalid' ||
        op.mode === 'action' ||
        op.request?.state === 'draft',
    );
    const submittable =
      plan.state === 'draft' &&
      operations.some(
        op =>
          op.request?.state === 'draft' ||
          (op.mode === 'action' && !op.actionResult),
      ) &&
      !hasErrorFinding(plan.findings) &&
      !open.some(op => hasErrorFinding(op.findings));
    return {
      id: plan.id,
      requester: plan.requester,
      state: plan.state,
      text: plan.text,
      rationale: plan.rationale,
      assumptions: plan.assumptions,
      operations,
      findings: plan.findings,
      submittable,
      model: { provider: plan.provider, model: plan.model },
      createdAt: new Date(plan.createdAt).toISOString(),
      updatedAt: new Date(plan.updatedAt).toISOString(),
    };
  }
}

/** The target of an operation on a known guest. */
export function targetOf(g: { cluster: string; vmid: number; name?: string }) {
  return {
    cluster: g.cluster,
    vmid: g.vmid,
    ...(g.name ? { name: g.name } : {}),
  };
}
