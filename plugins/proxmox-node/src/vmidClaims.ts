/**
 * In-process VMID claims. Proxmox does not reserve ids returned by
 * `GET /cluster/nextid`, so concurrent allocations in one process claim a
 * candidate here (synchronously, hence race-free) before probing it. Claims
 * expire so a crashed caller cannot leak them forever.
 *
 * Share one instance per cluster between all clients of a process (the
 * service factory does this).
 *
 * @public
 */
export class VmidClaims {
  readonly #claims = new Map<number, number>();
  readonly #now: () => number;

  constructor(options?: { now?: () => number }) {
    this.#now = options?.now ?? Date.now;
  }

  /** Claims `vmid` for `ttlMs`; false when someone else holds it. */
  tryClaim(vmid: number, ttlMs: number): boolean {
    if (this.isClaimed(vmid)) return false;
    this.#claims.set(vmid, this.#now() + ttlMs);
    return true;
  }

  isClaimed(vmid: number): boolean {
    const expiry = this.#claims.get(vmid);
    if (expiry === undefined) return false;
    if (expiry <= this.#now()) {
      this.#claims.delete(vmid);
      return false;
    }
    return true;
  }

  release(vmid: number): void {
    this.#claims.delete(vmid);
  }

  /** Number of live claims. */
  get size(): number {
    for (const vmid of Array.from(this.#claims.keys())) this.isClaimed(vmid);
    return this.#claims.size;
  }
}

/**
 * A counting semaphore per key (e.g. per clone source), so bursts of clones
 * of one template do not pile up on the same storage lock. A limit of 0
 * means unlimited.
 *
 * @public
 */
export class KeyedSemaphore {
  readonly #limit: number;
  readonly #active = new Map<string, number>();
  readonly #waiters = new Map<string, Array<() => void>>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  async run<T>(
    key: string,
    fn: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    if (this.#limit <= 0) return fn();
    await this.#acquire(key, signal);
    try {
      return await fn();
    } finally {
      this.#release(key);
    }
  }

  /**
   * Takes a slot of `key` (waiting while all are taken) and returns the
   * function that gives it back (idempotent). For slots that outlive one
   * function call, e.g. a clone dispatched now and finished later.
   */
  async acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    if (this.#limit <= 0) return () => {};
    await this.#acquire(key, signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#release(key);
    };
  }

  #acquire(key: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const active = this.#active.get(key) ?? 0;
    if (active < this.#limit) {
      this.#active.set(key, active + 1);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const queue = this.#waiters.get(key) ?? [];
      const waiters = this.#waiters;
      function onAbort() {
        const q = waiters.get(key) ?? [];
        const i = q.indexOf(grant);
        if (i !== -1) q.splice(i, 1);
        reject(signal!.reason);
      }
      function grant() {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(grant);
      this.#waiters.set(key, queue);
    });
  }

  #release(key: string): void {
    const queue = this.#waiters.get(key);
    const next = queue?.shift();
    if (next) {
      // hand the slot over directly; the active count stays the same
      next();
      return;
    }
    const active = (this.#active.get(key) ?? 1) - 1;
    if (active <= 0) this.#active.delete(key);
    else this.#active.set(key, active);
    if (queue && queue.length === 0) this.#waiters.delete(key);
  }
}
