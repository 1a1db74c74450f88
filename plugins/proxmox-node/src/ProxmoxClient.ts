import {
  AllocateVmidOptions,
  CloneDispatch,
  CloneToParams,
  FindGuestOptions,
  FoundGuest,
  allocateVmid,
  dispatchClone,
  findGuest,
} from './clone';
import {
  CloneResult,
  CloneWithFreshVmidOptions,
  cloneWithFreshVmid,
} from './cloneFresh';
import { ENDPOINTS, EndpointInput } from './endpoints';
import type { ProxmoxApiError } from './errors';
import type { CallOptions } from './http';
import { internals } from './internals';
import {
  TaskHelperOptions,
  createSnapshotAndWait,
  deleteSnapshotAndWait,
  deleteVmAndWait,
  ensureVmFirewallGroup,
  runTask,
  startVmAndWait,
} from './lifecycle';
import { ProxmoxApi } from './ProxmoxApi';
import { VncConsole, VncConsoleTarget, openVncConsole } from './vncConsole';
import {
  TaskResult,
  WaitForTaskOptions,
  WaitOptions,
  getTaskLogTail,
  taskError,
  waitForGuestIp,
  waitForTask,
  waitForVmUnlock,
} from './tasks';

export type { ProxmoxClientOptions } from './ProxmoxApi';
export type {
  CallOptions,
  ProxmoxCallObservation,
  ProxmoxCallObserver,
} from './http';
export type {
  AllocateVmidOptions,
  CloneDispatch,
  CloneToParams,
  FindGuestOptions,
  FoundGuest,
} from './clone';
export type { CloneResult, CloneWithFreshVmidOptions } from './cloneFresh';
export type { TaskHelperOptions } from './lifecycle';
export type { VncConsole, VncConsoleTarget } from './vncConsole';
export type {
  GuestAddress,
  TaskResult,
  WaitForTaskOptions,
  WaitOptions,
} from './tasks';
export { usableAddresses } from './tasks';

/**
 * Typed Proxmox VE API client for one cluster.
 *
 * The endpoint wrappers live in {@link ProxmoxApi}; this class adds task
 * waiting, VMID allocation and cloning, and lifecycle helpers that
 * reconcile ambiguous failures. Every method accepts an AbortSignal;
 * failures are `ProxmoxApiError`s.
 *
 * @public
 */
export class ProxmoxClient extends ProxmoxApi {
  // -------------------------------------------------------------- tasks

  /** The last `lines` lines of a task log. */
  getTaskLogTail(
    upid: string,
    lines = 20,
    options?: CallOptions,
  ): Promise<string[]> {
    return getTaskLogTail(
      this,
      upid,
      lines,
      options as { signal?: AbortSignal },
    );
  }

  /**
   * Polls a task on the node encoded in its UPID until it stops. `OK` and
   * `WARNINGS: n` are success; any other exit status throws a
   * `ProxmoxApiError` (kind `task`) with exit status and log tail (unless
   * `throwOnFailure: false`). Tolerates the transient 400 "no such task"
   * right after dispatch for `notFoundGraceMs`. Also how a resumed job
   * re-polls a stored UPID.
   */
  waitForTask(upid: string, options?: WaitForTaskOptions): Promise<TaskResult> {
    return waitForTask(this, upid, options);
  }

  /** Builds the error thrown for a failed task. */
  taskError(result: TaskResult): ProxmoxApiError {
    return taskError(this, result);
  }

  /** Waits until the VM config has no `lock` (e.g. `clone`, `snapshot`); resolves with the final status. */
  waitForVmUnlock(p: { node: string; vmid: number }, options?: WaitOptions) {
    return waitForVmUnlock(this, p, options);
  }

  /**
   * Polls the guest agent until the VM reports a usable IP address (not
   * loopback / link-local). Tolerates "guest agent is not running" and agent
   * timeouts while the guest boots.
   */
  waitForGuestIp(
    p: { node: string; vmid: number; family?: 'ipv4' | 'ipv6' | 'any' },
    options?: WaitOptions,
  ) {
    return waitForGuestIp(this, p, options);
  }

  // --------------------------------------------------------- VMIDs, clone

  /**
   * Allocates a VMID that is free in Proxmox and not claimed by another
   * caller in this process: takes a candidate from `GET /cluster/nextid`
   * (or `start`), claims it in-process, probes it with
   * `GET /cluster/nextid?vmid=N` (400 "already exists" → next candidate;
   * not for the candidate `/cluster/nextid` itself just returned), then asks the optional `reserve` callback. The claim lasts until
   * {@link ProxmoxClient.releaseVmid} or `claimTtlMs`.
   */
  allocateVmid(options?: AllocateVmidOptions): Promise<number> {
    return allocateVmid(this, options);
  }

  /** Releases an in-process VMID claim. */
  releaseVmid(vmid: number): void {
    internals(this).claims.release(vmid);
  }

