import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ProxmoxClusters } from '@mycopod/plugin-proxmox-node';
import type { InventoryService } from '../inventory/InventoryService';
import { describeFailure } from '../inventory/describeFailure';
import { compareGuest } from './compareGuest';
import type { DeclaredGuest, DriftStore } from './DriftStore';

/** The task id of the drift scan in the scheduler. */
export const DRIFT_TASK_ID = 'proxmox-drift-scan';

export interface DriftScannerOptions {
  store: DriftStore;
  inventory: InventoryService;
  clusters: ProxmoxClusters;
  logger: LoggerService;
  /** Guests of one cluster read at once (default 4). */
  concurrency?: number;
  clock?: () => number;
}

/** What one scan did. */
export interface DriftScanSummary {
  /** Guests compared (their finding sets replaced). */
  checked: number;
  /** Of those, guests with at least one finding. */
  drifted: number;
  /** Guests that could not be read (their previous findings stay). */
  failed: number;
}

/**
 * The drift scan: for every MycoPod guest of every cluster, reads the live
 * config and firewall rules through proxmox-node, compares them with the
 * declared spec ({@link compareGuest}) and replaces the stored finding set.
 * Runs as a global scheduled task (one replica per invocation).
 */
export class DriftScanner {
  readonly #o: DriftScannerOptions;

  constructor(options: DriftScannerOptions) {
    this.#o = options;
  }

  async run(signal?: AbortSignal): Promise<DriftScanSummary> {
    const total: DriftScanSummary = { checked: 0, drifted: 0, failed: 0 };
    for (const cluster of this.#o.clusters.list()) {
      if (signal?.aborted) break;
      try {
        const s = await this.scanCluster(cluster, signal);
        total.checked += s.checked;
        total.drifted += s.drifted;
        total.failed += s.failed;
      } catch (error) {
        this.#o.logger.warn(
          `Drift scan of cluster ${cluster} failed: ${describeFailure(error)}`,
        );
      }
    }
    this.#o.logger.info(
      `Drift scan: ${total.checked} guests checked, ${total.drifted} drifted, ${total.failed} unreadable`,
    );
    return total;
  }

  async scanCluster(
    cluster: string,
    signal?: AbortSignal,
  ): Promise<DriftScanSummary> {
    const { store, inventory } = this.#o;
    const declared = await store.declaredGuests(cluster);
    const snapshot = await inventory.clusterSnapshot(cluster);
    const nodes = new Map(snapshot.guests.map(g => [g.vmid, g.node]));
    const summary: DriftScanSummary = { checked: 0, drifted: 0, failed: 0 };
    const queue = [...declared];
    const worker = async () => {
      for (let guest = queue.shift(); guest; guest = queue.shift()) {
        if (signal?.aborted) return;
        const node = nodes.get(guest.vmid);
        if (!node) {
          // gone or not listed yet: nothing to compare, the last check stays
          this.#o.logger.debug(
            `Drift scan: guest ${cluster}/${guest.vmid} is not in the cluster`,
          );
          continue;
        }
        const outcome = await this.#check(guest, node, signal);
        if (outcome === 'failed') summary.failed++;
        else {
          summary.checked++;
          if (outcome === 'drifted') summary.drifted++;
        }
      }
    };
    await Promise.all(
      Array.from({ length: this.#o.concurrency ?? 4 }, () => worker()),
    );
    await store.retain(
      cluster,
      declared.map(g => g.vmid),
    );
    return summary;
  }

  async #check(
    guest: DeclaredGuest,
    node: string,
    signal?: AbortSignal,
  ): Promise<'clean' | 'drifted' | 'failed'> {
    const pve = this.#o.clusters.get(guest.cluster);
    const where = { node, vmid: guest.vmid };
    try {
      const [config, firewallRules] = await Promise.all([
        pve.getVmConfig(where, { signal }),
        pve.listVmFirewallRules(where, { signal }),
      ]);
      const findings = compareGuest(guest.spec, { config, firewallRules });
      await this.#o.store.replace(
        guest,
        findings,
        (this.#o.clock ?? Date.now)(),
      );
      return findings.length ? 'drifted' : 'clean';
    } catch (error) {
      this.#o.logger.warn(
        `Drift scan: could not check guest ${guest.cluster}/${
          guest.vmid
        }: ${describeFailure(error)}`,
      );
      return 'failed';
    }
  }
}
