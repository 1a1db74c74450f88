import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  PermissionCriteria,
} from '@backstage/plugin-permission-common';
import type { ConditionTransformer } from '@backstage/plugin-permission-node';
import {
  ListRequestsQuery,
  ProxmoxRequest,
  ProxmoxRequestDetails,
  ProxmoxRequestList,
  VmSpec,
  eventsFrom,
  proxmoxRequestApprovePermission,
  proxmoxRequestCancelPermission,
  proxmoxRequestCreatePermission,
  proxmoxRequestReadPermission,
} from '@mycopod/plugin-proxmox-common';
import { randomUUID } from 'node:crypto';
import type { JobStore } from '../database/JobStore';
import type { RequestStore } from '../database/RequestStore';
import type { IpPoolsPort } from '../ipam/IpPoolService';
import type { RequestFilter } from '../permissions/rules';
import { PolicyConfig, PolicyResult, mayApproveOwn } from '../policy';
import { ApprovalRefusedError, PolicyViolationError } from './errors';
import { RequestPolicy } from './requestPolicy';
import type { RequestNotifier } from './RequestNotifier';
import type { RequestStateMachine } from './RequestStateMachine';

/** The signed-in user a call is made for. */
export interface Caller {
  credentials: BackstageCredentials;
  userRef: string;
  ownership: string[];
}

/**
 * The business of requests: policy at create and inside the approval
 * transaction, permission checks, and the state machine for every change.
 */
export class RequestService {
  constructor(
    private readonly deps: {
      store: RequestStore;
      jobs: JobStore;
      stateMachine: RequestStateMachine;
      notifier: RequestNotifier;
      permissions: PermissionsService;
      transformConditions: ConditionTransformer<RequestFilter>;
      policy: PolicyConfig;
      /** Boot disk size of a template, when Proxmox can tell. */
      templateDiskGiB: (
        cluster: string,
        template: number | string,
      ) => Promise<number | undefined>;
      /** Wakes this process's executor after an approval. */
      onApproved?: () => void;
      /** `cloudInit.ipv4: { pool }`: policy facts and the approval's allocation. */
      ipPools?: IpPoolsPort;
      clock?: () => number;
    },
  ) {
    this.checks = new RequestPolicy(deps);
  }

  /** The policy of every kind (usage, day-2 preconditions), shared with filing. */
  readonly checks: RequestPolicy;

  private now() {
    return (this.deps.clock ?? Date.now)();
  }

