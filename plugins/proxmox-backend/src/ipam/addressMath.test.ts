/*
 * The address math of IP pools against a naive model (a Set of integers):
 * dotted quads, networks, interval sets, and a pool handed out address by
 * address until it is exhausted.
 */
import { ConfigReader } from '@backstage/config';
import fc from 'fast-check';
import {
  contains,
  intersect,
  lowestFree,
  normalize,
  size,
  subtract,
  type Interval,
} from './intervals';
import { MAX_IPV4, formatIpv4, hostRange, parseCidr, parseIpv4 } from './ipv4';
import { readIpPoolsConfig, type IpPool } from './IpPoolConfig';

const members = (set: readonly Interval[]) => {
  const out = new Set<number>();
  for (const i of set) for (let v = i.first; v <= i.last; v++) out.add(v);
  return out;
};

/** Intervals over a small universe, so the model stays cheap. */
const intervalArb = fc
  .tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 20 }))
  .map(([first, len]) => ({ first, last: first + len }));
const setArb = fc.array(intervalArb, { maxLength: 8 });

describe('ipv4', () => {
  it('formats and parses every address back to itself', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_IPV4 }), v => {
        expect(parseIpv4(formatIpv4(v))).toBe(v);
      }),
    );
    expect(formatIpv4(0)).toBe('0.0.0.0');
    expect(formatIpv4(MAX_IPV4)).toBe('255.255.255.255');
  });

  it('rejects what is not a dotted quad', () => {
    for (const bad of ['', '10.0.0', '10.0.0.256', '1.2.3.4.5', 'a.b.c.d']) {
      expect(parseIpv4(bad)).toBeUndefined();
    }
  });

  it('finds the network of an address and its host range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_IPV4 }),
        fc.integer({ min: 1, max: 32 }),
        (v, prefix) => {
          const net = parseCidr(`${formatIpv4(v)}/${prefix}`)!;
          expect(net.base <= v && v <= net.last).toBe(true);
          expect(net.last - net.base + 1).toBe(2 ** (32 - prefix));
          expect(net.hostBits).toBe(net.base !== v);
          const hosts = hostRange(net);
          expect(hosts.last - hosts.first + 1).toBe(
            prefix >= 31 ? 2 ** (32 - prefix) : 2 ** (32 - prefix) - 2,
          );
        },
      ),
    );
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0')).toBeUndefined();
    expect(parseCidr('10.0.0.5/24')).toMatchObject({ hostBits: true });
  });
});

describe('interval sets', () => {
  it('normalise, subtract, intersect, size and contains agree with a Set', () => {
    fc.assert(
      fc.property(
        setArb,
        setArb,
        fc.integer({ min: 0, max: 230 }),
        (a, b, x) => {
          const na = normalize(a);
          const nb = normalize(b);
          const ma = members(a);
          const mb = members(b);
          // normalised: sorted, disjoint, not adjacent
          expect(
            na.every((i, k) => k === 0 || i.first > na[k - 1].last + 1),
          ).toBe(true);
          expect(members(na)).toEqual(ma);
          expect(size(na)).toBe(ma.size);
          expect(members(subtract(na, nb))).toEqual(
            new Set([...ma].filter(v => !mb.has(v))),
          );
          expect(members(intersect(na, nb))).toEqual(
            new Set([...ma].filter(v => mb.has(v))),
          );
          expect(contains(na, x)).toBe(ma.has(x));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lowestFree is the least member not taken', () => {
    fc.assert(
      fc.property(
        setArb,
        fc.uniqueArray(fc.integer({ min: 0, max: 230 }), { maxLength: 60 }),
        (a, takenList) => {
          const set = normalize(a);
          const taken = [...takenList].sort((x, y) => x - y);
          const free = [...members(set)]
            .filter(v => !takenList.includes(v))
            .sort((x, y) => x - y);
          expect(lowestFree(set, taken)).toBe(free[0]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('a pool handed out address by address', () => {
  /** A /24 pool with ranges and excludes drawn inside it. */
  const poolArb = fc.record({
    prefix: fc.integer({ min: 24, max: 30 }),
    ranges: fc.array(
      fc
        .tuple(
          fc.integer({ min: 0, max: 255 }),
          fc.integer({ min: 0, max: 40 }),
        )
        .map(([a, len]) => [a, Math.min(255, a + len)] as const),
      { minLength: 1, maxLength: 3 },
    ),
    exclude: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 10 }),
    gateway: fc.integer({ min: 0, max: 255 }),
  });

  it('gives every allowed address once, in order, then is exhausted', () => {
    let exhaustedRuns = 0;
    fc.assert(
      fc.property(poolArb, p => {
        const netSize = 2 ** (32 - p.prefix);
        const at = (o: number) => `10.20.30.${o % netSize}`;
        const raw = {
          name: 'p',
          network: { bridge: 'vmbr0' },
          cidr: `10.20.30.0/${p.prefix}`,
          gateway: at(p.gateway),
          range: p.ranges.map(([a, b]) => ({
            first: at(Math.min(a % netSize, b % netSize)),
            last: at(Math.max(a % netSize, b % netSize)),
          })),
          exclude: p.exclude.map(at),
        };
        // the model: the ranges' addresses less excludes, gateway, network
        // and broadcast
        const base = parseIpv4('10.20.30.0')!;
        const want = new Set<number>();
        for (const r of raw.range) {
          for (let v = parseIpv4(r.first)!; v <= parseIpv4(r.last)!; v++) {
            want.add(v);
          }
        }
        for (const x of [...raw.exclude, raw.gateway]) {
          want.delete(parseIpv4(x)!);
        }
        want.delete(base);
        want.delete(base + netSize - 1);

        let read: { pools: IpPool[] } | { error: string };
        try {
          read = {
            pools: readIpPoolsConfig(
              new ConfigReader({ proxmox: { ipPools: [raw] } }),
            ),
          };
        } catch (e) {
          read = { error: String(e) };
        }
        // a pool with nothing to hand out is refused at startup
        expect('error' in read).toBe(want.size === 0);
        expect(
          'error' in read ? read.error : 'proxmox.ipPools[0].range',
        ).toContain('proxmox.ipPools[0].range');
        if (!('pools' in read)) return;
        const [pool] = read.pools;
        expect(pool.size).toBe(want.size);
        const given: number[] = [];
        for (;;) {
          const next = lowestFree(pool.addresses, given);
          if (next === undefined) break;
          given.push(next);
        }
        exhaustedRuns += 1;
        expect(given).toEqual([...want].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
    expect(exhaustedRuns).toBeGreaterThan(0);
  });
});
