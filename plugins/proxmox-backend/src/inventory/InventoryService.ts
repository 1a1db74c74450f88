import type { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type {
  InventoryCluster,
  ProxmoxInventory,
  ProxmoxOptions,
} from '@mycopod/plugin-proxmox-common';
import type {
  ProxmoxClient,
  ProxmoxClusters,
  PveGuestResource,
} from '@mycopod/plugin-proxmox-node';
import type { GuestRecord } from '../database/RequestStore';
import { findBootDisk } from './bootDisk';
import { contentHash } from './canonical';
import {
  ClusterSnapshot,
  SharedTtlCache,
  readClusterSnapshot,
} from './clusterSnapshot';
import { describeFailure } from './describeFailure';
import { Placement, PlacementWish, placeClone } from './placement';
import {
  GiB,
  allows,
  byName,
  emptyCluster,
  inventoryCluster,
  nodeCapacity,
  storageChoices,
} from './shape';

export type { Placement, PlacementWish } from './placement';

/** What the requests say about guests MycoPod created, by VMID (only `vmids` when given). */
export type GuestOwners = (
  cluster: string,
  vmids?: number[],
) => Promise<Map<number, GuestRecord>>;

/** Allow lists of the policy; `'*'` in a list allows anything. */
export interface AllowedChoices {
  /** Template names or VMIDs (as strings). */
  templates: string[];
  /** Bridge or vnet names. */
  networks: string[];
  securityGroups: string[];
}

/** What the policy contributes to `GET /options`. */
export interface OptionsQuery {
  cluster?: string;
  allowed?: AllowedChoices;
  sizePresets: ProxmoxOptions['sizePresets'];
  lease: ProxmoxOptions['lease'];
  limits: ProxmoxOptions['limits'];
}

/** A Proxmox template resolved for provisioning. */
export interface ResolvedTemplate {
  vmid: number;
  name: string;
  node: string;
  /** Boot disk size (GiB, may be fractional). */
  diskGiB: number;
  /** Storage of the boot disk. */
  storage?: string;
}

export interface InventoryServiceOptions {
  clusters: ProxmoxClusters;
  logger: LoggerService;
  /** How long one read of a cluster is reused (default 5000 ms). */
  cacheTtlMs?: number;
  guestOwners: GuestOwners;
}

/**
 * Reads what exists in the configured Proxmox clusters: the inventory the
 * catalog module syncs, the choices of the request forms, template lookup
 * and node placement. Every cluster read is one `/cluster/resources` call
 * (plus the firewall groups), reused for `cacheTtlMs`; concurrent callers
 * share one in-flight read.
 */
export class InventoryService {
  readonly #clusters: ProxmoxClusters;
  readonly #logger: LoggerService;
  readonly #ttl: number;
  readonly #guestOwners: GuestOwners;
  readonly #snapshots: SharedTtlCache<ClusterSnapshot>;
  /** By cluster name, `''` for the whole inventory. */
  readonly #inventories: SharedTtlCache<ProxmoxInventory>;

  constructor(options: InventoryServiceOptions) {
    this.#clusters = options.clusters;
    this.#logger = options.logger;
    this.#ttl = options.cacheTtlMs ?? 5000;
    this.#guestOwners = options.guestOwners;
    this.#snapshots = new SharedTtlCache(this.#ttl, v => v.fetchedAt);
    // as old as the oldest cluster read it is made of (the reads are cached too)
    this.#inventories = new SharedTtlCache(this.#ttl, v =>
      Math.min(Date.parse(v.generatedAt), ...this.#readTimes(v)),
    );
  }

  /**
   * Forgets the cached reads of a cluster (a guest was created, changed or
   * removed through MycoPod), so the next inventory shows the change at once.
   */
  invalidate(cluster: string): void {
    this.#snapshots.invalidate(cluster);
    this.#inventories.invalidate();
  }

  /**
   * Every configured cluster, or only `cluster` (a NotFoundError for one that
   * is not configured); a cluster that cannot be read carries `error`. The
   * hash covers exactly the clusters returned.
   */
  async getInventory(cluster?: string): Promise<ProxmoxInventory> {
    if (cluster !== undefined) {
      this.#assertCluster(cluster);
      return this.#inventories.get(cluster, () =>
        this.#buildInventory([cluster]),
      );
    }
    return this.#inventories.get('', () =>
      this.#buildInventory(this.#clusters.list()),
    );
  }

  async #buildInventory(names: string[]): Promise<ProxmoxInventory> {
    const clusters = await Promise.all(
      names.map(name => this.#inventoryCluster(name)),
    );
    return {
      hash: contentHash(clusters),
      generatedAt: new Date().toISOString(),
      clusters,
    };
  }

  /** Throws a NotFoundError for a cluster that is not configured. */
  #assertCluster(cluster: string): void {
    if (!this.#clusters.list().includes(cluster)) {
      throw new NotFoundError(
        `No Proxmox cluster named '${cluster}' is configured`,
      );
    }
  }

  /** The configured cluster names. */
  clusterNames(): string[] {
    return this.#clusters.list();
  }

  /**
   * The (shortly cached, shared) read of one cluster; a NotFoundError for a
   * cluster that is not configured.
   */
  async clusterSnapshot(cluster: string): Promise<ClusterSnapshot> {
    this.#assertCluster(cluster);
    return this.#snapshot(cluster);
  }

  /** The request facts of guests of a cluster (owner, request, lease). */
  guestRecords(
    cluster: string,
    vmids?: number[],
  ): Promise<Map<number, GuestRecord>> {
    return this.#guestOwners(cluster, vmids);
  }

  #readTimes(inventory: ProxmoxInventory): number[] {
    return inventory.clusters
      .map(c => this.#fetchedAt.get(c))
      .filter((t): t is number => t !== undefined);
  }

  /** When the snapshot behind an inventory cluster entry was read. */
  readonly #fetchedAt = new WeakMap<InventoryCluster, number>();

  async #inventoryCluster(name: string): Promise<InventoryCluster> {
    let snapshot: ClusterSnapshot;
    try {
      snapshot = await this.#snapshot(name);
    } catch (error) {
      const message = describeFailure(error);
      this.#logger.warn(`Could not read Proxmox cluster ${name}: ${message}`);
      return emptyCluster(name, `Could not read the cluster: ${message}`);
    }
    let owners: Map<number, GuestRecord>;
    try {
      owners = await this.#guestOwners(name);
    } catch (error) {
      const message = describeFailure(error);
      this.#logger.error(
        `Could not read the owners of the guests of ${name}: ${message}`,
      );
      return emptyCluster(name, 'Could not read the owners of the guests');
    }
    const cluster = inventoryCluster(name, snapshot, owners);
    this.#fetchedAt.set(cluster, snapshot.fetchedAt);
    return cluster;
  }

  /** What a user may choose from for a new VM in one cluster (live). */
  async getOptions(q: OptionsQuery): Promise<ProxmoxOptions> {
    const names = this.#clusters.list();
    const cluster = q.cluster ?? names[0];
    if (!cluster || !names.includes(cluster)) {
      throw new NotFoundError(
        q.cluster
          ? `No Proxmox cluster named '${q.cluster}' is configured`
          : 'No Proxmox cluster is configured',
      );
    }
    const pve = this.#clusters.get(cluster);
    const snapshot = await this.#snapshot(cluster);
    const online = snapshot.nodes.filter(n => n.status === 'online');
    const allowed = q.allowed;

    const [templates, bridges, vnets] = await Promise.all([
      Promise.all(
        snapshot.guests
          .filter(g => g.template && g.type === 'qemu')
          .filter(g => allows(allowed?.templates, String(g.vmid), g.name ?? ''))
          .map(g => this.#templateDetails(pve, cluster, g)),
      ),
      this.#bridges(
        pve,
        cluster,
        online.map(n => n.node),
      ),
      pve.listSdnVnets().then(
        list => list.map(v => v.vnet),
        error => {
          this.#logger.warn(
            `Could not list the SDN vnets of ${cluster}: ${describeFailure(
              error,
            )}`,
          );
          return [] as string[];
        },
      ),
    ]);

    return {
      clusters: names.map((name, i) => ({ name, default: i === 0 })),
      cluster,
      templates: templates.sort((a, b) => a.vmid - b.vmid),
      nodes: snapshot.nodes
        .map(n => nodeCapacity(n))
        .sort((a, b) => byName(a.name, b.name)),
      storages: storageChoices(snapshot.storages),
      bridges: bridges.filter(b => allows(allowed?.networks, b)),
      vnets: [...new Set(vnets)]
        .filter(v => allows(allowed?.networks, v))
        .sort(byName),
      securityGroups: snapshot.firewallGroups
        .map(g => g.group)
        .filter(g => allows(allowed?.securityGroups, g))
        .sort(byName),
      sizePresets: q.sizePresets,
      lease: q.lease,
      limits: q.limits,
    };
  }

  /** A template (`template=1`) of a cluster by VMID or name. */
  async resolveTemplate(
    cluster: string,
    template: number | string,
  ): Promise<ResolvedTemplate | undefined> {
    const pve = this.#clusters.get(cluster);
    const snapshot = await this.#snapshot(cluster);
    const vmid = /^\d+$/.test(String(template)) ? Number(template) : NaN;
    const candidates = snapshot.guests.filter(
      g =>
        g.template &&
        g.type === 'qemu' &&
        (g.vmid === vmid || g.name === String(template)),
    );
    // a VMID match wins over a template that happens to be named like a number
    const found = candidates.find(g => g.vmid === vmid) ?? candidates[0];
    return found ? this.#templateDetails(pve, cluster, found) : undefined;
  }

  /**
   * The node (and storage) for a clone of `template`: the wanted node when
   * it exists and is online, else the online node with the most free memory
   * that can reach the template's storage (shared storage: every node that
   * has it; local storage: only the template's node).
   */
  async choosePlacement(
    cluster: string,
    template: { node: string; storage?: string },
    wanted?: PlacementWish,
  ): Promise<Placement> {
    this.#clusters.get(cluster); // NotFoundError for unknown clusters
    return placeClone(cluster, await this.#snapshot(cluster), template, wanted);
  }

  async #templateDetails(
    pve: ProxmoxClient,
    cluster: string,
    g: PveGuestResource,
  ): Promise<ResolvedTemplate> {
    const base = { vmid: g.vmid, name: g.name ?? `VM ${g.vmid}`, node: g.node };
    try {
      const config = await pve.getVmConfig({ node: g.node, vmid: g.vmid });
      const disk = findBootDisk(config.raw);
      if (disk && disk.sizeGiB > 0) {
        return { ...base, diskGiB: disk.sizeGiB, storage: disk.storage };
      }
    } catch (error) {
      this.#logger.warn(
        `Could not read the config of template ${
          g.vmid
        } in ${cluster}: ${describeFailure(error)}`,
      );
    }
    // cluster/resources reports the boot disk size as maxdisk
    return {
      ...base,
      diskGiB: Math.round(((g.maxdisk ?? 0) / GiB) * 1000) / 1000,
    };
  }

  async #bridges(
    pve: ProxmoxClient,
    cluster: string,
    nodes: string[],
  ): Promise<string[]> {
    const results = await Promise.allSettled(
      nodes.map(node => pve.listNodeNetworks({ node, type: 'bridge' })),
    );
    const bridges = new Set<string>();
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        for (const n of r.value) if (n.type === 'bridge') bridges.add(n.iface);
      } else {
        this.#logger.warn(
          `Could not list the bridges of ${cluster}/${
            nodes[i]
          }: ${describeFailure(r.reason)}`,
        );
      }
    });
    return [...bridges].sort(byName);
  }

  /** One read of a cluster, reused for the TTL; concurrent callers share it. */
  #snapshot(cluster: string): Promise<ClusterSnapshot> {
    return this.#snapshots.get(cluster, () =>
      readClusterSnapshot(this.#clusters.get(cluster)),
    );
  }
}
