/**
 * In-memory stand-in for the flock()s PVE takes on
 * /var/lock/qemu-server/lock-<vmid>.conf and storage lock files:
 * exclusive, FIFO, acquisition with a timeout.
 */
export class LockTimeoutError extends Error {}

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

export class LockManager {
  private readonly held = new Set<string>();
  private readonly waiters = new Map<string, Waiter[]>();

  isHeld(key: string): boolean {
    return this.held.has(key);
  }

  /**
   * Acquire `key` within `timeoutMs` or reject with PVE's
   * "can't lock file '<file>' - got timeout" text.
   */
  acquire(key: string, timeoutMs: number, file: string): Promise<() => void> {
    if (!this.held.has(key)) {
      this.held.add(key);
      return Promise.resolve(this.releaser(key));
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve, reject };
      const list = this.waiters.get(key) ?? [];
      list.push(w);
      this.waiters.set(key, list);
      w.timer = setTimeout(() => {
        const l = this.waiters.get(key);
        if (l) {
          const i = l.indexOf(w);
          if (i >= 0) l.splice(i, 1);
        }
        reject(
          new LockTimeoutError(`can't lock file '${file}' - got timeout\n`),
        );
      }, Math.max(0, timeoutMs));
    });
  }

  /** Take the lock now if free (returns undefined if held). */
  tryAcquire(key: string): (() => void) | undefined {
    if (this.held.has(key)) return undefined;
    this.held.add(key);
    return this.releaser(key);
  }

  private releaser(key: string) {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const list = this.waiters.get(key);
      const next = list?.shift();
      if (next) {
        clearTimeout(next.timer);
        next.resolve(this.releaser(key));
      } else {
        this.held.delete(key);
        this.waiters.delete(key);
      }
    };
  }

  /** Rejects all waiters (simulator shutdown). */
  clear() {
    for (const [, list] of this.waiters) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.reject(new LockTimeoutError('simulator stopped\n'));
      }
    }
    this.waiters.clear();
    this.held.clear();
  }
}

export const qemuLockFile = (vmid: number) =>
  `/var/lock/qemu-server/lock-${vmid}.conf`;
