import type {
  ProxmoxClient,
  PveClusterResource,
  PveFirewallGroup,
  PveGuestResource,
  PveNodeResource,
  PveStorageResource,
} from '@mycopod/plugin-proxmox-node';

/** A guest `/cluster/resources` listed that the client could not parse. */
export type PveUnparsedGuest = Extract<
  PveClusterResource,
  { type: 'unparsed' }
>;

/** One `/cluster/resources` read plus the firewall groups of a cluster. */
export interface ClusterSnapshot {
  /** When the read started (ms since the epoch). */
  fetchedAt: number;
  nodes: PveNodeResource[];
  /** Guests, templates included. */
  guests: PveGuestResource[];
  /** One entry per storage and node (shared storages on every node). */
  storages: PveStorageResource[];
  firewallGroups: PveFirewallGroup[];
  /** Guests that could not be parsed (reported, never dropped silently). */
  unparsed: PveUnparsedGuest[];
}

/** Reads a cluster: ONE unfiltered `/cluster/resources` call and the firewall groups. */
export async function readClusterSnapshot(
  pve: ProxmoxClient,
): Promise<ClusterSnapshot> {
  const fetchedAt = Date.now();
  const [resources, firewallGroups] = await Promise.all([
    pve.listClusterResources(),
    pve.listFirewallGroups(),
  ]);
  const of = <T extends PveClusterResource['type']>(type: T) =>
    resources.filter(r => r.type === type) as Array<
      Extract<PveClusterResource, { type: T }>
    >;
  return {
    fetchedAt,
    nodes: of('node'),
    guests: resources.filter(
      (r): r is PveGuestResource => r.type === 'qemu' || r.type === 'lxc',
    ),
    storages: of('storage'),
    firewallGroups,
    unparsed: of('unparsed'),
  };
}

interface Entry<T> {
  at: number;
  value?: T;
  pending?: Promise<T>;
}

/**
 * Values by key, reused for `ttlMs` after they were loaded; concurrent
 * callers of a key share one in-flight load. Failures are not kept.
 */
export class SharedTtlCache<T> {
  readonly #entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttlMs: number,
    /** When a value was taken (default: when its load started). */
    private readonly takenAt?: (value: T) => number,
  ) {}

  /**
   * Forgets a key (all keys without one): the next `get` loads again, and a
   * load already under way is not reused (it may predate the change).
   */
  invalidate(key?: string): void {
    if (key === undefined) this.#entries.clear();
    else this.#entries.delete(key);
  }

  async get(key: string, load: () => Promise<T>): Promise<T> {
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { at: 0 };
      this.#entries.set(key, entry);
    }
    if (entry.value !== undefined && Date.now() - entry.at < this.ttlMs) {
      return entry.value;
    }
    if (entry.pending) return entry.pending;
    const started = Date.now();
    const pending = load();
    entry.pending = pending;
    try {
      const value = await pending;
      if (this.#entries.get(key) === entry) {
        entry.value = value;
        entry.at = this.takenAt?.(value) ?? started;
      }
      return value;
    } finally {
      if (entry.pending === pending) entry.pending = undefined;
    }
  }
}
