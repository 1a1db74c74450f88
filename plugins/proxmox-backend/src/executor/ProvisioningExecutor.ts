import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  ProvisioningStep,
  ProxmoxRequest,
} from '@mycopod/plugin-proxmox-common';
import {
  type ProxmoxClusters,
  computeBackoffDelay,
} from '@mycopod/plugin-proxmox-node';
import type {
  ClaimCandidate,
  JobRow,
  JobStore,
  JobUpdate,
} from '../database/JobStore';
import { parseStepResults } from '../database/JobStore';
import type { RequestStore } from '../database/RequestStore';
import type { GuestReleaseHook } from '../service/ports';
import type { RequestNotifier } from '../service/RequestNotifier';
import type { RequestStateMachine } from '../service/RequestStateMachine';
import { proxmoxMetrics } from '../metrics/metrics';
import { succeedJob } from './completion';
import type { ExecutorConfig } from './config';
import { failJob } from './failure';
import {
  ExecutorStoppingError,
  LeaseLostError,
  SimulatedCrash,
  classifyFailure,
  describeError,
  logTailOf,
} from './errors';
import { Slots } from './slots';
import { isForward, nextStep, stepOf } from './stepPlans';
import type {
  IpLeasePort,
  JobState,
  PlacementPort,
  StepContext,
} from './types';

const JOB_STATUS_OF_ENDED_REQUEST: Partial<
  Record<ProxmoxRequest['state'], 'succeeded' | 'failed'>
> = { ready: 'succeeded', failed: 'failed' };

export interface ProvisioningExecutorOptions {
  jobs: JobStore;
  requests: RequestStore;
  stateMachine: RequestStateMachine;
  notifier: RequestNotifier;
  clusters: ProxmoxClusters;
  placement: PlacementPort;
  logger: LoggerService;
  config: ExecutorConfig;
  /** Unique per backend instance (lease owner). */
  workerId: string;
  /** IP pools: the address a `cloudInit.ipv4: { pool }` request was given. */
  ipPools?: IpLeasePort;
  /** Told when a decommission releases a guest (e.g. IP pools free its address). */
  releaseHooks?: GuestReleaseHook[];
  clock?: () => number;
  hooks?: {
    /** Runs after a step's result was stored; throwing simulates a crash there. */
    afterStep?(requestId: string, step: ProvisioningStep): Promise<void>;
  };
}

/**
 * Provisions approved VM requests exactly once, across crashes, faults and
 * backend replicas, and runs the approved day-2 requests (resize,
 * decommission, extend-lease, reconcile) by the step lists of their kind
 * (`stepPlans.ts`). Jobs are claimed with a lease renewed while working;
 * every step stores its result before the next starts, so a job another
 * worker takes over continues where it stopped (see the steps).
 */
export class ProvisioningExecutor {
  readonly #o: ProvisioningExecutorOptions;
  readonly #clock: () => number;
  readonly #slots: Slots;
  readonly #inflight = new Map<
    string,
    { controller: AbortController; done: Promise<void> }
  >();
  #timer?: ReturnType<typeof setTimeout>;
  #running = false;
  #ticking?: Promise<unknown>;
  #wakeAgain = false;

  constructor(options: ProvisioningExecutorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#slots = new Slots(options.config.concurrency);
  }

