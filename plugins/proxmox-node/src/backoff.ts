/**
 * Retry policy for transient Proxmox failures.
 *
 * @public
 */
export interface RetryPolicy {
  /** Total attempts including the first one (1 = no retry). Default 5. */
  maxAttempts: number;
  /** Cap of the first retry delay in ms. Default 500. */
  baseDelayMs: number;
  /** Upper bound of any single delay in ms. Default 10000. */
  maxDelayMs: number;
  /** Growth factor per attempt. Default 2. */
  factor: number;
}

/** @public */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  factor: 2,
});

/**
 * Delay before retry number `retry` (1-based): exponential growth capped at
 * `maxDelayMs`, with "equal jitter" — a uniformly random value in
 * `[cap/2, cap]` where `cap = min(maxDelayMs, baseDelayMs * factor^(retry-1))`.
 * Equal jitter spreads concurrent clients apart (lock contention) while
 * guaranteeing a minimum pause.
 *
 * @public
 */
export function computeBackoffDelay(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'factor'>,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.floor(retry));
  const exp = policy.baseDelayMs * Math.pow(policy.factor, n - 1);
  const cap = Math.max(0, Math.min(policy.maxDelayMs, exp));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(cap / 2 + (r * cap) / 2);
}

/**
 * Waits `ms` milliseconds; rejects with the signal's reason when aborted.
 *
 * @public
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    function onAbort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
