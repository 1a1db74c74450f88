import { ConfigReader } from '@backstage/config';
import { DEFAULT_EXECUTOR_CONFIG, readExecutorConfig } from './config';
import { Slots } from './slots';

describe('readExecutorConfig', () => {
  it('has defaults for every key', () => {
    expect(readExecutorConfig(new ConfigReader({}))).toEqual(
      DEFAULT_EXECUTOR_CONFIG,
    );
    expect(DEFAULT_EXECUTOR_CONFIG).toMatchObject({
      enabled: true,
      pollIntervalMs: 1000,
      leaseMs: 30000,
      concurrency: { perCluster: 8, perTemplate: 4 },
      maxAttempts: 5,
      stepTimeouts: { cloneMs: 600000, taskMs: 300000, ipMs: 120000 },
      ipWait: 'best-effort',
    });
  });

  it('reads proxmox.executor', () => {
    const c = readExecutorConfig(
      new ConfigReader({
        proxmox: {
          executor: {
            enabled: false,
            leaseMs: 5000,
            concurrency: { perTemplate: 2 },
            stepTimeouts: { ipMs: 1000 },
            ipWait: 'required',
          },
        },
      }),
    );
    expect(c).toMatchObject({
      enabled: false,
      leaseMs: 5000,
      concurrency: { perCluster: 8, perTemplate: 2 },
      stepTimeouts: { cloneMs: 600000, taskMs: 300000, ipMs: 1000 },
      ipWait: 'required',
    });
  });

  it.each([
    [{ leaseMs: 10 }, 'proxmox.executor.leaseMs'],
    [
      { concurrency: { perCluster: 0 } },
      'proxmox.executor.concurrency.perCluster',
    ],
    [{ ipWait: 'sometimes' }, 'proxmox.executor.ipWait'],
    [
      { retry: { baseDelayMs: 5000, maxDelayMs: 10 } },
      'proxmox.executor.retry.maxDelayMs',
    ],
  ])('names the bad key of %j', (executor, key) => {
    expect(() =>
      readExecutorConfig(new ConfigReader({ proxmox: { executor } })),
    ).toThrow(key);
  });
});

describe('Slots', () => {
  it('bounds jobs per cluster and per template, not globally', () => {
    const slots = new Slots({ perCluster: 3, perTemplate: 2 });
    const a1 = slots.tryTake('lab', 9000);
    expect(slots.tryTake('lab', 9000)).toBeDefined();
    expect(slots.tryTake('lab', 9000)).toBeUndefined(); // template full
    expect(slots.tryTake('lab', 9001)).toBeDefined();
    expect(slots.tryTake('lab', 9002)).toBeUndefined(); // cluster full
    expect(slots.tryTake('edge', 9000)).toBeDefined(); // other cluster
    a1!();
    a1!(); // idempotent
    expect(slots.running).toBe(3);
    expect(slots.tryTake('lab', 9000)).toBeDefined();
  });
});
