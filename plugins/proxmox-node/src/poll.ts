import { sleep } from './backoff';

/** What one poll gets to work with. */
export interface PollContext {
  /** 1-based poll number. */
  attempt: number;
  /** The caller's signal combined with the deadline: pass it to every request. */
  signal: AbortSignal;
  /** Epoch ms of the deadline. */
  deadline: number;
  /** Ms since the poll started. */
  elapsedMs: number;
}

/** @public */
export interface PollOptions {
  /** Overall deadline in ms. */
  timeoutMs: number;
  /** First delay between polls (ms). */
  intervalMs: number;
  /** Largest delay between polls (ms). */
  maxIntervalMs: number;
  /** Growth of the delay per poll (default 1.5). */
  factor?: number;
  /** Caller's signal: rejects with its reason. */
  signal?: AbortSignal;
  /**
   * Failures of one poll that do not end the wait (default: none). Polling
   * is itself a retry loop, so it usually rides out transient failures.
   */
  tolerate?: (error: unknown, ctx: PollContext) => boolean;
  /** The error thrown when the deadline passes. */
  onTimeout: () => unknown | Promise<unknown>;
  random?: () => number;
}

/**
 * The client's one polling loop: calls `fn` until `done(value)`, sleeping a
 * jittered (±10 %), growing interval between polls. The caller's signal
 * rejects with its reason; the deadline rejects with `onTimeout()`.
 */
export async function poll<T>(
  fn: (ctx: PollContext) => Promise<T | undefined>,
  done: (value: T) => boolean,
  options: PollOptions,
): Promise<T> {
  const started = Date.now();
  const deadlineSignal = AbortSignal.timeout(Math.max(0, options.timeoutMs));
  const signal = options.signal
    ? AbortSignal.any([options.signal, deadlineSignal])
    : deadlineSignal;
  const random = options.random ?? Math.random;
  const factor = options.factor ?? 1.5;
  let interval = Math.min(options.intervalMs, options.maxIntervalMs);
  const fail = async (e: unknown): Promise<never> => {
    if (options.signal?.aborted) throw options.signal.reason;
    if (deadlineSignal.aborted) throw await options.onTimeout();
    throw e;
  };
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    const ctx: PollContext = {
      attempt,
      signal,
      deadline: started + options.timeoutMs,
      elapsedMs: Date.now() - started,
    };
    let value: T | undefined;
    try {
      value = await fn(ctx);
    } catch (e) {
      if (signal.aborted || !options.tolerate?.(e, ctx)) await fail(e);
      value = undefined;
    }
    if (value !== undefined && done(value)) return value;
    try {
      await sleep(interval * (0.9 + 0.2 * random()), signal);
    } catch (e) {
      await fail(e);
    }
    interval = Math.min(options.maxIntervalMs, interval * factor);
  }
}
