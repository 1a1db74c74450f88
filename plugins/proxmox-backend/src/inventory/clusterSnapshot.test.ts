import { SharedTtlCache } from './clusterSnapshot';

describe('SharedTtlCache', () => {
  it('shares one in-flight load between concurrent callers and reuses it for the TTL', async () => {
    const cache = new SharedTtlCache<number>(60_000);
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise(r => setTimeout(r, 10));
      return loads;
    };
    const [a, b] = await Promise.all([
      cache.get('k', load),
      cache.get('k', load),
    ]);
    expect([a, b]).toEqual([1, 1]);
    await expect(cache.get('k', load)).resolves.toBe(1);
    await expect(cache.get('other', load)).resolves.toBe(2);
  });

  it('loads again after the TTL and does not keep failures', async () => {
    const cache = new SharedTtlCache<string>(0);
    await expect(cache.get('k', async () => 'one')).resolves.toBe('one');
    await expect(cache.get('k', async () => 'two')).resolves.toBe('two');
    await expect(
      cache.get('k', () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    const kept = new SharedTtlCache<string>(60_000);
    await expect(
      kept.get('k', () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    await expect(kept.get('k', async () => 'ok')).resolves.toBe('ok');
  });
});

describe('SharedTtlCache.invalidate', () => {
  it('loads again after a key is forgotten, and ignores a load that predates it', async () => {
    const cache = new SharedTtlCache<number>(60_000);
    let n = 0;
    const load = async () => ++n;
    expect(await cache.get('lab', load)).toBe(1);
    expect(await cache.get('lab', load)).toBe(1);
    cache.invalidate('lab');
    expect(await cache.get('lab', load)).toBe(2);

    let release: (v: number) => void = () => {};
    const slow = cache.get(
      'lab2',
      () => new Promise<number>(r => (release = r)),
    );
    cache.invalidate();
    release(41);
    expect(await slow).toBe(41);
    // the value of the load that started before invalidate() is not kept
    expect(await cache.get('lab2', async () => 42)).toBe(42);
  });
});
