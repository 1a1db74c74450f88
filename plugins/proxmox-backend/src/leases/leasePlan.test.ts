import { ConfigReader } from '@backstage/config';
import { configuredLeaseDays, readLeaseConfig } from './config';
import {
  type LeaseFacts,
  leaseView,
  nextLeaseAction,
  decommissionAt,
} from './leasePlan';

const H = 3_600_000;
const t = { warnBeforeMs: 24 * H, graceMs: 48 * H };
const END = Date.UTC(2026, 11, 10);

describe('nextLeaseAction', () => {
  const managed = (over: Partial<LeaseFacts> = {}): LeaseFacts => ({
    endsAt: END,
    requestState: 'ready',
    tracking: { firstSeenAt: END - 30 * 24 * H },
    ...over,
  });

  it('does nothing before the warning window', () => {
    expect(nextLeaseAction(managed(), END - 25 * H, t)).toBeUndefined();
  });

  it('warns once per lease end inside the window', () => {
    expect(nextLeaseAction(managed(), END - 24 * H, t)).toBe('warn');
    const warned = managed({
      tracking: { firstSeenAt: 0, warnedAt: END - 24 * H, warnedEndsAt: END },
    });
    expect(nextLeaseAction(warned, END - 1, t)).toBeUndefined();
    // an extension (a new end) is a new lease: warned again in its window
    const extended = { ...warned, endsAt: END + 7 * 24 * H };
    expect(nextLeaseAction(extended, END - 1, t)).toBeUndefined();
    expect(nextLeaseAction(extended, END + 6 * 24 * H, t)).toBe('warn');
  });

  it('expires at the end, warned or not', () => {
    expect(nextLeaseAction(managed(), END, t)).toBe('expire');
    expect(
      nextLeaseAction(
        managed({ tracking: { firstSeenAt: 0, warnedEndsAt: END } }),
        END + 1,
        t,
      ),
    ).toBe('expire');
  });

  it('decommissions after the grace counted from the later of end and shutdown', () => {
    const expired = managed({
      requestState: 'expired',
      tracking: { firstSeenAt: 0, expiredAt: END + 5 * H, expiredEndsAt: END },
    });
    expect(decommissionAt(expired, t)).toBe(END + 53 * H);
    expect(nextLeaseAction(expired, END + 52 * H, t)).toBeUndefined();
    expect(nextLeaseAction(expired, END + 53 * H, t)).toBe('decommission');
    const filed = {
      ...expired,
      tracking: { ...expired.tracking!, decommissionFiledAt: END + 53 * H },
    };
    expect(nextLeaseAction(filed, END + 60 * H, t)).toBeUndefined();
  });

  it('renews an expired request whose lease was extended past now', () => {
    const extended = managed({ requestState: 'expired', endsAt: END + 72 * H });
    expect(nextLeaseAction(extended, END + 60 * H, t)).toBe('renew');
    // extended, but to a time already past: still expired, grace from the new end
    const short = managed({
      requestState: 'expired',
      endsAt: END + 10 * H,
      tracking: { firstSeenAt: 0, expiredAt: END, expiredEndsAt: END },
    });
    expect(nextLeaseAction(short, END + 50 * H, t)).toBeUndefined();
    expect(nextLeaseAction(short, END + 58 * H, t)).toBe('decommission');
  });

  it('keys pool/tag leases on the end the guest was shut down for', () => {
    const other: LeaseFacts = {
      endsAt: END,
      tracking: { firstSeenAt: 0, expiredAt: END, expiredEndsAt: END },
    };
    expect(nextLeaseAction(other, END + 1, t)).toBeUndefined();
    expect(nextLeaseAction(other, END + 48 * H, t)).toBe('decommission');
    // config gave more days: no longer expired, never renewed as a request
    const longer = { ...other, endsAt: END + 96 * H };
    expect(nextLeaseAction(longer, END + 1, t)).toBeUndefined();
  });
});

describe('leaseView', () => {
  it('shows active, warned and expired with the decommission time', () => {
    expect(leaseView({ endsAt: END, requestState: 'ready' }, t)).toEqual({
      endsAt: new Date(END).toISOString(),
      state: 'active',
    });
    expect(
      leaseView(
        {
          endsAt: END,
          requestState: 'ready',
          tracking: { firstSeenAt: 0, warnedEndsAt: END },
        },
        t,
      ).state,
    ).toBe('warned');
    expect(
      leaseView(
        {
          endsAt: END,
          requestState: 'expired',
          tracking: { firstSeenAt: 0, expiredAt: END + H, expiredEndsAt: END },
        },
        t,
      ),
    ).toEqual({
      endsAt: new Date(END).toISOString(),
      state: 'expired',
      decommissionAt: new Date(END + 49 * H).toISOString(),
    });
  });
});

describe('lease config', () => {
  it('has defaults and reads durations in any Backstage form', () => {
    const d = readLeaseConfig(new ConfigReader({}));
    expect(d).toEqual(
      expect.objectContaining({
        enabled: true,
        warnBeforeMs: 72 * H,
        graceMs: 7 * 24 * H,
        shutdownTimeoutSeconds: 60,
        byPool: {},
        byTag: {},
      }),
    );
    expect(d.schedule.scope).toBe('global');
    const c = readLeaseConfig(
      new ConfigReader({
        proxmox: {
          leases: {
            warnBefore: 'PT2S',
            grace: { seconds: 3 },
            shutdownTimeout: '10s',
            schedule: { frequency: { minutes: 1 }, timeout: 'PT5M' },
            byPool: { 'team-a': 14 },
            byTag: { ci: 3 },
          },
        },
      }),
    );
    expect(c.warnBeforeMs).toBe(2000);
    expect(c.graceMs).toBe(3000);
    expect(c.shutdownTimeoutSeconds).toBe(10);
    expect(c.schedule).toEqual(
      expect.objectContaining({
        frequency: { minutes: 1 },
        scope: 'global',
      }),
    );
    expect(configuredLeaseDays(c, { pool: 'team-a', tags: ['ci'] })).toBe(3);
    expect(configuredLeaseDays(c, { pool: 'team-a', tags: [] })).toBe(14);
    expect(configuredLeaseDays(c, { tags: ['web'] })).toBeUndefined();
  });

  it('names the key of an invalid value', () => {
    const read = (leases: object) => () =>
      readLeaseConfig(new ConfigReader({ proxmox: { leases } }));
    expect(read({ grace: 'soon' })).toThrow(/proxmox\.leases\.grace/);
    expect(read({ byTag: { ci: 0 } })).toThrow(/proxmox\.leases\.byTag\.ci/);
    expect(read({ byPool: { a: 1.5 } })).toThrow(/proxmox\.leases\.byPool\.a/);
  });
});
