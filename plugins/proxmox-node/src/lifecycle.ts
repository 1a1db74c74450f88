import {
  ENDPOINTS,
  EndpointDef,
  EndpointInput,
  buildRequest,
} from './endpoints';
import { ProxmoxApiError } from './errors';
import type { CallOptions } from './http';
import { internals } from './internals';
import type { ProxmoxApi } from './ProxmoxApi';
import { isPveMessage } from './pveMessages';
import { retry } from './retry';
import {
  TaskResult,
  WaitForTaskOptions,
  taskError,
  waitForTask,
  waitForVmUnlock,
} from './tasks';

/** @public */
export interface TaskHelperOptions {
  call?: CallOptions;
  wait?: WaitForTaskOptions;
}

export interface RunTaskOptions extends TaskHelperOptions {
  /**
   * After an ambiguous failure of the dispatch: is the desired state reached
   * (`done`), or may the request be sent again (`retry`)?
   */
  reconcile?: () => Promise<'done' | 'retry'>;
  acceptExitStatus?: RegExp;
  /** Errors of a repeated dispatch that mean the first one was applied. */
  acceptErrorAfterRetry?: (e: ProxmoxApiError) => boolean;
}

/**
 * Dispatches a task-returning request and waits for it, through the one
 * `retry()` loop:
 * - an ambiguous dispatch failure (`transient && maybeApplied`) of a
 *   non-idempotent request is reconciled (`reconcile`) before sending again;
 * - a task that failed on a lock (config/storage flock, `VM is locked`)
 *   changed nothing and is dispatched again. A stop/shutdown that timed out
 *   waiting for the guest ("got timeout") is NOT a lock failure.
 */
export async function runTask<E extends EndpointDef>(
  api: ProxmoxApi,
  def: E,
  input: EndpointInput<E>,
  opts: RunTaskOptions,
): Promise<TaskResult | null> {
  const { http } = internals(api);
  const signal = opts.call?.signal;
  const again = new WeakSet<object>();
  let ambiguous = false;
  let reconcileFirst = false;
  let upid: string | undefined;
  try {
    return await retry(
      async ({ attempt }) => {
        if (reconcileFirst && opts.reconcile) {
          reconcileFirst = false;
          if ((await opts.reconcile()) === 'done') return null;
        }
        let dispatched: unknown;
        try {
          dispatched = await api.call(def, input, opts.call);
        } catch (e) {
          if (!(e instanceof ProxmoxApiError)) throw e;
          if (ambiguous && opts.acceptErrorAfterRetry?.(e)) return null;
          if (e.transient && e.maybeApplied && opts.reconcile) {
            ambiguous = true;
            reconcileFirst = true;
            again.add(e);
            http.logger.warn(
              `Proxmox ${http.clusterName}: ${e.method} ${e.path} ended ambiguously (${e.pveMessage}); checking the VM state`,
            );
          }
          throw e;
        }
        if (typeof dispatched !== 'string') return null;
        upid = dispatched;
        const accept = opts.acceptExitStatus;
        const result = await waitForTask(api, upid, {
          signal,
          ...opts.wait,
          acceptExitStatus: accept
            ? s => accept.test(s)
            : opts.wait?.acceptExitStatus,
          throwOnFailure: false,
        });
        if (result.ok) return result;
        const error = taskError(api, result);
        const lock =
          isPveMessage(result.exitstatus, 'lock-timeout') ||
          isPveMessage(result.exitstatus, 'vm-locked');
        if (lock && attempt < http.retryPolicy.maxAttempts) {
          again.add(error);
          http.logger.warn(
            `Proxmox ${http.clusterName}: task ${result.type} ${
              result.id
            } failed on a lock (${result.exitstatus.trim()}); dispatching again`,
          );
          throw error;
        }
        if (opts.wait?.throwOnFailure === false) return result;
        throw error;
      },
      {
        policy: http.retryPolicy,
        signal,
        random: http.random,
        shouldRetry: e => typeof e === 'object' && e !== null && again.has(e),
      },
    );
  } catch (e) {
    if (signal?.aborted && (ambiguous || upid)) {
      const req = buildRequest(def, input);
      throw http.abortedError(req, signal.reason, { maybeApplied: true, upid });
    }
    throw e;
  }
}

