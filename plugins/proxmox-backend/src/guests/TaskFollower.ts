import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SignalsService } from '@backstage/plugin-signals-node';
import {
  type GuestTask,
  guestSignalChannel,
} from '@mycopod/plugin-proxmox-common';
import {
  ProxmoxApiError,
  ProxmoxClusters,
  isPveMessage,
  parseUpid,
  poll,
} from '@mycopod/plugin-proxmox-node';
import { describeFailure } from '../inventory/describeFailure';
import { guestTaskOf } from './guestTask';

export interface TaskFollowerOptions {
  clusters: ProxmoxClusters;
  logger: LoggerService;
  signals?: SignalsService;
  /** Longest follow of one task (default 30 min). */
  timeoutMs?: number;
  /** First and largest delay between two reads of a task (default 250 ms, 2 s). */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  /** Log lines kept per task (default 10). */
  logLines?: number;
}

/** Tasks remembered for `GET …/tasks/:upid` after they ended. */
const REMEMBERED = 500;

/**
 * Follows the Proxmox tasks of guest actions to their end with
 * proxmox-node's `poll()`: reads status and log tail, publishes a signal on
 * `guestSignalChannel(cluster, vmid)` (`{ type: 'task', task }`) when the
 * task starts, when its log grows and when it ends, and remembers recent
 * tasks with their end time. Stops following on `stop()` (shutdown); the
 * task itself goes on in Proxmox.
 */
export class TaskFollower {
  readonly #o: TaskFollowerOptions;
  readonly #abort = new AbortController();
  readonly #tasks = new Map<string, GuestTask>();

  constructor(options: TaskFollowerOptions) {
    this.#o = options;
  }

  /** What this backend last saw of a task it followed. */
  known(upid: string): GuestTask | undefined {
    return this.#tasks.get(upid);
  }

  #remember(task: GuestTask) {
    this.#tasks.delete(task.upid);
    this.#tasks.set(task.upid, task);
    if (this.#tasks.size > REMEMBERED) {
      this.#tasks.delete(this.#tasks.keys().next().value!);
    }
  }

  async #publish(task: GuestTask) {
    this.#remember(task);
    if (!this.#o.signals) return;
    try {
      await this.#o.signals.publish({
        recipients: { type: 'broadcast' },
        channel: guestSignalChannel(task.cluster, task.vmid),
        message: { type: 'task', task: { ...task } },
      });
    } catch (e) {
      this.#o.logger.warn(
        `Could not publish the progress of task ${task.upid}: ${describeFailure(
          e,
        )}`,
      );
    }
  }

  /**
   * Follows `upid` until it ends; resolves with its final state (never
   * rejects: a task that could not be followed to its end resolves as
   * `failed` with the reason, or stays `running` on shutdown).
   */
  async follow(
    cluster: string,
    vmid: number,
    upid: string,
  ): Promise<GuestTask> {
    const parsed = parseUpid(upid);
    const pve = this.#o.clusters.get(cluster);
    const lines = this.#o.logLines ?? 10;
    let last = guestTaskOf(cluster, vmid, parsed, { status: 'running' });
    await this.#publish(last);
    const timeoutMs = this.#o.timeoutMs ?? 30 * 60_000;
    try {
      const status = await poll(
        async ({ signal }) => {
          const [s, logTail] = await Promise.all([
            pve.getTaskStatus({ node: parsed.node, upid }, { signal }),
            pve.getTaskLogTail(upid, lines, { signal }).catch(() => undefined),
          ]);
          const ended = s.status !== 'running';
          const next = guestTaskOf(cluster, vmid, parsed, {
            status: s.status,
            exitstatus: s.exitstatus,
            ...(ended ? { endedAt: new Date().toISOString() } : {}),
            logTail: logTail ?? last.logTail,
          });
          if (
            ended ||
            (next.logTail?.join('\n') ?? '') !==
              (last.logTail?.join('\n') ?? '')
          ) {
            last = next;
            if (!ended) await this.#publish(next);
          }
          return { s, task: next };
        },
        ({ s }) => s.status !== 'running',
        {
          signal: this.#abort.signal,
          timeoutMs,
          intervalMs: this.#o.pollIntervalMs ?? 250,
          maxIntervalMs: this.#o.maxPollIntervalMs ?? 2000,
          // ride out transient failures, and the "no such task" of a task not
          // yet visible right after dispatch
          tolerate: (e, { elapsedMs }) =>
            e instanceof ProxmoxApiError &&
            (e.retryable ||
              (isPveMessage(e.allText(), 'no-such-task') &&
                elapsedMs < 15_000)),
          onTimeout: () =>
            new Error(`the task did not end within ${timeoutMs / 1000} s`),
        },
      );
      await this.#publish(status.task);
      return status.task;
    } catch (e) {
      if (this.#abort.signal.aborted) return last;
      const failed: GuestTask = {
        ...last,
        status: 'failed',
        exitStatus: `MycoPod could not follow the task: ${describeFailure(e)}`,
        endedAt: new Date().toISOString(),
      };
      this.#o.logger.warn(
        `Could not follow task ${upid} of guest ${cluster}/${vmid}: ${describeFailure(
          e,
        )}`,
      );
      await this.#publish(failed);
      return failed;
    }
  }

  /** Stops following (plugin shutdown). */
  stop(): void {
    this.#abort.abort(new Error('the backend is stopping'));
  }
}
