import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  EditPlanOperationBody,
  Finding,
  PlanOperation,
  PlanSubmission,
  ProxmoxPlan,
  VmSpec,
  hasErrorFinding,
} from '@mycopod/plugin-proxmox-common';
import { CustomErrorBase } from '@backstage/errors';
import { PolicyViolationError } from '../service/errors';
import type { Caller } from '../service/RequestService';
import { assessCreates } from './assess';
import type { DraftService } from './DraftService';
import type { PlanRecord, StoredOperation } from './DraftStore';
import { readFacts } from './facts';
import { changeOf, createSummary } from './interpret';

/** A plan that still has error findings: answered 400 with them. */
export class PlanNotSubmittableError extends CustomErrorBase {
  name = 'InputError' as const;
  constructor(readonly plan: ProxmoxPlan) {
    const errors = [
      ...plan.findings,
      ...plan.operations.flatMap(op =>
        op.findings.map(f => ({
          ...f,
          message: `${op.summary}: ${f.message}`,
        })),
      ),
    ].filter(f => f.level === 'error');
    super(
      errors.length
        ? `The plan cannot be submitted: ${errors
            .map(f => f.message)
            .join('; ')}`
        : 'The plan has nothing left to submit',
    );
  }
}

/** The URL path of a request page in the app. */
const requestUrl = (id: string) => `/proxmox/requests/${id}`;

/**
 * What the requester does with a plan after it was drafted: edit an
 * operation within policy, drop one, discard the plan, or submit it. Only
 * `submit` moves requests out of `draft`, each through the request
 * service (policy again, then pending or auto-approved).
 */
export class PlanChanges {
  constructor(private readonly drafts: DraftService) {}

  private get deps() {
    return this.drafts.deps;
  }

  private async openPlan(planId: string, caller: Caller): Promise<PlanRecord> {
    const plan = await this.drafts.record(planId, caller);
    if (plan.state !== 'draft') {
      throw new ConflictError(`Plan ${planId} is ${plan.state}`);
    }
    return plan;
  }

  private async saveOperations(
    planId: string,
    operations: StoredOperation[],
  ): Promise<void> {
    const ok = await this.deps.drafts.updatePlan(
      planId,
      'draft',
      { operations },
      this.drafts.now(),
    );
    if (!ok) throw new ConflictError(`Plan ${planId} changed; reload it`);
  }

  /** The specs of the plan's `create` drafts, in plan order. */
  private async createSpecs(plan: PlanRecord) {
    const requests = await this.deps.drafts.requestsOf(plan.id);
    return plan.operations.flatMap(op => {
      const r = requests.get(op.id);
      return op.mode === 'request' &&
        r?.kind === 'create' &&
        r.state === 'draft'
        ? [{ id: op.id, spec: r.spec }]
        : [];
    });
  }

  async edit(
    planId: string,
    operationId: string,
    body: EditPlanOperationBody & { spec?: VmSpec },
    caller: Caller,
  ): Promise<ProxmoxPlan> {
    const plan = await this.openPlan(planId, caller);
    const index = plan.operations.findIndex(op => op.id === operationId);
    const op = plan.operations[index];
    if (!op)
      throw new NotFoundError(`No operation ${operationId} in plan ${planId}`);
    if (op.mode !== 'request') {
      throw new InputError(
        `${op.summary}: only the plan's requests can be edited; remove it instead`,
      );
    }
    const request = (await this.deps.drafts.requestsOf(planId)).get(op.id);
    if (!request || request.state !== 'draft') {
      throw new ConflictError(`${op.summary} is no longer a draft`);
    }
    const operations = [...plan.operations];
    if (request.kind === 'create') {
      if (!body.spec) throw new InputError('A create is edited with { spec }');
      const spec = {
        ...body.spec,
        leaseDays: body.spec.leaseDays ?? this.deps.policy.lease.defaultDays,
      };
      const facts = await readFacts(this.deps.facts, caller);
      const specs = (await this.createSpecs(plan)).map(s =>
        s.id === op.id ? { ...s, spec } : s,
      );
      const assessed = await assessCreates(
        specs.map(s => s.spec),
        facts,
        this.deps,
        caller,
      );
      const findings = assessed[specs.findIndex(s => s.id === op.id)];
      if (hasErrorFinding(findings)) throw new PolicyViolationError(findings);
      const ok = await this.deps.drafts.updateDraftSpec(
        op.id,
        spec,
        findings,
        caller.userRef,
        this.drafts.now(),
      );
      if (!ok) throw new ConflictError(`${op.summary} is no longer a draft`);
      operations[index] = {
        ...op,
        summary: createSummary(spec),
        change: { before: {}, after: { ...spec } },
      };
    } else {
      const change = body.change;
      if (!change || change.kind !== request.kind) {
        throw new InputError(
          `A ${request.kind} is edited with { change: { kind: '${request.kind}', … } }`,
        );
      }
      const target = op.target ?? request.target;
      if (!target || !this.deps.guestRequests) {
        throw new ConflictError(`${op.summary} cannot be edited here`);
      }
      const replacement = await this.deps.guestRequests.file(
        {
          cluster: target.cluster,
          vmid: target.vmid,
          body: change,
          submit: false,
          planId,
        },
        caller,
      );
      if (hasErrorFinding(replacement.findings)) {
        await this.deps.requests.cancel(
          replacement.id,
          'Edit refused by policy',
          caller,
        );
        throw new PolicyViolationError(replacement.findings);
      }
      await this.deps.requests.cancel(
        op.id,
        'Replaced by an edit in its plan',
        caller,
      );
      const facts = await readFacts(this.deps.facts, caller);
      const guest = facts.guests.find(
        g => g.cluster === target.cluster && g.vmid === target.vmid,
      );
      operations[index] = {
        ...op,
        id: replacement.id,
        change:
          replacement.change ?? (guest ? changeOf(guest, change) : op.change!),
      };
    }
    await this.saveOperations(planId, operations);
    return this.drafts.view(planId, caller);
  }

