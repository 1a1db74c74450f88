/**
 * At most `requests` drafts per user in a sliding window of
 * `windowSeconds`, in this backend process: every model call costs, also
 * the ones that fail. Counts attempts, not successes.
 */
export class DraftRateLimiter {
  readonly #hits = new Map<string, number[]>();

  constructor(
    private readonly limit: { requests: number; windowSeconds: number },
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Counts an attempt of `user`; when over the limit counts nothing and
   * returns the seconds until the next attempt is allowed.
   */
  take(
    user: string,
  ): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.clock();
    const windowMs = this.limit.windowSeconds * 1000;
    const recent = (this.#hits.get(user) ?? []).filter(t => t > now - windowMs);
    if (recent.length >= this.limit.requests) {
      this.#hits.set(user, recent);
      return {
        allowed: false,
        retryAfterSeconds: Math.max(
          1,
          Math.ceil((recent[0] + windowMs - now) / 1000),
        ),
      };
    }
    recent.push(now);
    this.#hits.set(user, recent);
    if (this.#hits.size > 10_000) this.#prune(now - windowMs);
    return { allowed: true };
  }

  #prune(before: number) {
    for (const [user, times] of this.#hits) {
      if (times.every(t => t <= before)) this.#hits.delete(user);
    }
  }
}
