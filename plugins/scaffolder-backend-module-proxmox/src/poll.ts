/** Options of {@link poll}. */
export interface PollOptions<T> {
  /** One look; a value ends the wait, `undefined` asks for another look. */
  check: () => Promise<T | undefined>;
  /** Pause between looks. Default 2 s. */
  intervalMs?: number;
  /** Longest pause after failed looks (doubling from `intervalMs`). Default 30 s. */
  maxIntervalMs?: number;
  /** Give up after this long. */
  timeoutMs: number;
  /** Stops the wait at once. */
  signal?: AbortSignal;
  /** A failed look that must end the wait (e.g. 404) instead of a retry. */
  isFatal?: (error: unknown) => boolean;
  /** Told about every failed look that is retried. */
  onError?: (error: unknown, retryInMs: number) => void;
  /** What the timeout error says. */
  timeoutMessage?: () => string;
}

/** The wait was cancelled through its signal. */
export class PollAbortedError extends Error {
  name = 'PollAbortedError';
}

/** The wait ran out of time. */
export class PollTimeoutError extends Error {
  name = 'PollTimeoutError';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new PollAbortedError('The wait was cancelled'));
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(new PollAbortedError('The wait was cancelled'));
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Looks again and again until `check` returns a value: every `intervalMs`,
 * backing off (doubling, up to `maxIntervalMs`) while looks fail, bounded by
 * `timeoutMs` and cancellable through `signal`. The only polling loop of the
 * module.
 */
export async function poll<T>(options: PollOptions<T>): Promise<T> {
  const intervalMs = options.intervalMs ?? 2_000;
  const maxIntervalMs = Math.max(intervalMs, options.maxIntervalMs ?? 30_000);
  const deadline = Date.now() + options.timeoutMs;
  let failures = 0;
  for (;;) {
    if (options.signal?.aborted) {
      throw new PollAbortedError('The wait was cancelled');
    }
    let pause = intervalMs;
    try {
      const value = await options.check();
      if (value !== undefined) return value;
      failures = 0;
    } catch (error) {
      if (options.signal?.aborted) {
        throw new PollAbortedError('The wait was cancelled');
      }
      if (options.isFatal?.(error)) throw error;
      failures += 1;
      pause = Math.min(maxIntervalMs, intervalMs * 2 ** failures);
      options.onError?.(error, pause);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new PollTimeoutError(
        options.timeoutMessage?.() ?? 'Gave up waiting',
      );
    }
    await sleep(Math.min(pause, left), options.signal);
  }
}
