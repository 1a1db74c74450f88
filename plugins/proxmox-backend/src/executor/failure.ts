import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ProxmoxRequest } from '@mycopod/plugin-proxmox-common';
import type { JobStore } from '../database/JobStore';
import { proxmoxMetrics } from '../metrics/metrics';
import type { RequestNotifier } from '../service/RequestNotifier';
import type { RequestStateMachine } from '../service/RequestStateMachine';
import { removePartialGuest, type CleanupOutcome } from './cleanup';
import type { ExecutorConfig } from './config';
import { LeaseLostError, describeError } from './errors';
import type { AllocationResult, JobState, StepContext } from './types';

/** What ending a job as failed needs. */
export interface FailureDeps {
  jobs: JobStore;
  notifier: RequestNotifier;
  stateMachine: RequestStateMachine;
  logger: LoggerService;
  config: ExecutorConfig;
  workerId: string;
  clock: () => number;
}

/** How a failure reason starts, by request kind. */
const FAILED: Record<ProxmoxRequest['kind'], string> = {
  create: 'Provisioning',
  resize: 'The resize',
  decommission: 'The decommission',
  'extend-lease': 'The lease extension',
  reconcile: 'The reconcile',
};

/**
 * Ends a job as failed: removes the partial guest of a create if it carries
 * our marker (or keeps and names it when that fails; a day-2 request never
 * removes its guest), then moves the request to `failed` with a reason a
 * person can act on and the Proxmox task log tail, and audits the outcome —
 * all unless the work was aborted (stopping, or the lease was lost: the
 * next worker decides).
 */
export async function failJob(
  deps: FailureDeps,
  request: ProxmoxRequest,
  ctx: StepContext,
  results: JobState['results'],
  message: string,
  exhaustedAfter?: number,
) {
  const id = request.id;
  const step = ctx.state.step;
  const a = ctx.state.results['allocate-vmid'] as AllocationResult | undefined;
  const cleanup: CleanupOutcome =
    !ctx.pve || request.kind !== 'create'
      ? {}
      : await removePartialGuest({
          pve: ctx.pve,
          jobs: deps.jobs,
          cluster: request.spec.cluster,
          requestId: id,
          vmid: ctx.state.vmid,
          nodes: [ctx.state.node, a?.node, a?.sourceNode].filter(
            (n): n is string => !!n,
          ),
          taskMs: deps.config.stepTimeouts.taskMs,
          signal: ctx.signal,
        }).catch(e => ({
          kept: undefined,
          note: `The partial VM could not be cleaned up (${describeError(e)}).`,
        }));
  if (ctx.signal.aborted) return; // stopping or lease lost: the next worker decides
  const tail = results.taskLogTail as string[] | undefined;
  const reason = [
    `${FAILED[request.kind]} failed at step ${step}${
      exhaustedAfter ? ` after ${exhaustedAfter} attempts` : ''
    }: ${message}.`,
    cleanup.note,
    tail?.length ? `Proxmox task log:\n${tail.join('\n')}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  await deps.notifier
    .audit(
      'provisioning',
      {
        requestId: id,
        cluster: request.spec.cluster,
        vmid: ctx.state.vmid ?? undefined,
        action: request.kind,
      },
      async () => {
        await deps.stateMachine.apply({
          id,
          event: 'fail',
          actor: 'system',
          role: 'system',
          comment: `${FAILED[request.kind]} failed at step ${step}`,
          patch: {
            failureReason: reason,
            ...(cleanup.kept
              ? { guestNode: cleanup.kept.node, guestVmid: cleanup.kept.vmid }
              : {}),
          },
          within: async trx => {
            const ok = await deps.jobs.finish(
              trx,
              id,
              deps.workerId,
              { status: 'failed', results, error: message },
              deps.clock(),
            );
            if (!ok) throw new LeaseLostError(id);
          },
        });
        throw new Error(reason);
      },
    )
    .catch(e => {
      if (e instanceof LeaseLostError) throw e;
    });
  proxmoxMetrics.provisioningEnded({
    outcome: 'failed',
    since: Date.parse(request.updatedAt),
    now: deps.clock(),
    kind: request.kind,
    reason: step,
  });
  deps.logger.warn(`Request ${id} failed: ${reason.split('\n')[0]}`);
}
