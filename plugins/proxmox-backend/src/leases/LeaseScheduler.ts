import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ProxmoxClusters } from '@mycopod/plugin-proxmox-node';
import type { InventoryService } from '../inventory/InventoryService';
import { describeFailure } from '../inventory/describeFailure';
import type { RequestNotifier } from '../service/RequestNotifier';
import type {
  RequestStateMachine,
  TransitionInput,
} from '../service/RequestStateMachine';
import { type LeaseConfig, configuredLeaseDays } from './config';
import {
  type LeaseAction,
  type LeaseFacts,
  decommissionAt,
  nextLeaseAction,
} from './leasePlan';
import type { LeaseNotifier, NotifiedLease } from './LeaseNotifier';
import type {
  GuestKey,
  LeaseStore,
  ManagedLease,
  UnmanagedLease,
} from './LeaseStore';

/** The task id of the lease scheduler in the scheduler. */
export const LEASE_TASK_ID = 'proxmox-leases';

/** Files and auto-approves a decommission as `system` (the day-2 requests). */
export type FileDecommission = (input: {
  kind: 'decommission';
  cluster: string;
  vmid: number;
  comment: string;
}) => Promise<{ id: string }>;

export interface LeaseSchedulerOptions {
  store: LeaseStore;
  stateMachine: RequestStateMachine;
  /** Auditor events of the actions. */
  notifier: RequestNotifier;
  leaseNotifier: LeaseNotifier;
  inventory: InventoryService;
  clusters: ProxmoxClusters;
  fileDecommission: FileDecommission;
  /** Told about the leases of guests MycoPod did not create. */
  approverGroups: string[];
  config: LeaseConfig;
  logger: LoggerService;
  /** Counts each step and how it ended (metrics). */
  onAction?: (step: LeaseStep, outcome: 'ok' | 'failed') => void;
  clock?: () => number;
}

/**
 * A step the scheduler takes: a lease action, or for a guest MycoPod did not
 * create (which it never destroys) telling the approvers that its grace is
 * over instead of filing a decommission.
 */
export type LeaseStep = LeaseAction | 'grace-over';

/** What one run did, by step. */
export type LeaseRunSummary = Record<LeaseStep | 'failed', number>;

/** Thrown inside a transition when an extension moved the lease end meanwhile. */
class LeaseMovedError extends Error {}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The lease scheduler (a global scheduled task: one replica per run). For
 * every leased guest it does the one thing due now: warn the owner group
 * `warnBefore` ahead of the end, at the end shut the guest down (ACPI with
 * a timeout, then a hard stop) and move the create request `ready →
 * expired`, after the grace file a decommission, and bring an expired
 * request whose lease was extended back to `ready`. Every step is recorded
 * with compare-and-set, so no step happens twice across runs or replicas;
 * a failed step is retried by the next run.
 */
export class LeaseScheduler {
  readonly #o: LeaseSchedulerOptions;

  constructor(options: LeaseSchedulerOptions) {
    this.#o = options;
  }

  #now() {
    return (this.#o.clock ?? Date.now)();
  }

  async run(signal?: AbortSignal): Promise<LeaseRunSummary> {
    const summary: LeaseRunSummary = {
      warn: 0,
      expire: 0,
      decommission: 0,
      renew: 0,
      'grace-over': 0,
      failed: 0,
    };
    const count = async (
      key: GuestKey,
      work: () => Promise<LeaseStep | undefined>,
    ) => {
      let action: LeaseStep | undefined;
      try {
        action = await work();
        if (action) {
          summary[action]++;
          this.#o.onAction?.(action, 'ok');
        }
      } catch (error) {
        summary.failed++;
        const failed = (error as { leaseStep?: LeaseStep }).leaseStep;
        if (failed) this.#o.onAction?.(failed, 'failed');
        this.#o.logger.warn(
          `Lease of ${key.cluster}/${key.vmid}: ${
            failed ?? 'check'
          } failed, retried next run: ${describeFailure(error)}`,
        );
      }
    };