/** See `ProxmoxClient.ensureVmFirewallGroup`. */
export async function ensureVmFirewallGroup(
  api: ProxmoxApi,
  p: {
    node: string;
    vmid: number;
    group: string;
    iface?: string;
    comment?: string;
  },
  options: CallOptions = {},
): Promise<{ added: boolean }> {
  const { http } = internals(api);
  const has = async () =>
    (
      await api.listVmFirewallRules({ node: p.node, vmid: p.vmid }, options)
    ).some(
      r =>
        r.type === 'group' &&
        r.action === p.group &&
        (p.iface ? r.iface === p.iface : true),
    );
  let ambiguous = false;
  return retry(
    async () => {
      if (await has()) return { added: ambiguous };
      try {
        await api.addVmFirewallRule(
          {
            node: p.node,
            vmid: p.vmid,
            type: 'group',
            action: p.group,
            enable: true,
            iface: p.iface,
            comment: p.comment,
          },
          options,
        );
        return { added: true };
      } catch (e) {
        if (e instanceof ProxmoxApiError && e.transient && e.maybeApplied) {
          ambiguous = true;
          http.logger.warn(
            `Proxmox ${http.clusterName}: adding security group ${p.group} to VM ${p.vmid} ended ambiguously (${e.pveMessage}); checking the rules`,
          );
        }
        throw e;
      }
    },
    {
      policy: http.retryPolicy,
      signal: options.signal,
      random: http.random,
      shouldRetry: e =>
        e instanceof ProxmoxApiError && e.transient && e.maybeApplied,
    },
  );
}

const unlock = (
  api: ProxmoxApi,
  p: { node: string; vmid: number },
  o: TaskHelperOptions,
) => waitForVmUnlock(api, p, { signal: o.call?.signal });

/** See `ProxmoxClient.startVmAndWait`. */
export function startVmAndWait(
  api: ProxmoxApi,
  p: EndpointInput<typeof ENDPOINTS.qemuStart>,
  options: TaskHelperOptions = {},
) {
  return runTask(api, ENDPOINTS.qemuStart, p, {
    ...options,
    acceptExitStatus: /already running/i,
    reconcile: async () => {
      const s = await api.getVmStatus(
        { node: p.node, vmid: p.vmid },
        options.call,
      );
      if (s.status === 'running') return 'done';
      if (s.lock) await unlock(api, p, options);
      return 'retry';
    },
  });
}

/** Waits for the VM's lock to clear, then whether snapshot `p.snapname` exists. */
async function unlockAndHasSnapshot(
  api: ProxmoxApi,
  p: { node: string; vmid: number; snapname: string },
  options: TaskHelperOptions,
) {
  await unlock(api, p, options);
  const list = await api.listSnapshots(
    { node: p.node, vmid: p.vmid },
    options.call,
  );
  return list.some(s => s.name === p.snapname);
}

/** See `ProxmoxClient.createSnapshotAndWait`. */
export function createSnapshotAndWait(
  api: ProxmoxApi,
  p: EndpointInput<typeof ENDPOINTS.qemuSnapshotCreate>,
  options: TaskHelperOptions = {},
) {
  return runTask(api, ENDPOINTS.qemuSnapshotCreate, p, {
    ...options,
    reconcile: async () =>
      (await unlockAndHasSnapshot(api, p, options)) ? 'done' : 'retry',
    acceptErrorAfterRetry: e => /already (used|exists)/i.test(e.allText()),
  });
}

/** See `ProxmoxClient.deleteSnapshotAndWait`. */
export function deleteSnapshotAndWait(
  api: ProxmoxApi,
  p: EndpointInput<typeof ENDPOINTS.qemuSnapshotDelete>,
  options: TaskHelperOptions = {},
) {
  return runTask(api, ENDPOINTS.qemuSnapshotDelete, p, {
    ...options,
    reconcile: async () =>
      (await unlockAndHasSnapshot(api, p, options)) ? 'retry' : 'done',
    acceptErrorAfterRetry: e => e.isNotFound,
  });
}

/** See `ProxmoxClient.deleteVmAndWait`. */
export function deleteVmAndWait(
  api: ProxmoxApi,
  p: EndpointInput<typeof ENDPOINTS.qemuDelete>,
  options: TaskHelperOptions = {},
) {
  return runTask(api, ENDPOINTS.qemuDelete, p, {
    ...options,
    reconcile: async () => {
      try {
        const s = await api.getVmStatus(
          { node: p.node, vmid: p.vmid },
          options.call,
        );
        if (s.lock) await unlock(api, p, options);
        return 'retry';
      } catch (e) {
        if (e instanceof ProxmoxApiError && e.isNotFound) return 'done';
        throw e;
      }
    },
    acceptErrorAfterRetry: e => e.isNotFound,
  });
}
