import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import {
  findTransition,
  type ProxmoxRequest,
  type RequestState,
} from '@mycopod/plugin-proxmox-common';
import type { Knex } from 'knex';
import type { JobStore } from '../database/JobStore';
import type { RequestStore } from '../database/RequestStore';
import {
  GUEST_EVENT_TOPICS,
  type RequestNotifier,
} from '../service/RequestNotifier';
import type { RequestStateMachine } from '../service/RequestStateMachine';
import { LeaseLostError } from './errors';
import type { JobState } from './types';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What ending a job as succeeded needs. */
export interface CompletionDeps {
  jobs: JobStore;
  requests: RequestStore;
  stateMachine: RequestStateMachine;
  notifier: RequestNotifier;
  logger: LoggerService;
  workerId: string;
  clock: () => number;
}

/**
 * Ends a job as succeeded: the request becomes `ready` in the transaction
 * that finishes the job (and, for a day-2 request, changes the guest's
 * create request: new declared size, or `decommissioned`); then the slot is
 * freed and the catalog is told (`proxmox.guest.*` event).
 */
export async function succeedJob(
  deps: CompletionDeps,
  request: ProxmoxRequest,
  state: JobState,
  free: () => void,
): Promise<void> {
  const id = request.id;
  const node = state.node!;
  const vmid = state.vmid!;
  const day2 = request.kind !== 'create';
  const createId = request.target?.createRequestId ?? id;
  const comment = day2
    ? day2Comment(request, state)
    : createComment(state, node, vmid);
  const now = deps.clock();
  let decommissioned:
    | { request: ProxmoxRequest; from: RequestState }
    | undefined;
  const finish = async (trx: Knex.Transaction, ready: ProxmoxRequest) => {
    if (!day2 && request.spec.leaseDays !== undefined) {
      // the lease starts with the transition to ready (same instant)
      const readyAt = Date.parse(ready.updatedAt);
      await deps.requests.setLeaseEnd(
        trx,
        id,
        readyAt + request.spec.leaseDays * DAY_MS,
        readyAt,
      );
    }
    const ok = await deps.jobs.finish(
      trx,
      id,
      deps.workerId,
      { status: 'succeeded', step: 'done', results: state.results },
      now,
    );
    if (!ok) throw new LeaseLostError(id);
    if (request.kind === 'resize') {
      // the sizes the resize changed, onto the create request's spec as it is
      const declared = (await deps.requests.get(createId, trx))!.spec;
      const resized = { ...declared };
      for (const key of ['cores', 'memoryMiB', 'diskGiB'] as const) {
        if (key in (request.change?.after ?? {}))
          resized[key] = request.spec[key];
      }
      await deps.requests.applyDeclaredSpec(
        trx,
        { createRequestId: createId, day2RequestId: id, spec: resized },
        now,
      );
    } else if (request.kind === 'decommission') {
      decommissioned = await decommissionCreateRequest(
        deps,
        trx,
        createId,
        id,
        now,
      );
    }
  };
  await deps.notifier.audit(
    'provisioning',
    {
      requestId: id,
      cluster: request.spec.cluster,
      node,
      vmid,
      action: request.kind,
    },
    () =>
      deps.stateMachine.apply({
        id,
        event: 'succeed',
        actor: 'system',
        role: 'system',
        comment,
        patch: { guestNode: node, guestVmid: vmid },
        within: finish,
      }),
  );
  free(); // the request is ready: the slot is not needed for the event
  if (decommissioned) {
    await deps.notifier.onStateChange({
      request: decommissioned.request,
      from: decommissioned.from,
      to: decommissioned.request.state,
      event: 'decommission',
      actor: 'system',
      comment: `Decommissioned by request ${id}`,
    });
  }
  let topic: (typeof GUEST_EVENT_TOPICS)[keyof typeof GUEST_EVENT_TOPICS] =
    GUEST_EVENT_TOPICS.changed;
  if (!day2) topic = GUEST_EVENT_TOPICS.created;
  if (request.kind === 'decommission') topic = GUEST_EVENT_TOPICS.removed;
  await deps.notifier.onGuestChange(topic, {
    cluster: request.spec.cluster,
    node,
    vmid,
    requestId: createId,
    owner: request.owner,
  });
  deps.logger.info(`Request ${id}: ${comment}`);
}

/** The guest's create request leaves the fleet (and the quota) with it. */
async function decommissionCreateRequest(
  deps: CompletionDeps,
  trx: Knex.Transaction,
  createId: string,
  by: string,
  now: number,
) {
  const current = await deps.requests.get(createId, trx);
  const transition =
    current && findTransition(current.state, 'decommission', 'system');
  if (!current || !transition) {
    throw new ConflictError(
      `The create request ${createId} of the guest is ${
        current?.state ?? 'gone'
      }: it cannot become decommissioned`,
    );
  }
  const changed = await deps.requests.transition(
    trx,
    {
      id: createId,
      from: current.state,
      to: transition.to,
      event: 'decommission',
      actor: 'system',
      comment: `Decommissioned by request ${by}`,
    },
    now,
  );
  if (!changed) {
    throw new ConflictError(`Request ${createId} changed meanwhile; retrying`);
  }
  return {
    request: (await deps.requests.get(createId, trx))!,
    from: current.state,
  };
}

function createComment(state: JobState, node: string, vmid: number): string {
  const ip = state.results['wait-ip'] as
    | { addresses?: string[]; note?: string }
    | undefined;
  return ip?.addresses?.length
    ? `VM ${vmid} on ${node} is ready at ${ip.addresses.join(', ')}`
    : `VM ${vmid} on ${node} is ready${ip?.note ? `. ${ip.note}` : ''}`;
}

/** What a day-2 job did, in one sentence for the history. */
export function day2Comment(request: ProxmoxRequest, state: JobState): string {
  const vmid = state.vmid;
  const r = state.results;
  switch (request.kind) {
    case 'resize': {
      const s = request.spec;
      const later = r['apply-config']?.appliesAtReboot
        ? '; the CPU and memory change applies at the next reboot of the VM'
        : '';
      return `VM ${vmid} now has ${s.cores} vCPU, ${s.memoryMiB} MiB of memory and a ${s.diskGiB} GiB disk${later}`;
    }
    case 'decommission':
      return r.destroy?.absent
        ? `VM ${vmid} was already gone; its reservation was released`
        : `VM ${vmid} on ${state.node} was destroyed with its disks`;
    case 'extend-lease':
      return `The lease of VM ${vmid} now ends on ${String(
        r['extend-lease']?.leaseEndsAt ?? '',
      ).slice(0, 10)}`;
    case 'reconcile': {
      const fields = Object.keys(request.change?.after ?? {});
      const later = r['apply-config']?.appliesAtReboot
        ? '; the CPU and memory apply at the next reboot of the VM'
        : '';
      return `VM ${vmid} has its declared ${fields.join(', ')} again${later}`;
    }
    default:
      return `Request ${request.id} is done`;
  }
}
