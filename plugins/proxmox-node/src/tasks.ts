import { ENDPOINTS, buildRequest } from './endpoints';
import { ProxmoxApiError } from './errors';
import { internals } from './internals';
import { poll } from './poll';
import { isPveMessage } from './pveMessages';
import type { ProxmoxApi } from './ProxmoxApi';
import type { PveGuestInterface } from './schemas';
import { isTaskExitOk, parseUpid, taskWarningCount } from './upid';

/**
 * How tasks and locks are polled by default: at once, then 50 ms after
 * dispatch (most config, start and resize tasks take well under a second),
 * then ×1.1 per poll up to 2 s. The slow growth keeps the delay between a
 * task's end and the poll that sees it under ~10 % of the task's duration
 * (a 2 s clone is seen ≤ ~0.2 s late, not up to 1 s as with ×1.5), for a
 * few more status reads; a long clone still costs one read every 2 s.
 */
export const TASK_POLL = { firstMs: 50, maxMs: 2_000, factor: 1.1 } as const;

/** @public */
export interface WaitForTaskOptions {
  signal?: AbortSignal;
  /** Overall deadline in ms (default: cluster `timeouts.taskMs`). */
  timeoutMs?: number;
  /** First poll delay in ms (default 50); grows ×1.1 up to `maxPollIntervalMs`. */
  pollIntervalMs?: number;
  /** Largest poll delay in ms (default 2000). */
  maxPollIntervalMs?: number;
  /**
   * How long a 400 "no such task" is tolerated in ms (default 15000): a task
   * may not be visible through the status API right after it was created.
   */
  notFoundGraceMs?: number;
  /** Number of log lines to return (default 20; 0: the log is not read). */
  logLines?: number;
  /**
   * Read the log also when the task succeeded (default true). False: the
   * log is read only for a failed task (one request less per task).
   */
  logOnSuccess?: boolean;
  /** Throw a `ProxmoxApiError` (kind `task`) when the task fails (default true). */
  throwOnFailure?: boolean;
  /** Exit statuses that count as success although they are errors (e.g. "already running"). */
  acceptExitStatus?: (exitstatus: string) => boolean;
}

/**
 * The outcome of a finished task.
 *
 * @public
 */
export interface TaskResult {
  upid: string;
  node: string;
  type: string;
  id: string;
  /** `OK`, `WARNINGS: n`, or the error text. */
  exitstatus: string;
  /** `OK`/`WARNINGS: n`, or accepted by `acceptExitStatus`. */
  ok: boolean;
  warnings: number;
  /** Last lines of the task log. */
  logTail: string[];
}

/** @public */
export interface WaitOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  pollIntervalMs?: number;
}

/** @public */
export interface GuestAddress {
  interface: string;
  address: string;
  family: string;
  prefix?: number;
}

type TaskStatus = Awaited<ReturnType<ProxmoxApi['getTaskStatus']>>;

/** `p`, or the signal's reason as soon as it aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      v => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      e => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** The last `lines` lines of a task log. */
export async function getTaskLogTail(
  api: ProxmoxApi,
  upid: string,
  lines: number,
  options?: { signal?: AbortSignal; retry?: false },
): Promise<string[]> {
  const { node } = parseUpid(upid);
  const first = await api.call(
    ENDPOINTS.taskLog,
    { node, upid, start: 0, limit: lines },
    options,
  );
  if (first.total <= lines) return first.lines.map(l => l.t);
  const tail = await api.call(
    ENDPOINTS.taskLog,
    { node, upid, start: first.total - lines, limit: lines },
    options,
  );
  return tail.lines.map(l => l.t);
}

