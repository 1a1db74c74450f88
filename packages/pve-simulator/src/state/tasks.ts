import type { TaskFailureMode } from '../taskFailures';
import { hex8, nowSec, sleep } from '../util';
import { qemuLockFile } from './locks';
import type { ClusterState } from './types';

export interface Task {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  /** `user@realm` (bare) */
  user: string;
  /** token name when started by an API token */
  tokenid?: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: string[];
  warnings: number;
  abort: AbortController;
  /** epoch ms from which the status API knows the task (before: 400 `no such task`) */
  visibleAt: number;
  /** resolves when the task stopped (never rejects) */
  done: Promise<void>;
}

export interface TaskContext {
  task: Task;
  signal: AbortSignal;
  log(line: string): void;
  /** logs `WARN: <line>` and counts a warning (task ends `WARNINGS: n`) */
  warn(line: string): void;
  /** abortable sleep (DELETE task / simulator stop reject with "received interrupt") */
  sleep(ms: number): Promise<void>;
  /** flock the guest config like PVE's lock_config (timeout → "can't lock file ... got timeout") */
  lockGuest(vmid: number, timeoutMs?: number): Promise<() => void>;
  /** throws the injected failure if fault injection decided this task fails */
  checkpoint(): void;
  /** the injected failure mode (workers implement the special ones themselves) */
  failure?: TaskFailureMode;
}

/** An error thrown in a worker: its message becomes the task's exitstatus. */
export class TaskError extends Error {}

/**
 * The worker process died: the task ends without a `TASK …` line and its
 * exitstatus is `unexpected status` (nothing is cleaned up).
 */
export class TaskDied extends Error {
  constructor() {
    super('unexpected status');
  }
}

export class TaskInterrupt extends Error {
  constructor() {
    super('received interrupt\n');
  }
}

export interface TaskRunnerOptions {
  lockWaitMs: () => number;
  /** decides (deterministically) whether a new task of a type fails, and how */
  decideFailure: (type: string) => TaskFailureMode | undefined;
  /** how long a new task is not visible to the status API */
  visibilityLagMs?: () => number;
  /** time between the UPID being returned and the worker starting (fork) */
  startDelayMs?: () => number;
  maxTasksPerCluster?: number;
}

export interface SpawnOptions {
  cluster: ClusterState;
  node: string;
  type: string;
  id: string;
  /** `user@realm` or `user@realm!token` */
  authId: string;
  /** exitstatus used when fault injection makes this task fail */
  failureMessage?: string;
}

export function parseUpid(upid: string) {
  const m =
    /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/.exec(
      upid,
    );
  if (!m) return undefined;
  return {
    node: m[1],
    pid: parseInt(m[3], 16),
    pstart: parseInt(m[4], 16),
    starttime: parseInt(m[5], 16),
    type: m[6],
    id: m[7],
    user: m[8],
  };
}

export class TaskRunner {
  private readonly active = new Set<Task>();

  constructor(private readonly opts: TaskRunnerOptions) {}

  spawn(spec: SpawnOptions, worker: (ctx: TaskContext) => Promise<void>): Task {
    const { cluster } = spec;
    const node = cluster.nodes.get(spec.node)!;
    const starttime = nowSec();
    const pid = node.nextPid++;
    if (node.nextPid > 4194303) node.nextPid = 1000;
    const pstart = (starttime - node.bootTime) * 100 + (pid % 97);
    const upid = `UPID:${spec.node}:${hex8(pid)}:${hex8(pstart)}:${hex8(
      starttime,
    )}:${spec.type}:${spec.id}:${spec.authId}:`;
    const bang = spec.authId.indexOf('!');
    const abort = new AbortController();
    let resolveDone!: () => void;
    const task: Task = {
      upid,
      node: spec.node,
      pid,
      pstart,
      starttime,
      type: spec.type,
      id: spec.id,
      user: bang >= 0 ? spec.authId.slice(0, bang) : spec.authId,
      tokenid: bang >= 0 ? spec.authId.slice(bang + 1) : undefined,
      status: 'running',
      log: [],
      warnings: 0,
      abort,
      visibleAt: Date.now() + (this.opts.visibilityLagMs?.() ?? 0),
      done: new Promise<void>(r => {
        resolveDone = r;
      }),
    };
    this.remember(cluster, task);
    const failure = this.opts.decideFailure(spec.type);
    const ctx: TaskContext = {
      task,
      signal: abort.signal,
      log: line => {
        task.log.push(line);
      },
      warn: line => {
        task.warnings++;
        task.log.push(`WARN: ${line}`);
      },
      sleep: ms => sleep(ms, abort.signal),
      lockGuest: async (vmid, timeoutMs) => {
        return cluster.locks.acquire(
          `qemu-${vmid}`,
          timeoutMs ?? this.opts.lockWaitMs(),
          qemuLockFile(vmid),
        );
      },
      checkpoint: () => {
        if (abort.signal.aborted) throw new TaskInterrupt();
        if (failure) {
          throw new TaskError(
            spec.failureMessage ?? 'command failed (simulated task failure)\n',
          );
        }
      },
      failure,
    };
    this.active.add(task);
    const finish = (err?: unknown) => {
      this.active.delete(task);
      task.status = 'stopped';
      task.endtime = nowSec();
      if (err instanceof TaskDied) {
        task.exitstatus = err.message;
      } else if (err !== undefined) {
        const raw = err instanceof Error ? err.message : String(err);
        const msg = raw.replace(/\n+$/, '').replace(/\n/g, ' ');
        task.log.push(`TASK ERROR: ${msg}`);
        task.exitstatus = msg;
      } else if (task.warnings > 0) {
        task.log.push(`TASK WARNINGS: ${task.warnings}`);
        task.exitstatus = `WARNINGS: ${task.warnings}`;
      } else {
        task.log.push('TASK OK');
        task.exitstatus = 'OK';
      }
      resolveDone();
    };
    // run on the next tick so the HTTP response with the UPID goes out first
    const run = async () => {
      const delay = this.opts.startDelayMs?.() ?? 0;
      if (delay > 0) await ctx.sleep(delay);
      await worker(ctx);
    };
    setImmediate(() => {
      run().then(
        () => finish(),
        e =>
          finish(
            abort.signal.aborted &&
              !(e instanceof TaskError) &&
              !(e instanceof TaskDied)
              ? new TaskInterrupt()
              : e,
          ),
      );
    });
    return task;
  }

  private remember(cluster: ClusterState, task: Task) {
    cluster.tasks.set(task.upid, task);
    const max = this.opts.maxTasksPerCluster ?? 50000;
    if (cluster.tasks.size > max) {
      for (const [upid, t] of cluster.tasks) {
        if (cluster.tasks.size <= max) break;
        if (t.status === 'stopped') cluster.tasks.delete(upid);
      }
    }
  }

  /** Interrupt all running tasks and wait until they stopped. */
  async stopAll(): Promise<void> {
    const running = [...this.active];
    for (const t of running) t.abort.abort(new TaskInterrupt());
    await Promise.all(running.map(t => t.done));
  }

  get runningCount() {
    return this.active.size;
  }
}
