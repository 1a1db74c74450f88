import type {
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_PROXMOX_VMID,
  type InventoryCluster,
} from '@mycopod/plugin-proxmox-common';
import type { ClusterConfig, ProviderConfig } from './config';
import { clusterEntities } from './entities';
import type { InventoryReader } from './InventoryReader';

/** What a refresh did (for logs and tests). */
export type RefreshOutcome =
  | 'applied'
  | 'unchanged'
  | 'not-modified'
  | 'unreachable'
  | 'shrink-refused'
  | 'no-baseline'
  | 'not-connected';

export interface RefreshOptions {
  /** `full` replaces every entity of the provider; `delta` sends the changes. */
  mode: 'full' | 'delta';
  /** A guest an event announced as removed: its loss is expected. */
  removedVmid?: number;
}

/** Reads the entities this provider emitted before (e.g. from the catalog). */
export type BaselineSource = (locationRef: string) => Promise<Entity[]>;

const refOf = (e: Entity) => stringifyEntityRef(e);
const vmidOf = (e: Entity) => e.metadata.annotations?.[ANNOTATION_PROXMOX_VMID];

/**
 * The catalog entities of one Proxmox cluster (`proxmox-provider:<cluster>`):
 * a full mutation on every scheduled refresh, a delta on guest events.
 * Refreshes of one provider run one at a time. A cluster that cannot be
 * read, or whose guests vanish in bulk, keeps its entities.
 */
