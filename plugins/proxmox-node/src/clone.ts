import { ENDPOINTS, buildRequest } from './endpoints';
import { ProxmoxApiError } from './errors';
import type { CallOptions } from './http';
import { internals } from './internals';
import type { ProxmoxApi } from './ProxmoxApi';
import { PveQemuConfig, PveQemuStatus, qemuConfigSchema } from './schemas';

/** @public */
export interface AllocateVmidOptions {
  /** First candidate (default: Proxmox's `GET /cluster/nextid`). */
  start?: number;
  /**
   * Optional external reservation (e.g. a unique row in a database shared by
   * several backend replicas). Return false when the id is taken.
   */
  reserve?: (vmid: number) => Promise<boolean>;
  /** Candidates to try before giving up (default 200). */
  maxCandidates?: number;
  /** How long the in-process claim lives unless released (default 15 min). */
  claimTtlMs?: number;
  signal?: AbortSignal;
}

/**
 * Parameters of {@link ProxmoxClient.cloneTo} (Proxmox's own names).
 *
 * @public
 */
export interface CloneToParams {
  /** Node of the source VM/template. */
  node: string;
  /** Source VM/template id. */
  vmid: number;
  /** Target VMID (allocate it with `allocateVmid`, record it, then dispatch). */
  newid: number;
  name?: string;
  description?: string;
  pool?: string;
  storage?: string;
  format?: 'raw' | 'qcow2' | 'vmdk';
  /** Full clone (default: Proxmox decides — linked for templates). */
  full?: boolean;
  /** Target node (default: source node). */
  target?: string;
  snapname?: string;
  bwlimit?: number;
}

/**
 * Outcome of one clone dispatch ({@link ProxmoxClient.cloneTo}).
 *
 * - `dispatched`: Proxmox accepted the clone; `upid` is its `qmclone` task.
 * - `taken`: Proxmox says the VMID already exists. It may be the caller's
 *   own guest from an earlier dispatch: check with `findGuest` (e.g. a marker
 *   in its description).
 * - `ambiguous`: a transient failure after which the clone may or may not
 *   have been applied (reset, timeout, 502, 596…). Record it and re-send to
 *   the SAME `newid` later: Proxmox's "already exists" makes it happen once.
 *
 * @public
 */
export type CloneDispatch =
  | { outcome: 'dispatched'; upid: string }
  | { outcome: 'taken'; error: ProxmoxApiError }
  | { outcome: 'ambiguous'; error: ProxmoxApiError };

/**
 * Where a guest lives ({@link ProxmoxClient.findGuest}).
 *
 * @public
 */
export interface FoundGuest {
  node: string;
  type: 'qemu' | 'lxc';
  /**
   * The guest's config (`name`, `description`, `tags`, `lock` …). For a
   * container only `name`, `tags` and `lock` from `/cluster/resources`.
   */
  config: PveQemuConfig;
  /** `status/current` of a VM, with `withStatus: true`. */
  status?: PveQemuStatus;
}

/** @public */
export interface FindGuestOptions extends CallOptions {
  /** Also read `status/current` of a VM (one more request). */
  withStatus?: boolean;
}

/** See `ProxmoxClient.allocateVmid`. */
export async function allocateVmid(
  api: ProxmoxApi,
  options: AllocateVmidOptions = {},
): Promise<number> {
  const { claims, http } = internals(api);
  const maxCandidates = options.maxCandidates ?? 200;
  const ttl = options.claimTtlMs ?? 15 * 60_000;
  const callOpts = { signal: options.signal };
  // The candidate `/cluster/nextid` just returned is not probed again with
  // `?vmid=`: Proxmox said it is free a moment ago. Should it be taken
  // meanwhile, the clone to it fails with "already exists" (`taken`).
  const fromNextId = options.start === undefined;
  let candidate = options.start ?? (await api.getNextVmid({}, callOpts));
  for (let tries = 0; tries < maxCandidates; tries++, candidate++) {
    options.signal?.throwIfAborted();
    if (candidate > 999_999_999) break;
    if (!claims.tryClaim(candidate, ttl)) continue;
    let free: boolean;
    try {
      if (!(fromNextId && tries === 0)) {
        await api.getNextVmid({ vmid: candidate }, callOpts);
      }
      free = true;
    } catch (e) {
      if (
        e instanceof ProxmoxApiError &&
        e.status === 400 &&
        e.isAlreadyExists
      ) {
        free = false;
      } else {
        claims.release(candidate);
        throw e;
      }
    }
    if (free && options.reserve) {
      try {
        free = await options.reserve(candidate);
      } catch (e) {
        claims.release(candidate);
        throw e;
      }
    }
    if (free) return candidate;
    claims.release(candidate);
  }
  throw http.newError(buildRequest(ENDPOINTS.nextId, {}), {
    kind: 'http',
    pveMessage: `no free VMID found after ${maxCandidates} candidates`,
    transient: false,
    maybeApplied: false,
  });
}