/** See `ProxmoxClient.waitForTask`. */
export async function waitForTask(
  api: ProxmoxApi,
  upid: string,
  options: WaitForTaskOptions = {},
): Promise<TaskResult> {
  const { http, config } = internals(api);
  const parsed = parseUpid(upid);
  const timeoutMs = options.timeoutMs ?? config.timeouts.taskMs;
  const notFoundGraceMs = options.notFoundGraceMs ?? 15_000;
  const logLines = options.logLines ?? 20;
  const req = buildRequest(ENDPOINTS.taskStatus, { node: parsed.node, upid });

  // Another wait for this task in this client polls it already: join it
  // (falls back to polling here if that poll ends without the task's end).
  const { taskWatches } = internals(api);
  let shared = taskWatches.get(upid) as Promise<TaskStatus> | undefined;
  const polled = poll(
    async ({ signal }): Promise<TaskStatus | undefined> => {
      if (shared) {
        try {
          return await untilAborted(shared, signal);
        } catch (e) {
          if (signal.aborted) throw e;
          shared = undefined;
          return undefined;
        }
      }
      return api.call(
        ENDPOINTS.taskStatus,
        { node: parsed.node, upid },
        { signal },
      );
    },
    s => s.status !== 'running',
    {
      signal: options.signal,
      timeoutMs,
      intervalMs: options.pollIntervalMs ?? TASK_POLL.firstMs,
      maxIntervalMs: options.maxPollIntervalMs ?? TASK_POLL.maxMs,
      factor: TASK_POLL.factor,
      random: http.random,
      // ride out transient failures (retries of this GET exhausted), and the
      // 400 "no such task" of a task not yet visible, for the grace period
      tolerate: (e, { elapsedMs }) =>
        e instanceof ProxmoxApiError &&
        (e.retryable ||
          (e.status === 400 &&
            isPveMessage(e.allText(), 'no-such-task') &&
            elapsedMs <= notFoundGraceMs)),
      onTimeout: async () => {
        let logTail: string[] | undefined;
        try {
          logTail = await getTaskLogTail(api, upid, logLines, {
            signal: options.signal,
            retry: false,
          });
        } catch {
          logTail = undefined;
        }
        return http.newError(req, {
          kind: 'timeout',
          pveMessage: `task did not finish within ${timeoutMs} ms`,
          upid,
          logTail,
          transient: true,
          maybeApplied: true,
        });
      },
    },
  );
  if (!shared) {
    taskWatches.set(upid, polled);
    const forget = () => {
      if (taskWatches.get(upid) === polled) taskWatches.delete(upid);
    };
    polled.then(forget, forget);
  }
  const status = await polled;
  const exitstatus = status.exitstatus ?? 'unknown';
  const accepted = options.acceptExitStatus?.(exitstatus) ?? false;
  const ok = isTaskExitOk(exitstatus) || accepted;
  // The task has finished: failing to read its log must not turn a
  // successful task into an error (or hide the exit status of a failed one).
  let logTail: string[] = [];
  try {
    if (logLines > 0 && (!ok || options.logOnSuccess !== false)) {
      logTail = await getTaskLogTail(api, upid, logLines, {
        signal: options.signal,
      });
    }
  } catch (e) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (!(e instanceof ProxmoxApiError)) throw e;
    http.logger.warn(
      `Proxmox ${http.clusterName}: could not read the log of task ${upid} (${e.pveMessage})`,
    );
  }
  const result: TaskResult = {
    upid,
    node: parsed.node,
    type: parsed.type,
    id: parsed.id,
    exitstatus,
    ok,
    warnings: taskWarningCount(exitstatus),
    logTail,
  };
  if (!ok && options.throwOnFailure !== false) throw taskError(api, result);
  return result;
}

/** The error of a failed task; transient iff the task failed on a lock. */
export function taskError(api: ProxmoxApi, result: TaskResult) {
  const req = buildRequest(ENDPOINTS.taskStatus, {
    node: result.node,
    upid: result.upid,
  });
  // A worker that failed on a lock timeout changed nothing (a clone worker
  // removed what it had created): it can be dispatched again.
  const lock =
    isPveMessage(result.exitstatus, 'lock-timeout') ||
    isPveMessage(result.exitstatus, 'vm-locked');
  return internals(api).http.newError(req, {
    kind: 'task',
    pveMessage: result.exitstatus,
    exitstatus: result.exitstatus,
    upid: result.upid,
    logTail: result.logTail,
    transient: lock,
    maybeApplied: !lock,
  });
}