export class ProxmoxEntityProvider implements EntityProvider {
  readonly #cluster: ClusterConfig;
  readonly #config: ProviderConfig;
  readonly #reader: InventoryReader;
  readonly #logger: LoggerService;
  readonly #baselineSource?: BaselineSource;
  readonly #taskRunner?: SchedulerServiceTaskRunner;
  #connection?: EntityProviderConnection;
  /** Last emitted entities by ref, as JSON; undefined until the first apply. */
  #emitted?: Map<string, { entity: Entity; json: string }>;
  #etag?: string;
  /** vmids of the last good read (guests and templates). */
  #visible = new Set<number>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: {
    cluster: ClusterConfig;
    config: ProviderConfig;
    reader: InventoryReader;
    logger: LoggerService;
    /** Where the previous entities are read when this process has none yet. */
    baselineSource?: BaselineSource;
    /** Runs the scheduled full refresh (`<provider name>:refresh`). */
    taskRunner?: SchedulerServiceTaskRunner;
  }) {
    this.#taskRunner = options.taskRunner;
    this.#cluster = options.cluster;
    this.#config = options.config;
    this.#reader = options.reader;
    this.#logger = options.logger.child({
      provider: this.getProviderName(),
    });
    this.#baselineSource = options.baselineSource;
  }

  getProviderName(): string {
    return `proxmox-provider:${this.#cluster.name}`;
  }

  get clusterName(): string {
    return this.#cluster.name;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.#connection = connection;
    await this.#taskRunner?.run({
      id: `${this.getProviderName()}:refresh`,
      fn: async () => {
        await this.refresh({ mode: 'full' });
      },
    });
  }

  /** Whether the last good read listed this vmid. */
  sees(vmid: number): boolean {
    return this.#visible.has(vmid);
  }

  /** Reads the cluster and applies a mutation; one refresh at a time. */
  refresh(options: RefreshOptions): Promise<RefreshOutcome> {
    const run = this.#queue.then(() => this.#refresh(options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #refresh(options: RefreshOptions): Promise<RefreshOutcome> {
    const connection = this.#connection;
    if (!connection) return 'not-connected';
    const name = this.#cluster.name;

    let read;
    try {
      read = await this.#reader.read(name, this.#etag);
    } catch (error) {
      this.#logger.warn(
        `Proxmox cluster ${name} could not be read, keeping its catalog entities: ${error}`,
      );
      return 'unreachable';
    }
    if (read.status === 'not-modified') return 'not-modified';
    const inv = read.cluster;
    if (!inv || inv.error) {
      this.#logger.warn(
        `Proxmox cluster ${name} could not be read, keeping its catalog entities: ${
          inv?.error ?? 'the inventory does not list it'
        }`,
      );
      return 'unreachable';
    }

    let baseline;
    try {
      baseline = await this.#baseline();
    } catch (error) {
      this.#logger.warn(
        `Could not read the catalog entities of Proxmox cluster ${name} to compare with, keeping them as they are: ${error}`,
      );
      return 'no-baseline';
    }
    const entities = clusterEntities(this.#cluster, inv, this.#config);
    const next = new Map(
      entities.map(e => [refOf(e), { entity: e, json: JSON.stringify(e) }]),
    );
    this.#keepUnparsed(inv, baseline, next);

    const vanished = [...baseline.values()].filter(
      e =>
        vmidOf(e.entity) !== undefined &&
        !next.has(refOf(e.entity)) &&
        vmidOf(e.entity) !== String(options.removedVmid),
    );
    const guestsBefore = [...baseline.values()].filter(
      e => vmidOf(e.entity) !== undefined,
    ).length;
    if (
      vanished.length > 1 &&
      vanished.length > this.#config.maxDeletionRatio * guestsBefore
    ) {
      this.#logger.warn(
        `Refusing to remove ${
          vanished.length
        } of ${guestsBefore} guests of Proxmox cluster ${name} at once (more than proxmox.catalog.maxDeletionRatio ${
          this.#config.maxDeletionRatio
        }); keeping its catalog entities. A token that lost privileges shows fewer guests. Removed: ${vanished
          .map(e => e.entity.metadata.name)
          .join(', ')}`,
      );
      return 'shrink-refused';
    }

    const locationKey = this.getProviderName();
    const changed = [...next.entries()].filter(
      ([ref, e]) => baseline.get(ref)?.json !== e.json,
    );
    const removed = [...baseline.keys()].filter(ref => !next.has(ref));
    if (options.mode === 'full') {
      await connection.applyMutation({
        type: 'full',
        entities: [...next.values()].map(e => ({
          entity: e.entity,
          locationKey,
        })),
      });
    } else if (changed.length || removed.length) {
      await connection.applyMutation({
        type: 'delta',
        added: changed.map(([, e]) => ({ entity: e.entity, locationKey })),
        removed: removed.map(entityRef => ({ entityRef, locationKey })),
      });
    }
    this.#emitted = next;
    this.#etag = read.etag;
    this.#visible = new Set([
      ...inv.guests.map(g => g.vmid),
      ...inv.templates.map(t => t.vmid),
    ]);
    if (changed.length || removed.length) {
      this.#logger.info(
        `Proxmox cluster ${name}: ${options.mode} mutation, ${changed.length} added or changed, ${removed.length} removed`,
      );
      return 'applied';
    }
    return 'unchanged';
  }

  /** Guests Proxmox listed but the inventory could not parse keep their last entity. */
  #keepUnparsed(
    inv: InventoryCluster,
    baseline: Map<string, { entity: Entity; json: string }>,
    next: Map<string, { entity: Entity; json: string }>,
  ) {
    for (const u of inv.unparsed ?? []) {
      const kept = [...baseline.entries()].filter(
        ([ref, e]) =>
          u.vmid !== undefined &&
          vmidOf(e.entity) === String(u.vmid) &&
          !next.has(ref),
      );
      for (const [ref, e] of kept) next.set(ref, e);
      this.#logger.warn(
        `Proxmox cluster ${this.#cluster.name}: guest ${u.vmid ?? '(no vmid)'}${
          u.node ? ` on ${u.node}` : ''
        } could not be understood (${u.reason}); ${
          kept.length
            ? 'keeping its last catalog entity'
            : 'it has no catalog entity to keep'
        }`,
      );
    }
  }

  /** The entities emitted last: from memory, else from the catalog. */
  async #baseline(): Promise<Map<string, { entity: Entity; json: string }>> {
    if (this.#emitted) return this.#emitted;
    const out = new Map<string, { entity: Entity; json: string }>();
    if (!this.#baselineSource) return out;
    const entities = await this.#baselineSource(
      `proxmox:${this.#cluster.name}`,
    );
    for (const e of entities) {
      out.set(refOf(e), { entity: e, json: JSON.stringify(e) });
    }
    return out;
  }
}
