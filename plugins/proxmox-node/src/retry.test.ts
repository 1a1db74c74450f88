import { poll } from './poll';
import { retry } from './retry';

const policy = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2, factor: 2 };

describe('retry()', () => {
  it('retries what shouldRetry accepts, up to maxAttempts, then rethrows the last error', async () => {
    const seen: number[] = [];
    const err = new Error('boom');
    await expect(
      retry(
        async ({ attempt }) => {
          seen.push(attempt);
          throw err;
        },
        { policy, shouldRetry: () => true },
      ),
    ).rejects.toBe(err);
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('stops at once when shouldRetry refuses, and succeeds after failures', async () => {
    let n = 0;
    await expect(
      retry(
        async () => {
          n++;
          throw new Error('permanent');
        },
        { policy, shouldRetry: () => false },
      ),
    ).rejects.toThrow('permanent');
    expect(n).toBe(1);
    await expect(
      retry(async ({ attempt }) => (attempt < 3 ? Promise.reject(1) : 'ok'), {
        policy,
        shouldRetry: () => true,
      }),
    ).resolves.toBe('ok');
  });

  it('does not schedule a retry beyond the deadline; aborts during backoff with the reason', async () => {
    let n = 0;
    await expect(
      retry(
        async () => {
          n++;
          throw new Error('x');
        },
        {
          policy: { ...policy, baseDelayMs: 10_000, maxDelayMs: 10_000 },
          deadline: Date.now() + 100,
          shouldRetry: () => true,
        },
      ),
    ).rejects.toThrow('x');
    expect(n).toBe(1);
    const ac = new AbortController();
    const reason = new Error('stop');
    const p = retry(() => Promise.reject(new Error('y')), {
      policy: { ...policy, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      signal: ac.signal,
      shouldRetry: () => true,
    });
    setTimeout(() => ac.abort(reason), 20);
    await expect(p).rejects.toBe(reason);
  });
});

describe('poll()', () => {
  const base = {
    intervalMs: 1,
    maxIntervalMs: 5,
    onTimeout: () => new Error('late'),
  };

  it('polls until done, tolerating accepted failures, passing a signal down', async () => {
    const signals: AbortSignal[] = [];
    const value = await poll(
      async ({ attempt, signal }) => {
        signals.push(signal);
        if (attempt === 1) throw new Error('transient');
        return attempt;
      },
      v => v >= 3,
      { ...base, timeoutMs: 5_000, tolerate: () => true },
    );
    expect(value).toBe(3);
    expect(signals.every(s => s instanceof AbortSignal && !s.aborted)).toBe(
      true,
    );
  });

  it('rethrows intolerable failures, times out with onTimeout, aborts with the reason', async () => {
    await expect(
      poll(
        () => Promise.reject(new Error('fatal')),
        () => true,
        {
          ...base,
          timeoutMs: 5_000,
        },
      ),
    ).rejects.toThrow('fatal');
    await expect(
      poll(
        async () => 0,
        () => false,
        { ...base, timeoutMs: 50 },
      ),
    ).rejects.toThrow('late');
    const ac = new AbortController();
    const reason = new Error('bye');
    const p = poll(
      async () => 0,
      () => false,
      {
        ...base,
        timeoutMs: 60_000,
        signal: ac.signal,
      },
    );
    setTimeout(() => ac.abort(reason), 20);
    await expect(p).rejects.toBe(reason);
  });
});
