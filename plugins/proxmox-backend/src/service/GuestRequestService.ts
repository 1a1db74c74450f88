import type { PermissionsService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  GuestLiveStatus,
  ProxmoxRequest,
  RequestKind,
  guestEntityRef,
  guestRequestBodySchema,
  proxmoxGuestDeletePermission,
  proxmoxGuestUpdatePermission,
  proxmoxRequestCreatePermission,
} from '@mycopod/plugin-proxmox-common';
import type { ProxmoxClusters } from '@mycopod/plugin-proxmox-node';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { GuestTarget, RequestStore } from '../database/RequestStore';
import { PolicyViolationError } from './errors';
import {
  GuestChangePlan,
  planDecommission,
  planExtendLease,
  planReconcile,
  planResize,
} from './guestChanges';
import { GuestFacts, readGuestFacts } from './guestFacts';
import type { DriftReader } from './ports';
import type { RequestNotifier } from './RequestNotifier';
import type { Caller, RequestService } from './RequestService';
import { assertTargetState, type PolicyRequester } from './requestPolicy';

/** A day-2 request kind. */
export type GuestRequestKind = Exclude<RequestKind, 'create'>;

/** The body of `POST /guests/:cluster/:vmid/requests`, validated. */
export type GuestRequestInput = z.output<typeof guestRequestBodySchema>;

/** What {@link GuestRequestService.file} files. */
export interface FileGuestRequest {
  cluster: string;
  vmid: number;
  body: GuestRequestInput;
  /** `false` keeps a `draft` the requester submits later (default `true`). */
  submit?: boolean;
  /** The plan the request belongs to (LLM drafting). */
  planId?: string;
}

/** What {@link GuestRequestService.fileSystemRequest} files. */
export interface SystemGuestRequest {
  kind: 'decommission' | 'reconcile';
  cluster: string;
  vmid: number;
  /** Why (history and approval comment), e.g. "Lease ended on …". */
  comment: string;
}

const VERB: Record<GuestRequestKind, string> = {
  resize: 'resized',
  decommission: 'decommissioned',
  'extend-lease': 'have its lease extended',
  reconcile: 'reconciled',
};

const AUTO_COMMENT: Record<GuestRequestKind, string> = {
  resize: 'Within the auto-approve thresholds',
  decommission: 'Filed by MycoPod',
  'extend-lease': 'Within the maximum lease',
  reconcile: 'Puts back the approved spec',
};

/**
 * Requests that change a guest MycoPod created: `resize`, `decommission`,
 * `extend-lease` and `reconcile`. They use the request model, policy,
 * approval and executor of create requests; this files them. Each names the
 * guest (`target`) and what changes (`change`), and holds the delta of its
 * resources for the quota until it succeeds. One open day-2 request per
 * guest at a time.
 */
export class GuestRequestService {
  constructor(
    private readonly deps: {
      store: RequestStore;
      /** Approval and the policy checks every kind shares. */
      requests: RequestService;
      notifier: RequestNotifier;
      permissions: PermissionsService;
      clusters: ProxmoxClusters;
      /** The last drift check of a guest (`reconcile`); absent: no drift known. */
      drift?: DriftReader;
      clock?: () => number;
    },
  ) {}

  private now() {
    return (this.deps.clock ?? Date.now)();
  }

  /**
   * Files a day-2 request for the caller: needs `proxmox.request.create`
   * and, on the guest's entity ref, `proxmox.guest.update` (resize,
   * extend-lease, reconcile) or `proxmox.guest.delete` (decommission).
   * Within policy an `extend-lease` or `reconcile` (and a `resize` within
   * the auto-approve thresholds) is approved by `system` at once.
   */
  async file(input: FileGuestRequest, caller: Caller): Promise<ProxmoxRequest> {
    const { cluster, vmid, body } = input;
    this.mustKnow(cluster);
    const permission =
      body.kind === 'decommission'
        ? proxmoxGuestDeletePermission
        : proxmoxGuestUpdatePermission;
    const decisions = await this.deps.permissions.authorize(
      [
        { permission: proxmoxRequestCreatePermission },
        { permission, resourceRef: guestEntityRef(cluster, vmid) },
      ],
      { credentials: caller.credentials },
    );
    if (decisions.some(d => d.result !== AuthorizeResult.ALLOW)) {
      throw new NotAllowedError(
        `You may not ask for guest ${cluster}/${vmid} to ${
          body.kind === 'extend-lease' || body.kind === 'decommission'
            ? ''
            : 'be '
        }${VERB[body.kind]}`,
      );
    }
    return this.fileAs(
      { ...input, submit: input.submit ?? true },
      { userRef: caller.userRef, ownership: caller.ownership },
    );
  }

  /**
   * Files a `decommission` or `reconcile` as `system` and approves it at
   * once (e.g. the lease scheduler after the grace period). No permission
   * check: the caller is the backend itself.
   */
  async fileSystemRequest(input: SystemGuestRequest): Promise<ProxmoxRequest> {
    this.mustKnow(input.cluster);
    const filed = await this.fileAs(
      {
        cluster: input.cluster,
        vmid: input.vmid,
        body: { kind: input.kind, justification: input.comment },
        submit: true,
      },
      { userRef: 'system', ownership: [] },
      true,
    );
    return this.deps.requests.autoApprove(filed.id, input.comment);
  }