    for (const lease of await this.#o.store.managedLeases()) {
      if (signal?.aborted) return summary;
      await count(lease, () => this.#managed(lease));
    }
    await this.#o.store.retainManaged();
    for (const cluster of this.#o.clusters.list()) {
      if (signal?.aborted) return summary;
      let leases: UnmanagedLease[];
      try {
        leases = await this.#unmanagedLeases(cluster);
      } catch (error) {
        this.#o.logger.warn(
          `Leases of cluster ${cluster} not checked: ${describeFailure(error)}`,
        );
        continue;
      }
      for (const lease of leases) {
        if (signal?.aborted) return summary;
        await count(lease, () => this.#unmanaged(lease));
      }
    }
    const done = Object.entries(summary)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`);
    if (done.length) this.#o.logger.info(`Leases: ${done.join(', ')}`);
    return summary;
  }

  // ------------------------------------------------------------ MycoPod guests

  async #managed(lease: ManagedLease): Promise<LeaseStep | undefined> {
    const now = this.#now();
    const tracking = await this.#o.store.track(lease, now);
    const facts: LeaseFacts = {
      endsAt: lease.endsAt,
      requestState: lease.state,
      tracking,
    };
    const action = nextLeaseAction(facts, now, this.#o.config);
    if (!action) return undefined;
    const notified: NotifiedLease = {
      cluster: lease.cluster,
      vmid: lease.vmid,
      name: lease.name,
      requestId: lease.requestId,
      recipients: [lease.owner],
      endsAt: lease.endsAt,
    };
    return this.#step(action, async () => {
      switch (action) {
        case 'warn':
          return this.#warn(lease, notified, now);
        case 'expire':
          return this.#expireManaged(lease, notified, now);
        case 'decommission':
          return this.#decommission(lease, now, async () => {
            const fresh = await this.#o.store.managedLease(lease);
            return fresh?.state === 'expired' && fresh.endsAt === lease.endsAt;
          });
        case 'renew':
          return this.#renew(lease, now);
        default:
          return false;
      }
    });
  }

  async #expireManaged(
    lease: ManagedLease,
    notified: NotifiedLease,
    now: number,
  ): Promise<boolean> {
    const { store } = this.#o;
    const done = await this.#audit('expire', lease, async () => {
      await this.#shutDown(lease);
      return this.#transitionUnlessMoved(lease, {
        event: 'expire',
        comment: `The lease ended on ${iso(
          lease.endsAt,
        )}: the guest was shut down`,
        guard: async trx => {
          if ((await store.leaseEnd(trx, lease.requestId)) !== lease.endsAt) {
            throw new LeaseMovedError();
          }
        },
        within: async trx => {
          await store.recordExpiry(lease, lease.endsAt, now, trx);
        },
      });
    });
    if (done) await this.#notifyExpired(notified, now);
    return done;
  }

  async #renew(lease: ManagedLease, now: number): Promise<boolean> {
    const { store } = this.#o;
    const renewed = await this.#audit('renew', lease, () =>
      this.#transitionUnlessMoved(lease, {
        event: 'renew',
        comment: `The lease was extended to ${iso(lease.endsAt)}`,
        guard: async trx => {
          const end = await store.leaseEnd(trx, lease.requestId);
          if (end === undefined || end <= this.#now()) {
            throw new LeaseMovedError();
          }
        },
      }),
    );
    // a later expiry of the extended lease may file a decommission again
    if (renewed) await store.releaseDecommission(lease, now);
    return renewed;
  }

  // ------------------------------------------------------------ other guests

  /** Guests MycoPod did not create that config leases, tracked from first sight. */
  async #unmanagedLeases(cluster: string): Promise<UnmanagedLease[]> {
    const { inventory, store, config } = this.#o;
    const leased: Array<{ vmid: number; days: number }> = [];
    const hasConfig =
      Object.keys(config.byPool).length + Object.keys(config.byTag).length > 0;
    if (hasConfig) {
      const [snapshot, ours] = await Promise.all([
        inventory.clusterSnapshot(cluster),
        inventory.guestRecords(cluster),
      ]);
      for (const g of snapshot.guests) {
        if (g.template || g.type !== 'qemu' || ours.has(g.vmid)) continue;
        const days = configuredLeaseDays(config, g);
        if (days !== undefined) leased.push({ vmid: g.vmid, days });
      }
    }
    const leases = await store.trackUnmanaged(cluster, leased, this.#now());
    await store.retainUnmanaged(
      cluster,
      leased.map(l => l.vmid),
    );
    return leases;
  }

  async #unmanaged(lease: UnmanagedLease): Promise<LeaseStep | undefined> {
    const now = this.#now();
    const facts: LeaseFacts = {
      endsAt: lease.endsAt,
      tracking: lease.tracking,
    };
    const action = nextLeaseAction(facts, now, this.#o.config);
    if (!action || action === 'renew') return undefined;
    const notified: NotifiedLease = {
      cluster: lease.cluster,
      vmid: lease.vmid,
      recipients: this.#o.approverGroups,
      endsAt: lease.endsAt,
    };
    if (action === 'decommission') {
      // MycoPod only decommissions guests it created: the approvers decide
      return this.#step('grace-over', async () => {
        if (!(await this.#o.store.claimDecommission(lease, now))) return false;
        await this.#o.leaseNotifier.graceOver(notified);
        return true;
      });
    }
    return this.#step(action, async () => {
      switch (action) {
        case 'warn':
          return this.#warn(lease, notified, now);
        case 'expire': {
          const recorded = await this.#audit('expire', lease, async () => {
            await this.#shutDown(lease);
            return this.#o.store.recordExpiry(lease, lease.endsAt, now);
          });
          if (recorded) await this.#notifyExpired(notified, now);
          return recorded;
        }
        default:
          return false;
      }
    });
  }

  // ------------------------------------------------------------ shared steps

  /** Runs a step; true = it acted (counted), false = nothing to do after all. */
  async #step(
    step: LeaseStep,
    work: () => Promise<boolean>,
  ): Promise<LeaseStep | undefined> {
    try {
      return (await work()) ? step : undefined;
    } catch (error) {
      throw Object.assign(
        error instanceof Error ? error : new Error(String(error)),
        { leaseStep: step },
      );
    }
  }

  async #warn(
    key: GuestKey,
    notified: NotifiedLease,
    now: number,
  ): Promise<boolean> {
    if (!(await this.#o.store.claimWarning(key, notified.endsAt, now))) {
      return false; // another run warned for this end
    }
    await this.#o.leaseNotifier.warn(notified, this.#o.config.graceMs);
    return true;
  }

  /**
   * A `system` transition of the lease's create request; false (nothing
   * done) when its guard finds an extension moved the lease meanwhile.
   */
  async #transitionUnlessMoved(
    lease: ManagedLease,
    transition: Omit<TransitionInput, 'id' | 'actor' | 'role'>,
  ): Promise<boolean> {
    try {
      await this.#o.stateMachine.apply({
        ...transition,
        id: lease.requestId,
        actor: 'system',
        role: 'system',
      });
      return true;
    } catch (error) {
      if (error instanceof LeaseMovedError) return false;
      throw error;
    }
  }

  /** Tells who the lease concerns that it expired now, and when it goes. */
  async #notifyExpired(notified: NotifiedLease, now: number): Promise<void> {
    await this.#o.leaseNotifier.expired(
      notified,
      decommissionAt(
        {
          endsAt: notified.endsAt,
          tracking: { firstSeenAt: now, expiredAt: now },
        },
        this.#o.config,
      ),
    );
  }

  /** Claims the filing, checks the lease is still expired as seen, files. */
  async #decommission(
    lease: GuestKey & { endsAt: number; requestId?: string },
    now: number,
    stillExpired: () => Promise<boolean>,
  ): Promise<boolean> {
    const { store } = this.#o;
    if (!(await store.claimDecommission(lease, now))) return false;
    try {
      if (!(await stillExpired())) {
        await store.releaseDecommission(lease, now);
        return false; // extended meanwhile
      }
      const filed = await this.#audit('decommission', lease, () =>
        this.#o.fileDecommission({
          kind: 'decommission',
          cluster: lease.cluster,
          vmid: lease.vmid,
          comment: `The lease ended on ${iso(
            lease.endsAt,
          )} and was not extended within the grace period`,
        }),
      );
      await store.setDecommissionRequest(lease, filed.id, now);
      return true;
    } catch (error) {
      await store.releaseDecommission(lease, now);
      throw error;
    }
  }

  /** ACPI shutdown with the configured timeout, then a hard stop. */
  async #shutDown(key: GuestKey): Promise<void> {
    const { inventory, clusters, config, logger } = this.#o;
    const snapshot = await inventory.clusterSnapshot(key.cluster);
    const g = snapshot.guests.find(x => x.vmid === key.vmid);
    if (!g || g.type !== 'qemu') return; // gone: nothing to shut down
    const pve = clusters.get(key.cluster);
    const where = { node: g.node, vmid: key.vmid };
    const timeout = config.shutdownTimeoutSeconds;
    try {
      await pve.shutdownVmAndWait(
        { ...where, timeout },
        { wait: { timeoutMs: (timeout + 60) * 1000, logOnSuccess: false } },
      );
    } catch (error) {
      logger.info(
        `Guest ${key.cluster}/${
          key.vmid
        } did not shut down within ${timeout} s (${describeFailure(
          error,
        )}); stopping it`,
      );
      await pve.stopVmAndWait(where, { wait: { logOnSuccess: false } });
    }
    inventory.invalidate(key.cluster);
  }

  #audit<T>(
    action: LeaseAction,
    lease: GuestKey & { endsAt: number; requestId?: string },
    fn: () => Promise<T>,
  ): Promise<T> {
    return this.#o.notifier.audit(
      `proxmox-lease-${action}`,
      {
        actor: 'system',
        cluster: lease.cluster,
        vmid: lease.vmid,
        requestId: lease.requestId,
        leaseEndsAt: iso(lease.endsAt),
      },
      fn,
    );
  }
}