/**
 * Sends one clone request and classifies its outcome, holding a slot of the
 * per-source clone limiter. `keepSlot` receives the slot's release function
 * when the clone was dispatched (the caller releases it when the task ends);
 * otherwise the slot is released before returning.
 */
export async function dispatchClone(
  api: ProxmoxApi,
  params: CloneToParams,
  options: CallOptions,
  keepSlot: (release: () => void, upid: string) => void,
): Promise<CloneDispatch> {
  const { cloneLimiter } = internals(api);
  const release = await cloneLimiter.acquire(
    `${params.node}/${params.vmid}`,
    options.signal,
  );
  let kept = false;
  try {
    // `call` retries only failures that prove nothing was applied
    // (connect errors, 595/503/429, lock timeouts): a clone is not idempotent
    const upid = await api.cloneVm(params, options);
    kept = true;
    keepSlot(release, upid);
    return { outcome: 'dispatched', upid };
  } catch (e) {
    if (!(e instanceof ProxmoxApiError) || e.kind === 'aborted') throw e;
    if (e.isAlreadyExists && !e.transient)
      return { outcome: 'taken', error: e };
    if (e.transient && e.maybeApplied)
      return { outcome: 'ambiguous', error: e };
    throw e;
  } finally {
    if (!kept) release();
  }
}

/** See `ProxmoxClient.findGuest`. */
export async function findGuest(
  api: ProxmoxApi,
  vmid: number,
  nodes: string[] = [],
  options: FindGuestOptions = {},
): Promise<FoundGuest | null> {
  const { withStatus, ...call } = options;
  let unreadable: unknown;
  const read = async (node: string): Promise<FoundGuest | null> => {
    try {
      const config = await api.getVmConfig({ node, vmid }, call);
      const status = withStatus
        ? await api.getVmStatus({ node, vmid }, call)
        : undefined;
      return { node, type: 'qemu', config, ...(status ? { status } : {}) };
    } catch (e) {
      if (e instanceof ProxmoxApiError && e.isNotFound) return null;
      if (e instanceof ProxmoxApiError && e.kind !== 'aborted') {
        unreadable = e; // e.g. node offline (595): absence is not proven
        return null;
      }
      throw e;
    }
  };
  // Given nodes first: `/cluster/resources` lags behind fresh guests.
  for (const node of new Set(nodes)) {
    const found = await read(node);
    if (found) return found;
  }
  // A guest can move between the lookups (a cross-node clone moves its
  // config to the target node when it finishes): look again a few times.
  for (let round = 0; round < 3; round++) {
    const resources = await api.listClusterResources({ type: 'vm' }, call);
    const r = resources.find(
      x => (x.type === 'qemu' || x.type === 'lxc') && x.vmid === vmid,
    );
    if (!r || (r.type !== 'qemu' && r.type !== 'lxc')) break;
    if (r.type === 'lxc') {
      const config = qemuConfigSchema.parse({
        ...(r.name ? { name: r.name } : {}),
        ...(r.lock ? { lock: r.lock } : {}),
        tags: r.tags.join(';'),
      });
      return { node: r.node, type: 'lxc', config };
    }
    const found = await read(r.node);
    if (found) return found;
  }
  if (unreadable) throw unreadable;
  return null;
}
