import { KeyedSemaphore, VmidClaims } from './vmidClaims';

describe('VmidClaims', () => {
  it('claims once, expires after the TTL, and can be released', () => {
    let now = 1000;
    const claims = new VmidClaims({ now: () => now });
    expect(claims.tryClaim(100, 50)).toBe(true);
    expect(claims.tryClaim(100, 50)).toBe(false);
    expect(claims.isClaimed(100)).toBe(true);
    now += 50;
    expect(claims.isClaimed(100)).toBe(false);
    expect(claims.tryClaim(100, 50)).toBe(true);
    claims.release(100);
    expect(claims.size).toBe(0);
  });
});

describe('KeyedSemaphore', () => {
  it('bounds concurrency per key, not across keys, and honours abort while queued', async () => {
    const sem = new KeyedSemaphore(2);
    let active = 0;
    let peak = 0;
    const job = async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise(r => setTimeout(r, 10));
      active--;
    };
    await Promise.all(Array.from({ length: 8 }, () => sem.run('a', job)));
    expect(peak).toBe(2);

    peak = 0;
    await Promise.all([
      sem.run('a', job),
      sem.run('a', job),
      sem.run('b', job),
      sem.run('b', job),
    ]);
    expect(peak).toBe(4);

    const ac = new AbortController();
    const blockers = [sem.run('c', job), sem.run('c', job)];
    const queued = sem.run('c', job, ac.signal);
    ac.abort(new Error('cancelled'));
    await expect(queued).rejects.toThrow('cancelled');
    await Promise.all(blockers);
    // the slot is not leaked
    peak = 0;
    await Promise.all([sem.run('c', job), sem.run('c', job)]);
    expect(peak).toBe(2);
  });

  it('limit 0 means unlimited', async () => {
    const sem = new KeyedSemaphore(0);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        sem.run('a', async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise(r => setTimeout(r, 5));
          active--;
        }),
      ),
    );
    expect(peak).toBe(10);
  });
});
