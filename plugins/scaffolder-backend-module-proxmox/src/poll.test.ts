import { poll, PollAbortedError, PollTimeoutError } from './poll';

describe('poll', () => {
  it('looks until check returns a value', async () => {
    let n = 0;
    const value = await poll({
      check: async () => (++n === 3 ? 'done' : undefined),
      intervalMs: 5,
      timeoutMs: 5_000,
    });
    expect(value).toBe('done');
    expect(n).toBe(3);
  });

  it('backs off while looks fail and resets after a good one', async () => {
    const pauses: number[] = [];
    let n = 0;
    await poll({
      check: async () => {
        n += 1;
        if (n <= 3) throw new Error('flaky');
        return n === 5 ? n : undefined;
      },
      intervalMs: 5,
      maxIntervalMs: 15,
      timeoutMs: 5_000,
      onError: (_e, pause) => pauses.push(pause),
    });
    expect(pauses).toEqual([10, 15, 15]);
  });

  it('ends at once on a fatal error', async () => {
    const check = jest.fn(async () => {
      throw new Error('gone');
    });
    await expect(
      poll({ check, intervalMs: 5, timeoutMs: 5_000, isFatal: () => true }),
    ).rejects.toThrow('gone');
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('gives up after the timeout', async () => {
    const started = Date.now();
    await expect(
      poll({
        check: async () => undefined,
        intervalMs: 20,
        timeoutMs: 100,
        timeoutMessage: () => 'too slow',
      }),
    ).rejects.toThrow(new PollTimeoutError('too slow'));
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops when its signal aborts, also in the middle of a pause', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      poll({
        check: async () => undefined,
        intervalMs: 10_000,
        timeoutMs: 60_000,
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(PollAbortedError);
  });
});
