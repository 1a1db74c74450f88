import {
  CloneToParams,
  FoundGuest,
  allocateVmid,
  dispatchClone,
  findGuest,
} from './clone';
import { ENDPOINTS, buildRequest } from './endpoints';
import { ProxmoxApiError } from './errors';
import { internals } from './internals';
import type { ProxmoxApi } from './ProxmoxApi';
import { retry } from './retry';
import type { PveQemuConfig } from './schemas';
import {
  TaskResult,
  WaitForTaskOptions,
  pollGuest,
  taskError,
  waitForTask,
  waitForVmUnlock,
} from './tasks';

/** @public */
export interface CloneWithFreshVmidOptions
  extends Omit<CloneToParams, 'newid'> {
  /** First VMID candidate / external reservation, see {@link AllocateVmidOptions}. */
  start?: number;
  reserve?: (vmid: number) => Promise<boolean>;
  /**
   * Called with each VMID before the first clone request to it is sent —
   * record it here, so a crash after an ambiguous dispatch can be resolved.
   */
  onBeforeDispatch?: (vmid: number) => Promise<void>;
  /**
   * Called once the clone task was dispatched, before waiting — persist the
   * UPID here to resume after a crash.
   */
  onDispatched?: (info: { vmid: number; upid: string }) => void | Promise<void>;
  /**
   * Whether an existing guest at our VMID is the clone of an earlier,
   * ambiguous request of ours (default: its name equals `name`; without
   * `name` nothing is adopted). Asked only after an ambiguous dispatch.
   */
  isOurs?: (config: PveQemuConfig) => boolean;
  /** Wait for the clone task and for the config lock to clear (default true). */
  wait?: boolean;
  /** Clone requests sent in total (re-sends and fresh VMIDs) (default 6). */
  maxAttempts?: number;
  task?: WaitForTaskOptions;
  signal?: AbortSignal;
}

/** @public */
export interface CloneResult {
  vmid: number;
  /** Node the new VM lives on. */
  node: string;
  /** Undefined when an ambiguous dispatch was adopted without its UPID. */
  upid?: string;
  task?: TaskResult;
}

