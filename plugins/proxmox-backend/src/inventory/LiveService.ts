import type { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import type {
  ClusterSummary,
  GuestDrift,
  GuestLease,
  GuestLiveStatus,
  NodeCapacity,
} from '@mycopod/plugin-proxmox-common';
import {
  ProxmoxApiError,
  ProxmoxClusters,
  PveGuestResource,
  PveNodeResource,
} from '@mycopod/plugin-proxmox-node';
import type { ClusterSnapshot } from './clusterSnapshot';
import { describeFailure } from './describeFailure';
import type { InventoryService } from './InventoryService';
import { GiB, MiB, byName } from './shape';

export interface LiveServiceOptions {
  inventory: InventoryService;
  clusters: ProxmoxClusters;
  logger: LoggerService;
  /** Timeout of the guest agent call, one attempt (default 2000 ms). */
  agentTimeoutMs?: number;
  /** The lease of a guest (src/leases). */
  leases?: {
    get(cluster: string, vmid: number): Promise<GuestLease | undefined>;
  };
  /** The last drift check of a guest (src/drift). */
  drift?: {
    get(cluster: string, vmid: number): Promise<GuestDrift | undefined>;
  };
}

const round = (n: number, digits: number) =>
  Math.round(n * 10 ** digits) / 10 ** digits;
const mib = (bytes?: number) =>
  bytes === undefined ? undefined : Math.round(bytes / MiB);
const gib = (bytes?: number) =>
  bytes === undefined ? undefined : round(bytes / GiB, 2);

/** Loopback and link-local addresses say nothing about how to reach a guest. */
function reachable(address: string): boolean {
  const a = address.toLowerCase();
  return !(
    a.startsWith('127.') ||
    a === '::1' ||
    a.startsWith('fe80:') ||
    a.startsWith('169.254.')
  );
}

/**
 * Live facts for the entity pages: one guest (status/current and the guest
 * agent's addresses), one node's capacity and a cluster's summary. Node and
 * cluster figures, and where a guest runs, come from the cluster read the
 * inventory caches for a few seconds (`cacheTtlMs`), so pages that refresh
 * do not multiply `/cluster/resources` calls. Nothing here is secret-bearing:
 * failures are described without credentials.
 */
export class LiveService {
  readonly #inventory: InventoryService;
  readonly #clusters: ProxmoxClusters;
  readonly #logger: LoggerService;
  readonly #agentTimeoutMs: number;
  readonly #options: LiveServiceOptions;

  constructor(options: LiveServiceOptions) {
    this.#inventory = options.inventory;
    this.#clusters = options.clusters;
    this.#logger = options.logger;
    this.#agentTimeoutMs = options.agentTimeoutMs ?? 2000;
    this.#options = options;
  }

  async guest(cluster: string, vmid: number): Promise<GuestLiveStatus> {
    const snapshot = await this.#snapshot(cluster);
    const g = snapshot.guests.find(x => x.vmid === vmid);
    if (!g) {
      throw new NotFoundError(`No guest ${vmid} in cluster '${cluster}'`);
    }
    const [facts, record, leaseAndDrift] = await Promise.all([
      g.type === 'qemu' ? this.#qemu(cluster, g) : this.#fromResource(g),
      this.#inventory
        .guestRecords(cluster, [vmid])
        .then(m => m.get(vmid))
        .catch(error => {
          this.#logger.warn(
            `Could not read the request of guest ${cluster}/${vmid}: ${describeFailure(
              error,
            )}`,
          );
          return undefined;
        }),
      this.#leaseAndDrift(cluster, vmid),
    ]);
    return {
      cluster,
      node: g.node,
      vmid,
      type: g.type,
      ...facts,
      ...(record
        ? {
            requestId: record.requestId,
            owner: record.owner,
            ...(record.leaseEndsAt ? { leaseEndsAt: record.leaseEndsAt } : {}),
          }
        : {}),
      ...leaseAndDrift,
    };
  }

  /** The guest's lease and last drift check (from the database), when known. */
  async #leaseAndDrift(
    cluster: string,
    vmid: number,
  ): Promise<Pick<GuestLiveStatus, 'lease' | 'drift'>> {
    const { leases, drift } = this.#options;
    try {
      const [lease, found] = await Promise.all([
        leases?.get(cluster, vmid),
        drift?.get(cluster, vmid),
      ]);
      return {
        ...(lease ? { lease } : {}),
        ...(found ? { drift: found } : {}),
      };
    } catch (error) {
      this.#logger.warn(
        `Could not read the lease or drift of guest ${cluster}/${vmid}: ${describeFailure(
          error,
        )}`,
      );
      return {};
    }
  }

  async node(cluster: string, node: string): Promise<NodeCapacity> {
    const snapshot = await this.#snapshot(cluster);
    const n = snapshot.nodes.find(x => x.node === node);
    if (!n) {
      throw new NotFoundError(`No node '${node}' in cluster '${cluster}'`);
    }
    return {
      ...nodeFigures(cluster, n),
      storages: snapshot.storages
        .filter(s => s.node === node && s.maxdisk !== undefined)
        .map(s => ({
          name: s.storage,
          shared: s.shared,
          usedGiB: gib(s.disk ?? 0)!,
          totalGiB: gib(s.maxdisk)!,
        }))
        .sort((a, b) => byName(a.name, b.name)),
      guests: guestsOn(snapshot, node).map(g => ({
        vmid: g.vmid,
        ...(g.name ? { name: g.name } : {}),
        type: g.type,
        status: g.status ?? 'unknown',
      })),
    };
  }

  async cluster(cluster: string): Promise<ClusterSummary> {
    const snapshot = await this.#snapshot(cluster);
    const nodes = snapshot.nodes
      .map(n => ({
        ...nodeFigures(cluster, n),
        guests: guestsOn(snapshot, n.node).length,
      }))
      .sort((a, b) => byName(a.node, b.node));
    const sum = (f: (n: (typeof nodes)[number]) => number | undefined) =>
      nodes.reduce((total, n) => total + (f(n) ?? 0), 0);
    return {
      cluster,
      nodes,
      totals: {
        nodes: nodes.length,
        onlineNodes: nodes.filter(n => n.status === 'online').length,
        guests: snapshot.guests.filter(g => !g.template).length,
        cpus: sum(n => n.cpus),
        memoryUsedMiB: sum(n => n.memoryUsedMiB),
        memoryMaxMiB: sum(n => n.memoryMaxMiB),
      },
    };
  }

  async #snapshot(cluster: string): Promise<ClusterSnapshot> {
    try {
      return await this.#inventory.clusterSnapshot(cluster);
    } catch (error) {
      if (error instanceof NotFoundError) throw error;
      throw this.#unavailable(cluster, error);
    }
  }

  #unavailable(cluster: string, error: unknown): Error {
    const message = describeFailure(error);
    this.#logger.warn(`Could not read Proxmox cluster ${cluster}: ${message}`);
    return new ServiceUnavailableError(
      `Could not read the Proxmox cluster '${cluster}': ${message}`,
    );
  }

  async #qemu(
    cluster: string,
    g: PveGuestResource,
  ): Promise<Omit<GuestLiveStatus, 'cluster' | 'node' | 'vmid' | 'type'>> {
    const pve = this.#clusters.get(cluster);
    let s;
    try {
      s = await pve.getVmStatus({ node: g.node, vmid: g.vmid });
    } catch (error) {
      if (
        error instanceof ProxmoxApiError &&
        /does not exist/i.test(error.pveMessage)
      ) {
        throw new NotFoundError(`No guest ${g.vmid} in cluster '${cluster}'`);
      }
      throw this.#unavailable(cluster, error);
    }
    const running = s.status === 'running';
    let ipAddresses: string[] = [];
    let agent: GuestLiveStatus['agent'] = 'unavailable';
    if (running && s.agent) {
      try {
        const interfaces = await pve.getGuestNetworkInterfaces(
          { node: g.node, vmid: g.vmid },
          { timeoutMs: this.#agentTimeoutMs, retry: false },
        );
        ipAddresses = [
          ...new Set(
            interfaces
              .flatMap(i => i.addresses.map(a => a.address))
              .filter(reachable),
          ),
        ];
        agent = 'ok';
      } catch {
        // not installed, not started yet, or too slow: the page shows it so
      }
    }
    return {
      ...(s.name ?? g.name ? { name: s.name ?? g.name } : {}),
      status:
        running && s.qmpstatus && s.qmpstatus !== 'running'
          ? s.qmpstatus
          : s.status,
      ...(s.lock ? { lock: s.lock } : {}),
      ...(s.uptime !== undefined ? { uptimeSeconds: s.uptime } : {}),
      ...(s.cpu !== undefined ? { cpuUsage: round(s.cpu, 4) } : {}),
      ...(s.cpus !== undefined ? { cpus: s.cpus } : {}),
      ...(s.mem !== undefined ? { memoryUsedMiB: mib(s.mem) } : {}),
      ...(s.maxmem !== undefined ? { memoryMaxMiB: mib(s.maxmem) } : {}),
      ...(s.maxdisk !== undefined ? { diskMaxGiB: gib(s.maxdisk) } : {}),
      ipAddresses,
      agent,
    };
  }

  /** Containers (no guest agent): the figures of the cluster read. */
  async #fromResource(
    g: PveGuestResource,
  ): Promise<Omit<GuestLiveStatus, 'cluster' | 'node' | 'vmid' | 'type'>> {
    return {
      ...(g.name ? { name: g.name } : {}),
      status: g.status ?? 'unknown',
      ...(g.lock ? { lock: g.lock } : {}),
      ...(g.uptime !== undefined ? { uptimeSeconds: g.uptime } : {}),
      ...(g.cpu !== undefined ? { cpuUsage: round(g.cpu, 4) } : {}),
      ...(g.maxcpu !== undefined ? { cpus: g.maxcpu } : {}),
      ...(g.mem !== undefined ? { memoryUsedMiB: mib(g.mem) } : {}),
      ...(g.maxmem !== undefined ? { memoryMaxMiB: mib(g.maxmem) } : {}),
      ...(g.maxdisk !== undefined ? { diskMaxGiB: gib(g.maxdisk) } : {}),
      ipAddresses: [],
      agent: 'unavailable',
    };
  }
}

function nodeFigures(
  cluster: string,
  n: PveNodeResource,
): Omit<NodeCapacity, 'storages' | 'guests'> {
  return {
    cluster,
    node: n.node,
    status: n.status ?? 'unknown',
    ...(n.maxcpu !== undefined ? { cpus: n.maxcpu } : {}),
    ...(n.cpu !== undefined ? { cpuUsage: round(n.cpu, 4) } : {}),
    ...(n.mem !== undefined ? { memoryUsedMiB: mib(n.mem) } : {}),
    ...(n.maxmem !== undefined ? { memoryMaxMiB: mib(n.maxmem) } : {}),
  };
}

/** The guests (templates apart) of a node, by VMID. */
function guestsOn(snapshot: ClusterSnapshot, node: string) {
  return snapshot.guests
    .filter(g => g.node === node && !g.template)
    .sort((a, b) => a.vmid - b.vmid);
}
