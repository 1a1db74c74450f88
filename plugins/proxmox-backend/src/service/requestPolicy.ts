import { ConflictError } from '@backstage/errors';
import type {
  ProxmoxRequest,
  RequestKind,
  RequestState,
  VmSpec,
} from '@mycopod/plugin-proxmox-common';
import type { Knex } from 'knex';
import type { GuestTarget, RequestStore } from '../database/RequestStore';
import type { IpPoolsPort } from '../ipam/IpPoolService';
import {
  PolicyConfig,
  PolicyPhase,
  PolicyResult,
  evaluateRequestPolicy,
} from '../policy';

/** Approval states (committed capacity) and the pending state, for quotas. */
const COMMITTED: RequestState[] = ['approved', 'provisioning', 'ready'];
const PENDING: RequestState[] = ['pending'];

/** The states the guest's create request must be in for each day-2 kind. */
export const TARGET_STATES: Record<
  Exclude<RequestKind, 'create'>,
  readonly RequestState[]
> = {
  resize: ['ready'],
  reconcile: ['ready'],
  'extend-lease': ['ready', 'expired'],
  decommission: ['ready', 'expired'],
};

/** What the policy looks at of a request (filed or about to be). */
export type PolicySubject = Pick<ProxmoxRequest, 'kind' | 'spec'> &
  Partial<Pick<ProxmoxRequest, 'target' | 'change'>>;

/** Who the policy checks a request for. */
export interface PolicyRequester {
  userRef: string;
  ownership: string[];
}

/**
 * The policy of a request of any kind, with the owner group's usage read in
 * the caller's transaction, and the preconditions of a day-2 request on its
 * guest (the create request in a state the kind accepts, no other open
 * day-2 request). Shared by filing, submitting and approving.
 */
export class RequestPolicy {
  constructor(
    private readonly deps: {
      store: RequestStore;
      policy: PolicyConfig;
      /** Boot disk size of a template, when Proxmox can tell. */
      templateDiskGiB: (
        cluster: string,
        template: number | string,
      ) => Promise<number | undefined>;
      /** `cloudInit.ipv4: { pool }`: the pool's policy facts (create only). */
      ipPools?: Pick<IpPoolsPort, 'policyFact'>;
      clock?: () => number;
    },
  ) {}

  get config(): PolicyConfig {
    return this.deps.policy;
  }

  /**
   * A create request's template disk size, read from Proxmox before any
   * transaction opens (no network call while a transaction holds its
   * locks). Day-2 kinds need none.
   */
  templateDisk(subject: PolicySubject): Promise<number | undefined> {
    if (subject.kind !== 'create') return Promise.resolve(undefined);
    return this.deps
      .templateDiskGiB(subject.spec.cluster, subject.spec.template)
      .catch(() => undefined);
  }

  async evaluate(
    db: Knex | Knex.Transaction,
    subject: PolicySubject,
    requester: PolicyRequester,
    phase: PolicyPhase,
    templateDiskGiB: number | undefined,
    exceptId?: string,
  ): Promise<PolicyResult> {
    const { store } = this.deps;
    const spec: VmSpec = subject.spec;
    let extra: {
      current?: { cores: number; memoryMiB: number; diskGiB: number };
      lease?: { endsAt: number; now: number };
    } = {};
    if (subject.kind !== 'create') {
      const target = await this.checkTarget(db, subject, exceptId);
      const declared = target.request.spec;
      if (subject.kind === 'resize') {
        extra = {
          current: {
            cores: declared.cores,
            memoryMiB: declared.memoryMiB,
            diskGiB: declared.diskGiB,
          },
        };
      }
      const endsAt = subject.change?.after.leaseEndsAt;
      if (subject.kind === 'extend-lease' && typeof endsAt === 'string') {
        extra = { lease: { endsAt: Date.parse(endsAt), now: this.now() } };
      }
    }
    const [committed, pending, ipPool] = await Promise.all([
      store.usage(db, spec.owner, COMMITTED, exceptId),
      store.usage(db, spec.owner, PENDING, exceptId),
      subject.kind === 'create'
        ? this.deps.ipPools?.policyFact(db, spec)
        : undefined,
    ]);
    return evaluateRequestPolicy(
      spec,
      {
        phase,
        kind: subject.kind,
        ...extra,
        requester: requester.userRef,
        requesterOwnership: requester.ownership,
        usage: { committed, pending },
        ...(templateDiskGiB !== undefined ? { templateDiskGiB } : {}),
        ...(ipPool ? { ipPool } : {}),
      },
      this.deps.policy,
    );
  }

  /**
   * The create request of a day-2 request's guest, in a state the kind
   * accepts, with no other open day-2 request on the guest (409 otherwise).
   */
  async checkTarget(
    db: Knex | Knex.Transaction,
    subject: PolicySubject,
    exceptId?: string,
  ): Promise<GuestTarget> {
    const kind = subject.kind as Exclude<RequestKind, 'create'>;
    const where = subject.target;
    const createId = where?.createRequestId;
    const target = createId
      ? await this.deps.store.guestTarget(where.cluster, where.vmid, db)
      : undefined;
    if (!where || !target || target.request.id !== createId) {
      throw new ConflictError(
        `Guest ${where?.cluster}/${where?.vmid} was not created by MycoPod (or its request changed)`,
      );
    }
    assertTargetState(kind, target.request);
    const open = (
      await this.deps.store.openGuestRequests({ createRequestId: createId }, db)
    ).filter(r => r.id !== exceptId);
    if (open.length) {
      throw new ConflictError(
        `Request ${open[0].id} (${open[0].kind}, ${open[0].state}) is already open on guest ${where.cluster}/${where.vmid}; wait for it or cancel it first`,
      );
    }
    return target;
  }

  private now() {
    return (this.deps.clock ?? Date.now)();
  }
}

const KIND_VERB: Record<Exclude<RequestKind, 'create'>, string> = {
  resize: 'resized',
  reconcile: 'reconciled',
  'extend-lease': 'have its lease extended',
  decommission: 'be decommissioned',
};

/** 409 unless the create request is in a state the kind accepts. */
export function assertTargetState(
  kind: Exclude<RequestKind, 'create'>,
  createRequest: ProxmoxRequest,
): void {
  const states = TARGET_STATES[kind];
  if (!states.includes(createRequest.state)) {
    const where = createRequest.guest
      ? `${createRequest.guest.cluster}/${createRequest.guest.vmid}`
      : createRequest.spec.name;
    throw new ConflictError(
      `Guest ${where} is ${createRequest.state} (request ${
        createRequest.id
      }); only a ${states.join(' or ')} guest can ${
        kind === 'resize' || kind === 'reconcile' ? 'be ' : ''
      }${KIND_VERB[kind]}`,
    );
  }
}