  /** The open day-2 requests on a guest (pending, approved, provisioning). */
  async openRequests(
    cluster: string,
    vmid: number,
  ): Promise<NonNullable<GuestLiveStatus['openRequests']>> {
    const open = await this.deps.store.openGuestRequests({ cluster, vmid });
    return open.map(r => ({ id: r.id, kind: r.kind, state: r.state }));
  }

  private mustKnow(cluster: string) {
    if (!this.deps.clusters.list().includes(cluster)) {
      throw new NotFoundError(`No Proxmox cluster '${cluster}'`);
    }
  }

  private async fileAs(
    input: FileGuestRequest & { submit: boolean },
    requester: PolicyRequester,
    bySystem = false,
  ): Promise<ProxmoxRequest> {
    const { store, notifier, requests } = this.deps;
    const { cluster, vmid, body } = input;
    const target = await store.guestTarget(cluster, vmid);
    const facts = await readGuestFacts(
      this.deps.clusters.get(cluster),
      cluster,
      vmid,
      target?.request.guest?.node,
    );
    const created = this.createdByMycoPod(
      body.kind,
      cluster,
      vmid,
      target,
      facts,
    );
    const plan = await this.plan(body, created, facts);
    const id = randomUUID();
    const subject = {
      kind: body.kind,
      spec: plan.spec,
      target: {
        cluster,
        vmid,
        ...(facts?.node ?? created.request.guest?.node
          ? { node: facts?.node ?? created.request.guest?.node }
          : {}),
        createRequestId: created.request.id,
      },
      change: plan.change,
    };
    // the owner group of the guest is the owner; the requester's own
    // groups do not matter (the guest permission decided who may ask)
    const ownership = [...requester.ownership, plan.spec.owner];
    const result = await notifier.audit(
      'proxmox-request-create',
      {
        requestId: id,
        actor: requester.userRef,
        cluster,
        vmid,
        kind: body.kind,
      },
      () =>
        store.knex.transaction(async trx => {
          await store.lockOwner(trx, plan.spec.owner);
          const policy = await requests.checks.evaluate(
            trx,
            subject,
            { userRef: requester.userRef, ownership },
            'create',
            undefined,
          );
          const findings = [...plan.findings, ...policy.findings];
          if (input.submit && !policy.allowed) {
            throw new PolicyViolationError(findings);
          }
          const request = await store.insert(
            trx,
            {
              id,
              kind: body.kind,
              state: input.submit ? 'pending' : 'draft',
              requester: requester.userRef,
              spec: plan.spec,
              findings,
              ...(input.planId ? { planId: input.planId } : {}),
              target: subject.target,
              change: plan.change,
              resources: plan.resources,
              ...(body.justification ? { comment: body.justification } : {}),
            },
            requester.userRef,
            this.now(),
          );
          return { request, autoApprove: input.submit && policy.autoApprove };
        }),
    );
    if (bySystem) return result.request;
    if (result.autoApprove) {
      return requests.autoApprove(id, AUTO_COMMENT[body.kind]);
    }
    if (result.request.state === 'pending') {
      await notifier.onStateChange({
        request: result.request,
        to: 'pending',
        event: 'create',
        actor: requester.userRef,
      });
    }
    return result.request;
  }

  /**
   * The guest's create request, when MycoPod created the guest now at the
   * VMID and it is in a state the kind accepts (409 otherwise). A guest
   * gone from Proxmox can only be decommissioned (404 otherwise).
   */
  private createdByMycoPod(
    kind: GuestRequestKind,
    cluster: string,
    vmid: number,
    target: GuestTarget | undefined,
    facts: GuestFacts | undefined,
  ): GuestTarget {
    if (!target && !facts) {
      throw new NotFoundError(`No guest ${vmid} in cluster '${cluster}'`);
    }
    if (!target || (facts && facts.markerRequestId !== target.request.id)) {
      throw new ConflictError(
        `Guest ${cluster}/${vmid} was not created by MycoPod (no request of MycoPod made it${
          facts?.markerRequestId ? ' at this VMID now' : ''
        }): only guests MycoPod created can be ${
          kind === 'resize' || kind === 'reconcile' || kind === 'decommission'
            ? VERB[kind]
            : 'given a longer lease'
        } through MycoPod`,
      );
    }
    assertTargetState(kind, target.request);
    if (!facts && kind !== 'decommission') {
      throw new NotFoundError(
        `No guest ${vmid} in cluster '${cluster}': it is gone from Proxmox`,
      );
    }
    return target;
  }

  private async plan(
    body: GuestRequestInput,
    target: GuestTarget,
    facts: GuestFacts | undefined,
  ): Promise<GuestChangePlan> {
    const declared = target.request.spec;
    switch (body.kind) {
      case 'resize':
        return planResize(body, declared, facts);
      case 'decommission':
        return planDecommission(declared, facts);
      case 'extend-lease':
        return planExtendLease(body, declared, target.leaseEndsAt, this.now());
      case 'reconcile': {
        const where = target.request.guest;
        const drift =
          where?.vmid !== undefined
            ? await this.deps.drift?.get(where.cluster, where.vmid)
            : undefined;
        return planReconcile(
          declared,
          drift,
          `${where?.cluster}/${where?.vmid}`,
        );
      }
      default:
        throw new ConflictError('Unknown request kind');
    }
  }
}
