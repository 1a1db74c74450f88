import { RetryPolicy, computeBackoffDelay, sleep } from './backoff';

/** What an attempt gets to work with. */
export interface AttemptContext {
  /** 1-based attempt number. */
  attempt: number;
  /** The caller's signal (pass it down to every request). */
  signal?: AbortSignal;
  /** Epoch ms after which no further attempt starts (undefined = none). */
  deadline?: number;
}

/** @public */
export interface RetryOptions {
  policy: Pick<
    RetryPolicy,
    'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'factor'
  >;
  /** Aborts the loop, also during a backoff sleep (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Epoch ms: no retry is scheduled whose backoff would end after it. */
  deadline?: number;
  /** Whether the failure of `attempt` is worth another attempt. */
  shouldRetry: (error: unknown, attempt: number) => boolean;
  /** Called before the backoff sleep (logging). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

/**
 * The client's one retry loop: runs `fn` until it succeeds, `shouldRetry`
 * refuses, `policy.maxAttempts` is reached or the deadline would be passed,
 * with "equal jitter" exponential backoff between attempts
 * ({@link computeBackoffDelay}). The last error is rethrown unchanged.
 */
export async function retry<T>(
  fn: (ctx: AttemptContext) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { policy, signal, deadline } = options;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn({ attempt, signal, deadline });
    } catch (e) {
      if (signal?.aborted) throw e;
      if (attempt >= policy.maxAttempts || !options.shouldRetry(e, attempt)) {
        throw e;
      }
      const delay = computeBackoffDelay(attempt, policy, options.random);
      if (deadline !== undefined && Date.now() + delay > deadline) throw e;
      options.onRetry?.(e, attempt, delay);
      await sleep(delay, signal);
    }
  }
}