  /** Drops one operation (a draft request is cancelled). */
  async remove(
    planId: string,
    operationId: string,
    caller: Caller,
  ): Promise<ProxmoxPlan> {
    const plan = await this.openPlan(planId, caller);
    const op = plan.operations.find(o => o.id === operationId);
    if (!op)
      throw new NotFoundError(`No operation ${operationId} in plan ${planId}`);
    if (op.mode === 'request') {
      const request = (await this.deps.drafts.requestsOf(planId)).get(op.id);
      if (request?.state === 'draft') {
        await this.deps.requests.cancel(op.id, 'Removed from its plan', caller);
      } else if (request) {
        throw new ConflictError(`${op.summary} was submitted already`);
      }
    }
    await this.saveOperations(
      planId,
      plan.operations.filter(o => o.id !== operationId),
    );
    return this.drafts.view(planId, caller);
  }

  /** Cancels every draft of the plan; the plan (and its text) stays, discarded. */
  async discard(planId: string, caller: Caller): Promise<ProxmoxPlan> {
    const plan = await this.openPlan(planId, caller);
    return this.deps.notifier.audit(
      'proxmox-plan-discard',
      { planId, actor: caller.userRef },
      async () => {
        const requests = await this.deps.drafts.requestsOf(planId);
        for (const op of plan.operations) {
          if (op.mode === 'request' && requests.get(op.id)?.state === 'draft') {
            await this.deps.requests.cancel(
              op.id,
              'Its plan was discarded',
              caller,
            );
          }
        }
        await this.deps.drafts.updatePlan(
          planId,
          'draft',
          { state: 'discarded' },
          this.drafts.now(),
        );
        return this.drafts.view(planId, caller);
      },
    );
  }

  /**
   * Checks the whole plan again (what exists, policy, quota of the plan as a
   * whole); with no error left submits each draft request (pending, or
   * auto-approved within the thresholds) and runs the immediate actions the
   * requester confirmed by id.
   */
  async submit(
    planId: string,
    confirmActions: string[],
    caller: Caller,
  ): Promise<PlanSubmission> {
    const plan = await this.openPlan(planId, caller);
    const specs = await this.createSpecs(plan);
    if (specs.length) {
      const facts = await readFacts(this.deps.facts, caller);
      const assessed = await assessCreates(
        specs.map(s => s.spec),
        facts,
        this.deps,
        caller,
      );
      for (const [i, s] of specs.entries()) {
        await this.deps.drafts.setDraftFindings(
          s.id,
          assessed[i],
          this.drafts.now(),
        );
      }
    }
    const before = await this.drafts.view(planId, caller);
    if (!before.submittable) throw new PlanNotSubmittableError(before);
    return this.deps.notifier.audit(
      'proxmox-plan-submit',
      { planId, actor: caller.userRef, operations: before.operations.length },
      async () => {
        const submitted: PlanSubmission['requests'] = [];
        const failures: string[] = [];
        const operations: StoredOperation[] = [];
        for (const op of before.operations) {
          const { request, ...stored } = op;
          operations.push(
            await this.submitOne(
              stored,
              request,
              confirmActions,
              caller,
              submitted,
              failures,
            ),
          );
        }
        const done = failures.length === 0;
        await this.deps.drafts.updatePlan(
          planId,
          'draft',
          { operations, ...(done ? { state: 'submitted' as const } : {}) },
          this.drafts.now(),
        );
        if (!done) {
          this.deps.logger.warn(
            `Plan ${planId} was submitted in part: ${failures.join('; ')}`,
          );
        }
        return {
          plan: await this.drafts.view(planId, caller),
          requests: submitted,
          ...(failures.length ? { failures } : {}),
        };
      },
    );
  }

  private async submitOne(
    op: StoredOperation,
    request: PlanOperation['request'],
    confirmActions: string[],
    caller: Caller,
    submitted: PlanSubmission['requests'],
    failures: string[],
  ): Promise<StoredOperation> {
    if (op.mode === 'request' && request?.state === 'draft') {
      try {
        const r = await this.deps.requests.submit(request.id, caller);
        submitted.push({
          id: r.id,
          kind: r.kind,
          state: r.state,
          url: requestUrl(r.id),
        });
      } catch (e) {
        failures.push(`${op.summary}: ${(e as Error).message}`);
      }
      return op;
    }
    if (op.mode !== 'action' || !op.target || !op.action) return op;
    if (!confirmActions.includes(op.id)) {
      return { ...op, actionResult: { status: 'not-confirmed' } };
    }
    if (!this.deps.guestActions) {
      return {
        ...op,
        actionResult: {
          status: 'failed',
          message:
            'This MycoPod backend cannot run guest actions; use the guest page',
        },
      };
    }
    try {
      const { upid } = await this.deps.guestActions.run(
        caller,
        op.target,
        op.action,
      );
      return {
        ...op,
        actionResult: { status: 'started', ...(upid ? { upid } : {}) },
      };
    } catch (e) {
      const findings = (e as { findings?: Finding[] }).findings;
      return {
        ...op,
        actionResult: {
          status: 'failed',
          message: findings?.length
            ? findings.map(f => f.message).join('; ')
            : (e as Error).message,
        },
      };
    }
  }
}