/** See `ProxmoxClient.cloneWithFreshVmid`. */
export async function cloneWithFreshVmid(
  api: ProxmoxApi,
  options: CloneWithFreshVmidOptions,
): Promise<CloneResult> {
  const { http, claims } = internals(api);
  const {
    start: firstCandidate,
    reserve,
    onBeforeDispatch,
    onDispatched,
    isOurs: isOursOption,
    wait,
    maxAttempts: maxAttemptsOption,
    task: taskOptions,
    signal,
    ...params
  } = options;
  const maxAttempts = maxAttemptsOption ?? 6;
  const targetNode = params.target ?? params.node;
  const nodes = [params.node, targetNode];
  const isOurs =
    isOursOption ??
    ((c: PveQemuConfig) => params.name !== undefined && c.name === params.name);
  const log = (msg: string) =>
    http.logger.warn(
      `Proxmox ${http.clusterName}: clone of ${params.vmid} to ${msg}`,
    );
  // errors after which the loop goes on (same VMID or the next one)
  const again = new WeakSet<object>();
  const goOn = (e: unknown) => {
    const err = typeof e === 'object' && e !== null ? e : new Error(String(e));
    again.add(err);
    return err;
  };

  let start = firstCandidate;
  let newid: number | undefined;
  // a request to `newid` may have been applied without our knowing its UPID
  let ambiguous = false;
  let upid: string | undefined;

  /** Existing guest at `newid` after an ambiguous dispatch: ours? */
  const resolveExisting = async (
    id: number,
  ): Promise<'retry' | 'not-ours' | FoundGuest> => {
    const done = (g: FoundGuest | null) => g === null || !g.config.lock;
    const found = await pollGuest(
      api,
      ({ signal: s }) => findGuest(api, id, nodes, { signal: s }),
      done,
      `VM ${id} is still locked`,
      { node: targetNode, vmid: id },
      {
        signal,
        timeoutMs: taskOptions?.timeoutMs ?? http.timeouts.taskMs,
        pollIntervalMs: taskOptions?.pollIntervalMs,
      },
    );
    if (!found) return 'retry'; // the clone failed and was cleaned up
    return found.type === 'qemu' && isOurs(found.config) ? found : 'not-ours';
  };

  const attempt = async (): Promise<CloneResult> => {
    if (newid === undefined) {
      newid = await allocateVmid(api, { start, reserve, signal });
      ambiguous = false;
      upid = undefined;
      try {
        await onBeforeDispatch?.(newid);
      } catch (e) {
        claims.release(newid);
        throw e;
      }
    }
    const id = newid;
    let releaseSlot = () => {};
    const d = await dispatchClone(
      api,
      { ...params, newid: id },
      { signal },
      release => {
        releaseSlot = release;
      },
    );
    let takenError: unknown;
    if (d.outcome === 'ambiguous') {
      ambiguous = true;
      log(
        `${id} ended ambiguously (${d.error.pveMessage}); sending it again to the same VMID`,
      );
      throw goOn(d.error);
    } else if (d.outcome === 'taken') {
      takenError = d.error;
    } else {
      upid = d.upid;
      let task: TaskResult;
      try {
        await onDispatched?.({ vmid: id, upid });
        if (wait === false) {
          claims.release(id);
          return { vmid: id, node: targetNode, upid };
        }
        task = await waitForTask(api, upid, {
          ...taskOptions,
          signal,
          throwOnFailure: false,
        });
      } finally {
        releaseSlot();
      }
      if (task.ok) {
        await waitForVmUnlock(
          api,
          { node: targetNode, vmid: id },
          {
            signal,
            timeoutMs: taskOptions?.timeoutMs,
            pollIntervalMs: taskOptions?.pollIntervalMs,
          },
        );
        claims.release(id);
        return { vmid: id, node: targetNode, upid, task };
      }
      const error = taskError(api, task);
      if (error.isAlreadyExists || error.hasPveMessage('rename-file-exists')) {
        // the id was taken (on another node) while the worker ran
        takenError = error;
      } else if (error.isLockTimeout) {
        // the worker removed what it had created: send it again
        log(
          `${id} failed transiently (${task.exitstatus.trim()}); dispatching again to the same VMID`,
        );
        throw goOn(error);
      } else {
        throw error;
      }
    }
    // the VMID exists: our own earlier (ambiguous) clone, or someone else's
    if (ambiguous) {
      const r = await resolveExisting(id);
      if (r === 'retry') throw goOn(takenError);
      if (r !== 'not-ours') {
        http.logger.info(
          `Proxmox ${http.clusterName}: adopted VM ${id} created by an ambiguous clone request`,
        );
        claims.release(id);
        return { vmid: id, node: r.node };
      }
    }
    claims.release(id);
    start = id + 1;
    newid = undefined;
    throw goOn(takenError);
  };

  try {
    return await retry(attempt, {
      policy: { ...http.retryPolicy, maxAttempts },
      signal,
      random: http.random,
      shouldRetry: e => typeof e === 'object' && e !== null && again.has(e),
    });
  } catch (e) {
    // A clone of ours may exist at `newid`: say so instead of just rejecting
    // with the signal's reason.
    if (signal?.aborted && newid !== undefined && (ambiguous || upid)) {
      throw http.abortedError(
        buildRequest(ENDPOINTS.qemuClone, {
          node: params.node,
          vmid: params.vmid,
          newid,
        }),
        signal.reason,
        { maybeApplied: true, vmid: newid, upid },
      );
    }
    // keep the claim while a clone of ours may still appear at `newid`
    const finished = e instanceof ProxmoxApiError && e.kind === 'task';
    if (newid !== undefined && !ambiguous && (!upid || finished)) {
      claims.release(newid);
    }
    throw e;
  }
}