  /**
   * Sends ONE clone request to `newid` and says what happened (see
   * {@link CloneDispatch}). Retries only failures that prove nothing was
   * applied (connect errors, 595/503/429, lock timeouts). Takes a slot of the
   * per-source clone limiter, held until the dispatched clone task ends.
   * Does not release the VMID claim. An abort while the request is in flight
   * rejects with kind `aborted` (`maybeApplied: true`, `vmid: newid`).
   */
  cloneTo(
    params: CloneToParams,
    options: CallOptions = {},
  ): Promise<CloneDispatch> {
    return dispatchClone(this, params, options, (release, upid) => {
      // keep the slot until the task ends (never throws); a caller waiting
      // for the task joins this poll, so both see its end at the same time
      waitForTask(this, upid, { throwOnFailure: false, logLines: 0 }).then(
        release,
        release,
      );
    });
  }

  /**
   * Where the guest with `vmid` lives: the given `nodes` first (a fresh clone
   * is visible there before `/cluster/resources` lists it), then
   * `/cluster/resources`. Null when absent; throws when absence cannot be
   * proven (e.g. a given node is offline and the guest is not listed).
   */
  findGuest(
    vmid: number,
    nodes?: string[],
    options?: FindGuestOptions,
  ): Promise<FoundGuest | null> {
    return findGuest(this, vmid, nodes, options);
  }

  /**
   * Clones a VM/template to a freshly allocated VMID, built on
   * {@link ProxmoxClient.cloneTo}:
   *
   * - the id is allocated with {@link ProxmoxClient.allocateVmid} and passed
   *   to `onBeforeDispatch` before the first request;
   * - an ambiguous dispatch is re-sent to the SAME id (Proxmox's "already
   *   exists" makes it happen once); a later "already exists" adopts the
   *   guest there when `isOurs(config)` (default: name match), after its
   *   `clone` lock cleared, else moves to the next id;
   * - "already exists" without an earlier ambiguous dispatch → next id;
   * - a clone task that failed on a lock timeout (Proxmox removed the partial
   *   clone) is re-sent to the same id after a backoff.
   */
  cloneWithFreshVmid(options: CloneWithFreshVmidOptions): Promise<CloneResult> {
    return cloneWithFreshVmid(this, options);
  }

  // ------------------------------------------------- lifecycle helpers

  /**
   * Attaches a cluster security group to a VM (a `group` rule) unless a rule
   * for it exists already. An ambiguous failure of the POST is resolved by
   * listing the rules again.
   */
  ensureVmFirewallGroup(
    p: {
      node: string;
      vmid: number;
      group: string;
      iface?: string;
      comment?: string;
    },
    options?: CallOptions,
  ): Promise<{ added: boolean }> {
    return ensureVmFirewallGroup(this, p, options);
  }

  /** Starts a VM and waits; "already running" counts as success. */
  startVmAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuStart>,
    options?: TaskHelperOptions,
  ) {
    return startVmAndWait(this, p, options);
  }

  /** Hard-stops a VM and waits (stopping a stopped VM is a no-op). */
  stopVmAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuStop>,
    options: TaskHelperOptions = {},
  ) {
    return runTask(this, ENDPOINTS.qemuStop, p, options);
  }

  /** ACPI/agent shutdown and wait. A "got timeout" of the guest is not re-sent. */
  shutdownVmAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuShutdown>,
    options: TaskHelperOptions = {},
  ) {
    return runTask(this, ENDPOINTS.qemuShutdown, p, options);
  }

  /** Resizes a disk and waits for the `resize` task. */
  resizeDiskAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuResize>,
    options: TaskHelperOptions = {},
  ) {
    return runTask(this, ENDPOINTS.qemuResize, p, options);
  }

  /** Creates a snapshot and waits; an ambiguous failure is resolved by listing snapshots. */
  createSnapshotAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuSnapshotCreate>,
    options?: TaskHelperOptions,
  ) {
    return createSnapshotAndWait(this, p, options);
  }

  /** Rolls back to a snapshot and waits. */
  rollbackSnapshotAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuSnapshotRollback>,
    options: TaskHelperOptions = {},
  ) {
    return runTask(this, ENDPOINTS.qemuSnapshotRollback, p, options);
  }

  /** Deletes a snapshot and waits; an ambiguous failure is resolved by listing snapshots. */
  deleteSnapshotAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuSnapshotDelete>,
    options?: TaskHelperOptions,
  ) {
    return deleteSnapshotAndWait(this, p, options);
  }

  /**
   * Destroys a VM and waits. The VM must be stopped. After an ambiguous
   * failure the VM's existence decides; "does not exist" on a repeated
   * request counts as success.
   */
  deleteVmAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuDelete>,
    options?: TaskHelperOptions,
  ) {
    return deleteVmAndWait(this, p, options);
  }

  // ------------------------------------------------------------- console

  /**
   * Opens a guest's VNC console: `vncproxy`, the `vncwebsocket` upgrade with
   * this cluster's token and TLS settings, and the RFB security handshake;
   * the stream is handed over at ClientInit (see {@link VncConsole}).
   */
  openVncConsole(
    target: VncConsoleTarget,
    options?: Pick<CallOptions, 'signal' | 'timeoutMs'>,
  ): Promise<VncConsole> {
    return openVncConsole(this, target, options);
  }
}
