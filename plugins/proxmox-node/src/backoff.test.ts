import { DEFAULT_RETRY_POLICY, computeBackoffDelay, sleep } from './backoff';

describe('backoff', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000, factor: 2 };

  it('stays within [cap/2, cap] with cap = min(max, base * factor^(n-1))', () => {
    for (let n = 1; n <= 12; n++) {
      const cap = Math.min(1000, 100 * 2 ** (n - 1));
      expect(computeBackoffDelay(n, policy, () => 0)).toBe(cap / 2);
      expect(computeBackoffDelay(n, policy, () => 1)).toBe(cap);
      for (let i = 0; i < 50; i++) {
        const d = computeBackoffDelay(n, policy);
        expect(d).toBeGreaterThanOrEqual(cap / 2);
        expect(d).toBeLessThanOrEqual(cap);
      }
    }
  });

  it('never exceeds maxDelayMs even for huge attempt numbers or odd random values', () => {
    expect(computeBackoffDelay(10_000, policy, () => 1)).toBe(1000);
    expect(computeBackoffDelay(3, policy, () => 7)).toBe(400);
    expect(computeBackoffDelay(3, policy, () => -1)).toBe(200);
    expect(computeBackoffDelay(0, policy, () => 1)).toBe(100);
  });

  it('has sane defaults (total worst-case wait below 30 s)', () => {
    let total = 0;
    for (let n = 1; n < DEFAULT_RETRY_POLICY.maxAttempts; n++) {
      total += computeBackoffDelay(n, DEFAULT_RETRY_POLICY, () => 1);
    }
    expect(total).toBeLessThan(30_000);
    expect(total).toBeGreaterThan(1_000);
  });

  it('sleep resolves after the delay and rejects with the abort reason', async () => {
    const t0 = Date.now();
    await sleep(30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);

    const ac = new AbortController();
    const p = sleep(10_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    await expect(sleep(10, ac.signal)).rejects.toThrow('stop');
  });
});