/** See `ProxmoxClient.waitForVmUnlock`. */
export function waitForVmUnlock(
  api: ProxmoxApi,
  p: { node: string; vmid: number },
  options: WaitOptions = {},
) {
  const guest = { node: p.node, vmid: p.vmid };
  return pollGuest(
    api,
    ({ signal }) => api.getVmStatus(guest, { signal }),
    s => !s.lock,
    `VM ${p.vmid} is still locked`,
    guest,
    options,
  );
}

/**
 * Polls until `done`, riding out retryable failures; on the deadline throws
 * a `timeout` error about the guest.
 */
export function pollGuest<T>(
  api: ProxmoxApi,
  fn: (ctx: { signal: AbortSignal }) => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  guest: { node: string; vmid: number },
  options: WaitOptions,
): Promise<T> {
  const { http } = internals(api);
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  return poll(fn, done, {
    signal: options.signal,
    timeoutMs,
    intervalMs: options.pollIntervalMs ?? TASK_POLL.firstMs,
    maxIntervalMs: TASK_POLL.maxMs,
    factor: TASK_POLL.factor,
    random: http.random,
    tolerate: e => e instanceof ProxmoxApiError && e.retryable,
    onTimeout: () =>
      http.newError(buildRequest(ENDPOINTS.qemuStatus, guest), {
        kind: 'timeout',
        pveMessage: `${what} after ${timeoutMs} ms`,
        transient: true,
        maybeApplied: false,
      }),
  });
}

/** See `ProxmoxClient.waitForGuestIp`. */
export async function waitForGuestIp(
  api: ProxmoxApi,
  p: { node: string; vmid: number; family?: 'ipv4' | 'ipv6' | 'any' },
  options: WaitOptions = {},
): Promise<{
  address: string;
  addresses: GuestAddress[];
  interfaces: PveGuestInterface[];
}> {
  const family = p.family ?? 'ipv4';
  const guest = { node: p.node, vmid: p.vmid };
  let lastInterfaces: PveGuestInterface[] = [];
  const result = await pollGuest(
    api,
    async ({ signal }) => {
      try {
        lastInterfaces = await api.getGuestNetworkInterfaces(guest, {
          signal,
          retry: false,
        });
        return usableAddresses(lastInterfaces, family);
      } catch (e) {
        const text = e instanceof ProxmoxApiError ? e.allText() : '';
        if (
          e instanceof ProxmoxApiError &&
          (e.transient ||
            isPveMessage(text, 'agent-not-running') ||
            isPveMessage(text, 'got-timeout'))
        ) {
          return [];
        }
        throw e;
      }
    },
    addrs => addrs.length > 0,
    `VM ${p.vmid} reported no IP address`,
    guest,
    { pollIntervalMs: 1_000, timeoutMs: 5 * 60_000, ...options },
  );
  return {
    address: result[0].address,
    addresses: result,
    interfaces: lastInterfaces,
  };
}

const IPV4_UNUSABLE = /^(127\.|169\.254\.|0\.)/;
const IPV6_UNUSABLE = /^(::1$|fe[89ab][0-9a-f]:)/i;

/** Routable guest addresses reported by the agent (loopback/link-local removed). */
export function usableAddresses(
  interfaces: PveGuestInterface[],
  family: 'ipv4' | 'ipv6' | 'any' = 'ipv4',
): GuestAddress[] {
  const out: GuestAddress[] = [];
  for (const i of interfaces) {
    if (i.name === 'lo') continue;
    for (const a of i.addresses) {
      if (family !== 'any' && a.family !== family) continue;
      if (a.family === 'ipv4' && IPV4_UNUSABLE.test(a.address)) continue;
      if (a.family === 'ipv6' && IPV6_UNUSABLE.test(a.address)) continue;
      out.push({
        interface: i.name,
        address: a.address,
        family: a.family,
        prefix: a.prefix,
      });
    }
  }
  return out;
}