  private async authorize(
    caller: Caller,
    permission:
      | typeof proxmoxRequestApprovePermission
      | typeof proxmoxRequestCancelPermission
      | typeof proxmoxRequestReadPermission,
    id: string,
  ): Promise<boolean> {
    const [decision] = await this.deps.permissions.authorize(
      [{ permission, resourceRef: id }],
      { credentials: caller.credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  /** Findings for a spec, without side effects. */
  async validate(spec: VmSpec, caller: Caller): Promise<PolicyResult> {
    const subject = { kind: 'create' as const, spec };
    return this.checks.evaluate(
      this.deps.store.knex,
      subject,
      caller,
      'create',
      await this.checks.templateDisk(subject),
    );
  }

  async create(
    input: { spec: VmSpec; submit: boolean; planId?: string },
    caller: Caller,
  ): Promise<ProxmoxRequest> {
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: proxmoxRequestCreatePermission }],
      { credentials: caller.credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError('You may not request VMs');
    }
    const { store, notifier } = this.deps;
    const id = randomUUID();
    const subject = { kind: 'create' as const, spec: input.spec };
    const diskGiB = await this.checks.templateDisk(subject);
    const result = await notifier.audit(
      'proxmox-request-create',
      { requestId: id, actor: caller.userRef, cluster: input.spec.cluster },
      () =>
        store.knex.transaction(async trx => {
          await store.lockOwner(trx, input.spec.owner);
          const policy = await this.checks.evaluate(
            trx,
            subject,
            caller,
            'create',
            diskGiB,
          );
          if (input.submit && !policy.allowed) {
            throw new PolicyViolationError(policy.findings);
          }
          const spec = { ...input.spec, leaseDays: policy.leaseDays };
          const request = await store.insert(
            trx,
            {
              id,
              kind: 'create',
              state: input.submit ? 'pending' : 'draft',
              requester: caller.userRef,
              spec,
              findings: policy.findings,
              ...(input.planId ? { planId: input.planId } : {}),
            },
            caller.userRef,
            this.now(),
          );
          return { request, autoApprove: input.submit && policy.autoApprove };
        }),
    );
    if (result.request.state === 'pending') {
      await notifier.onStateChange({
        request: result.request,
        to: 'pending',
        event: 'create',
        actor: caller.userRef,
      });
    }
    if (!result.autoApprove) return result.request;
    return this.autoApprove(id, 'Within the auto-approve thresholds');
  }

  /**
   * Moves a draft to pending, and approves it at once when it is within the
   * auto-approve thresholds (like a request filed with `submit: true`).
   */
  async submit(id: string, caller: Caller): Promise<ProxmoxRequest> {
    const request = await this.readable(id, caller);
    if (request.requester !== caller.userRef) {
      throw new NotAllowedError('Only the requester submits a draft');
    }
    const diskGiB = await this.checks.templateDisk(request);
    let autoApprove = false;
    const { request: submitted } = await this.deps.stateMachine.apply({
      id,
      event: 'submit',
      actor: caller.userRef,
      role: 'requester',
      guard: async trx => {
        await this.deps.store.lockOwner(trx, request.owner);
        const policy = await this.checks.evaluate(
          trx,
          request,
          caller,
          'create',
          diskGiB,
          id,
        );
        if (!policy.allowed) throw new PolicyViolationError(policy.findings);
        autoApprove = policy.autoApprove;
        return {
          event: 'submit',
          actor: caller.userRef,
          role: 'requester',
          patch: { findings: policy.findings },
        };
      },
    });
    if (!autoApprove) return submitted;
    return this.autoApprove(id, 'Within the auto-approve thresholds');
  }

  /** Approval by `system`: within the auto-approve policy, or filed by the system. */
  autoApprove(id: string, comment: string): Promise<ProxmoxRequest> {
    return this.decideApproval(id, 'system', 'auto-approve', comment);
  }

  /**
   * The approval transaction: lock the owner group, re-run the policy on
   * committed capacity, then approve and queue the job — or reject with the
   * findings when the quota no longer fits.
   */
  private async decideApproval(
    id: string,
    actor: string,
    event: 'approve' | 'auto-approve',
    comment?: string,
  ): Promise<ProxmoxRequest> {
    const { store, jobs, stateMachine, notifier } = this.deps;
    const role = event === 'approve' ? 'approver' : 'system';
    const current = await store.get(id);
    if (!current) throw new NotFoundError(`No request ${id}`);
    const diskGiB = await this.checks.templateDisk(current);
    const outcome = await notifier.audit(
      'proxmox-request-approve',
      { requestId: id, actor, event },
      () =>
        stateMachine.apply({
          id,
          event,
          actor,
          role,
          comment,
          guard: async (trx, request) => {
            if (request.state !== 'pending') return undefined; // the state machine says 409
            await store.lockOwner(trx, request.owner);
            const requester = await this.requesterOf(request);
            const policy = await this.checks.evaluate(
              trx,
              request,
              requester,
              'approve',
              diskGiB,
              id,
            );
            // an IP pool's address is taken here (a new guest's): a refusal rejects
            const refusal =
              policy.allowed && request.kind === 'create'
                ? await this.deps.ipPools?.allocateOnApproval(trx, request)
                : undefined;
            const findings = refusal
              ? [...policy.findings, refusal]
              : policy.findings;
            if (policy.allowed && !refusal) {
              return {
                event,
                actor,
                role,
                comment,
                patch: { findings },
              };
            }
            return {
              event: 'reject',
              actor: 'system',
              role: 'system',
              comment: findings
                .filter(f => f.level === 'error')
                .map(f => f.message)
                .join('; '),
              patch: { findings },
            };
          },
          within: async (trx, request) => {
            if (request.state === 'approved') {
              await jobs.enqueue(trx, request, this.now());
            }
          },
        }),
    );
    if (outcome.request.state === 'rejected') {
      throw new ApprovalRefusedError(outcome.request);
    }
    this.deps.onApproved?.();
    return outcome.request;
  }

  /**
   * The requester's groups as they were when filing are not stored; the
   * approval re-check needs only the quota and limits, and the owner was
   * checked at creation, so the requester's ownership is the owner group.
   */
  private async requesterOf(request: ProxmoxRequest) {
    return {
      userRef: request.requester,
      ownership: [request.requester, request.owner],
    };
  }

  async approve(id: string, comment: string | undefined, caller: Caller) {
    await this.mustDecide(id, caller);
    return this.decideApproval(id, caller.userRef, 'approve', comment);
  }

  async reject(id: string, comment: string, caller: Caller) {
    await this.mustDecide(id, caller);
    const { request } = await this.deps.notifier.audit(
      'proxmox-request-reject',
      { requestId: id, actor: caller.userRef },
      () =>
        this.deps.stateMachine.apply({
          id,
          event: 'reject',
          actor: caller.userRef,
          role: 'approver',
          comment,
        }),
    );
    return request;
  }

  private async mustDecide(id: string, caller: Caller) {
    if (!(await this.authorize(caller, proxmoxRequestApprovePermission, id))) {
      throw new NotAllowedError('You may not decide on this request');
    }
    const request = await this.deps.store.get(id);
    if (!request) throw new NotFoundError(`No request ${id}`);
    if (
      request.requester === caller.userRef &&
      !mayApproveOwn(this.deps.policy)
    ) {
      throw new NotAllowedError('You may not decide on your own request');
    }
  }

  async cancel(id: string, comment: string | undefined, caller: Caller) {
    if (!(await this.authorize(caller, proxmoxRequestCancelPermission, id))) {
      throw new NotAllowedError('You may not cancel this request');
    }
    const request = await this.deps.store.get(id);
    if (!request) throw new NotFoundError(`No request ${id}`);
    const role =
      request.requester === caller.userRef ? 'requester' : 'approver';
    const { request: cancelled } = await this.deps.notifier.audit(
      'proxmox-request-cancel',
      { requestId: id, actor: caller.userRef },
      () =>
        this.deps.stateMachine.apply({
          id,
          event: 'cancel',
          actor: caller.userRef,
          role,
          comment,
          within: (trx, r) => this.deps.jobs.cancel(trx, r.id, this.now()),
        }),
    );
    return cancelled;
  }

  /** A request the caller may read; 404 otherwise (existence is not leaked). */
  private async readable(id: string, caller: Caller): Promise<ProxmoxRequest> {
    const request = await this.deps.store.get(id);
    if (
      !request ||
      !(await this.authorize(caller, proxmoxRequestReadPermission, id))
    ) {
      throw new NotFoundError(`No request ${id}`);
    }
    return request;
  }

  async get(id: string, caller: Caller): Promise<ProxmoxRequestDetails> {
    const request = await this.readable(id, caller);
    const [history, progress, decisions, ipv4Allocation] = await Promise.all([
      this.deps.store.history(id),
      this.deps.jobs.progress(id),
      // one round trip to the permission backend for both
      this.deps.permissions.authorize(
        [
          { permission: proxmoxRequestApprovePermission, resourceRef: id },
          { permission: proxmoxRequestCancelPermission, resourceRef: id },
        ],
        { credentials: caller.credentials },
      ),
      this.deps.ipPools?.allocationOf(id),
    ]);
    const [mayDecide, mayCancel] = decisions.map(
      d => d.result === AuthorizeResult.ALLOW,
    );
    const own = request.requester === caller.userRef;
    const approverEvents = eventsFrom(request.state, 'approver');
    const requesterEvents = eventsFrom(request.state, 'requester');
    const allowedActions: ProxmoxRequestDetails['allowedActions'] = [];
    if (mayDecide && (!own || mayApproveOwn(this.deps.policy))) {
      if (approverEvents.includes('approve')) allowedActions.push('approve');
      if (approverEvents.includes('reject')) allowedActions.push('reject');
    }
    if (
      mayCancel &&
      (own ? requesterEvents : approverEvents).includes('cancel')
    ) {
      allowedActions.push('cancel');
    }
    return {
      ...request,
      history,
      ...(progress ? { progress } : {}),
      allowedActions,
      ...(ipv4Allocation ? { ipv4Allocation } : {}),
    };
  }

  async list(
    query: ListRequestsQuery,
    caller: Caller,
  ): Promise<ProxmoxRequestList> {
    const read = await this.conditionFor(proxmoxRequestReadPermission, caller);
    if (read === 'deny') return { items: [] };
    const filters: PermissionCriteria<RequestFilter>[] = [];
    if (read !== 'allow') filters.push(read);
    let states = query.state;
    if (query.view === 'awaiting-me') {
      const decide = await this.conditionFor(
        proxmoxRequestApprovePermission,
        caller,
      );
      if (decide === 'deny') return { items: [] };
      if (decide !== 'allow') filters.push(decide);
      if (!mayApproveOwn(this.deps.policy)) {
        filters.push({ not: { key: 'requester', values: [caller.userRef] } });
      }
      states = (states ?? ['pending']).filter(s => s === 'pending');
      if (states.length === 0) return { items: [] };
    }
    return this.deps.store.list({
      ...(filters.length
        ? {
            filter: {
              allOf: filters as [
                PermissionCriteria<RequestFilter>,
                ...PermissionCriteria<RequestFilter>[],
              ],
            },
          }
        : {}),
      ...(query.view === 'mine' ? { requester: caller.userRef } : {}),
      states,
      cursor: query.cursor,
      limit: query.limit,
    });
  }

  private async conditionFor(
    permission:
      | typeof proxmoxRequestReadPermission
      | typeof proxmoxRequestApprovePermission,
    caller: Caller,
  ): Promise<'allow' | 'deny' | PermissionCriteria<RequestFilter>> {
    const [decision] = await this.deps.permissions.authorizeConditional(
      [{ permission }],
      { credentials: caller.credentials },
    );
    if (decision.result === AuthorizeResult.ALLOW) return 'allow';
    if (decision.result === AuthorizeResult.CONDITIONAL) {
      return this.deps.transformConditions(decision.conditions);
    }
    return 'deny';
  }
}