  /** Polls the queue every `pollIntervalMs` until {@link stop}. */
  start(): void {
    if (this.#running || !this.#o.config.enabled) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Looks at the queue now (e.g. right after an approval in this process). */
  wake(): void {
    if (!this.#running) return;
    if (this.#ticking) {
      this.#wakeAgain = true;
      return;
    }
    this.#schedule(0);
  }

  /**
   * Stops claiming and aborts the work in flight. Jobs are NOT marked
   * failed: their leases expire and another worker resumes them.
   */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#ticking?.catch(() => undefined);
    for (const { controller } of this.#inflight.values()) {
      controller.abort(new ExecutorStoppingError());
    }
    await Promise.allSettled([...this.#inflight.values()].map(f => f.done));
  }

  /** Claims the due jobs this worker has room for and runs them to their end or next pause. */
  async runOnce(): Promise<number> {
    const claimed = await this.#claim();
    await Promise.allSettled(claimed.map(id => this.#inflight.get(id)?.done));
    return claimed.length;
  }

  #schedule(delay: number) {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#ticking = this.#claim()
        .catch(e =>
          this.#o.logger.warn(
            `Could not claim provisioning jobs: ${describeError(e)}`,
          ),
        )
        .finally(() => {
          this.#ticking = undefined;
          if (!this.#running) return;
          const again = this.#wakeAgain;
          this.#wakeAgain = false;
          this.#schedule(again ? 0 : this.#o.config.pollIntervalMs);
        });
    }, delay);
  }

  /** Claims jobs within the free slots and launches them; returns their ids. */
  async #claim(): Promise<string[]> {
    const { perCluster } = this.#o.config.concurrency;
    const clusters = Math.max(1, this.#o.clusters.list().length);
    const room = perCluster * clusters - this.#slots.running;
    if (room <= 0) return [];
    const releases = new Map<string, () => void>();
    let rows: JobRow[];
    try {
      rows = await this.#o.jobs.claim({
        workerId: this.#o.workerId,
        now: this.#clock(),
        leaseMs: this.#o.config.leaseMs,
        limit: room,
        accept: (c: ClaimCandidate) => {
          if (this.#inflight.has(c.request_id)) return false;
          // the per-template limit is about clones: a day-2 job has its own key
          const release = this.#slots.tryTake(
            c.cluster,
            c.kind === 'create' ? c.spec.template : `guest:${c.vmid}`,
          );
          if (release) releases.set(c.request_id, release);
          return release !== undefined;
        },
      });
    } catch (e) {
      releases.forEach(r => r());
      throw e;
    }
    const claimedIds = new Set(rows.map(r => r.request_id));
    for (const [id, release] of releases) if (!claimedIds.has(id)) release();
    for (const row of rows) this.#launch(row, releases.get(row.request_id)!);
    return rows.map(r => r.request_id);
  }

  #launch(row: JobRow, release: () => void) {
    const id = row.request_id;
    const controller = new AbortController();
    const { leaseMs } = this.#o.config;
    const heartbeat = setInterval(() => {
      this.#o.jobs
        .renew(id, this.#o.workerId, this.#clock(), leaseMs)
        .then(ok => {
          if (!ok) controller.abort(new LeaseLostError(id));
        })
        .catch(e =>
          this.#o.logger.warn(
            `Could not renew the lease of ${id}: ${describeError(e)}`,
          ),
        );
    }, Math.max(50, Math.floor(leaseMs / 3)));
    let freed = false;
    const free = () => {
      if (freed) return;
      freed = true;
      release();
      // a slot is free: take the next due job now, not at the next poll
      this.wake();
    };
    const done = this.#run(row, controller.signal, free)
      .catch(e =>
        this.#o.logger.error(
          `Provisioning job ${id} broke: ${describeError(e)}`,
        ),
      )
      .finally(() => {
        clearInterval(heartbeat);
        this.#inflight.delete(id);
        free();
      });
    this.#inflight.set(id, { controller, done });
  }

  /** Runs a claimed job; `free` gives its slot back once the request ended. */
  async #run(
    row: JobRow,
    signal: AbortSignal,
    free: () => void,
  ): Promise<void> {
    const id = row.request_id;
    const request = await this.#o.requests.get(id);
    const state: JobState = {
      step: row.step as ProvisioningStep,
      results: parseStepResults(row.step_results),
      vmid: row.vmid === null ? null : Number(row.vmid),
      node: row.node,
      upid: row.upid,
    };
    let attempts = Number(row.attempts);
    const save = async (update: JobUpdate, trx?: any) => {
      if (signal.aborted) throw signal.reason;
      const ok = await this.#o.jobs.save(
        id,
        this.#o.workerId,
        update,
        this.#clock(),
        trx,
      );
      if (!ok) throw new LeaseLostError(id);
      if (update.step !== undefined)
        state.step = update.step as ProvisioningStep;
      if (update.results !== undefined) state.results = update.results;
      if (update.vmid !== undefined) state.vmid = update.vmid;
      if (update.node !== undefined) state.node = update.node;
      if (update.upid !== undefined) state.upid = update.upid;
    };
    if (!request || !(await this.#begin(request, save))) return;

    const kind = request.kind;
    const ctx: StepContext = {
      requestId: id,
      markerId: request.target?.createRequestId ?? id,
      ...(kind !== 'create'
        ? {
            day2: {
              kind,
              createRequestId: request.target?.createRequestId ?? id,
              ...(request.change ? { change: request.change } : {}),
              requests: this.#o.requests,
              releaseHooks: this.#o.releaseHooks ?? [],
            },
          }
        : {}),
      cluster: request.spec.cluster,
      spec: request.spec,
      pve: undefined as any,
      placement: this.#o.placement,
      jobs: this.#o.jobs,
      config: this.#o.config,
      signal,
      now: this.#clock,
      state,
      memo: {},
      save,
      ...(this.#o.ipPools ? { ipPools: this.#o.ipPools } : {}),
    };
    // progress signals go out in order, without holding up the next step
    let progress = Promise.resolve();
    try {
      ctx.pve = this.#o.clusters.get(request.spec.cluster);
      while (state.step !== 'done') {
        const step = state.step;
        const outcome = await stepOf(kind, step)(ctx);
        const results = { ...state.results };
        for (const c of outcome.clear ?? []) delete results[c];
        if (outcome.result !== undefined) results[step] = outcome.result;
        const next = outcome.next ?? nextStep(kind, step);
        const forward = isForward(kind, step, next);
        await save({
          step: next,
          results,
          ...(outcome.vmid !== undefined ? { vmid: outcome.vmid } : {}),
          ...(outcome.node !== undefined ? { node: outcome.node } : {}),
          ...(outcome.upid !== undefined ? { upid: outcome.upid } : {}),
          ...(forward ? { attempts: 1 } : {}),
        });
        if (forward) attempts = 1;
        progress = progress.then(() => this.#o.notifier.onProgress(id, next));
        try {
          await this.#o.hooks?.afterStep?.(id, step);
        } catch (e) {
          throw new SimulatedCrash(e);
        }
      }
      await succeedJob(
        {
          jobs: this.#o.jobs,
          requests: this.#o.requests,
          stateMachine: this.#o.stateMachine,
          notifier: this.#o.notifier,
          logger: this.#o.logger,
          workerId: this.#o.workerId,
          clock: this.#clock,
        },
        request,
        state,
        free,
      );
      proxmoxMetrics.provisioningEnded({
        outcome: 'succeeded',
        since: Date.parse(request.updatedAt),
        now: this.#clock(),
        kind,
      });
    } catch (error) {
      await this.#handleFailure(request, ctx, error, attempts);
    } finally {
      await progress;
    }
  }

  /** approved → provisioning on the first claim; false when the job must not run. */
  async #begin(
    request: ProxmoxRequest,
    save: (u: JobUpdate, trx?: any) => Promise<void>,
  ): Promise<boolean> {
    const id = request.id;
    let current: ProxmoxRequest | undefined = request;
    if (current.state === 'approved') {
      try {
        await this.#o.stateMachine.apply({
          id,
          event: 'start',
          actor: 'system',
          role: 'system',
          within: trx => save({}, trx),
        });
        return true;
      } catch (e) {
        current = await this.#o.requests.get(id);
        if (!current || current.state === 'approved') throw e;
      }
    }
    if (current.state === 'provisioning') return true;
    // cancelled (or ended elsewhere): never start it
    const status = JOB_STATUS_OF_ENDED_REQUEST[current.state] ?? 'cancelled';
    await this.#o.jobs.knex.transaction(trx =>
      this.#o.jobs.finish(trx, id, this.#o.workerId, { status }, this.#clock()),
    );
    this.#o.logger.info(
      `Provisioning job ${id} not started: the request is ${current.state}`,
    );
    return false;
  }

  async #handleFailure(
    request: ProxmoxRequest,
    ctx: StepContext,
    error: unknown,
    attempts: number,
  ) {
    const id = request.id;
    const kind =
      error instanceof SimulatedCrash
        ? 'abandon'
        : classifyFailure(error, ctx.signal, ctx.state.step);
    const what = `Provisioning of ${id} at step ${ctx.state.step}`;
    if (kind === 'abandon') {
      this.#o.logger.info(`${what} stopped here: ${describeError(error)}`);
      return;
    }
    const message = describeError(error);
    const tail = logTailOf(error);
    const results = {
      ...ctx.state.results,
      ...(tail ? { taskLogTail: tail } : {}),
    };
    if (kind === 'transient' && attempts < this.#o.config.maxAttempts) {
      const delay = computeBackoffDelay(attempts, {
        ...this.#o.config.retry,
        factor: 2,
      });
      this.#o.logger.warn(
        `${what} failed (attempt ${attempts}), retrying in ${delay} ms: ${message}`,
      );
      await this.#o.jobs.retryLater(
        id,
        this.#o.workerId,
        { results, nextAttemptAt: this.#clock() + delay, error: message },
        this.#clock(),
      );
      return;
    }
    await failJob(
      {
        jobs: this.#o.jobs,
        notifier: this.#o.notifier,
        stateMachine: this.#o.stateMachine,
        logger: this.#o.logger,
        config: this.#o.config,
        workerId: this.#o.workerId,
        clock: this.#clock,
      },
      request,
      ctx,
      results,
      message,
      kind === 'transient' ? attempts : undefined,
    );
  }
}
