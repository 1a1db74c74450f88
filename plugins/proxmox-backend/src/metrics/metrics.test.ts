/*
 * The plugin's OpenTelemetry metrics, read with the SDK's in-memory
 * exporter, while a real backend (real permission backend and policy,
 * SQLite and PostgreSQL, the PVE simulator over HTTPS) provisions VMs,
 * fails one, acts on a guest and refuses a caller over its limit.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import type { Knex } from 'knex';
import request from 'supertest';
import { auth, labSpec, startSim } from '../__testUtils__/testBackend';
import {
  ActionsBackend,
  eventually,
  provisionTeamAGuest,
  startActionsBackend,
  waitTask,
} from '../guests/__testUtils__/guestActions';
import { METRIC_NAMES, proxmoxMetrics } from './metrics';

jest.setTimeout(180_000);

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({
  exporter,
  exportIntervalMillis: 3_600_000,
});
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

/** Every metric's data points now, by name. */
async function collect(): Promise<Map<string, DataPoint<any>[]>> {
  exporter.reset();
  await reader.forceFlush();
  const out = new Map<string, DataPoint<any>[]>();
  for (const rm of exporter.getMetrics()) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) out.set(m.descriptor.name, m.dataPoints);
    }
  }
  return out;
}

/** The points of `name` whose attributes include `attrs`. */
async function points(name: string, attrs: Record<string, unknown> = {}) {
  const all = (await collect()).get(name) ?? [];
  return all.filter(p =>
    Object.entries(attrs).every(([k, v]) => p.attributes[k] === v),
  );
}

/** Sum of a counter (or of a histogram's counts) over matching points. */
async function total(name: string, attrs: Record<string, unknown> = {}) {
  return (await points(name, attrs)).reduce(
    (n, p) => n + (typeof p.value === 'number' ? p.value : p.value.count),
    0,
  );
}

describe('proxmoxMetrics', () => {
  it('counts lease actions by action', async () => {
    const before = await total(METRIC_NAMES.leaseActions, { action: 'extend' });
    proxmoxMetrics.leaseAction('extend');
    proxmoxMetrics.leaseAction('extend');
    proxmoxMetrics.leaseAction('warn');
    expect(await total(METRIC_NAMES.leaseActions, { action: 'extend' })).toBe(
      before + 2,
    );
    expect(
      await total(METRIC_NAMES.leaseActions, { action: 'warn' }),
    ).toBeGreaterThanOrEqual(1);
  });
});

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('on %p', databaseId => {
  let sim: RunningSimulator;
  let knex: Knex;
  let ctx: ActionsBackend;

  beforeAll(async () => {
    sim = await startSim(25);
    knex = await databases.init(databaseId);
    ctx = await startActionsBackend({
      knex,
      sim,
      proxmox: {
        policy: {
          limits: { maxDiskGiB: 10_000 },
          defaults: { quota: { count: 100, diskGiB: 100_000 } },
        },
        rateLimits: {
          writes: { limit: 1000, windowSeconds: 60 },
          actions: { limit: 2, windowSeconds: 60 },
        },
      },
    });
  });
  afterAll(async () => {
    await ctx?.backend.stop();
    await sim?.stop();
  });
  afterEach(() => sim.setFaults(undefined));

  it('records provisioning durations by outcome and failures by reason', async () => {
    const ok = await total(METRIC_NAMES.provisioningDuration, {
      outcome: 'succeeded',
      kind: 'create',
    });
    const failed = await total(METRIC_NAMES.provisioningFailures, {
      reason: 'resize-disk',
    });
    await provisionTeamAGuest(ctx.server, 'metrics-01');
    expect(
      await total(METRIC_NAMES.provisioningDuration, {
        outcome: 'succeeded',
        kind: 'create',
      }),
    ).toBe(ok + 1);
    const [duration] = await points(METRIC_NAMES.provisioningDuration, {
      outcome: 'succeeded',
    });
    expect(duration.value.sum).toBeGreaterThan(0);

    // more disk than the storage holds: fails at resize-disk
    const created = await request(ctx.server)
      .post('/api/proxmox/requests')
      .set('Authorization', auth.user('dev'))
      .send({ spec: labSpec({ name: 'metrics-big', diskGiB: 9000 }) })
      .expect(201);
    await request(ctx.server)
      .post(`/api/proxmox/requests/${created.body.id}/approve`)
      .set('Authorization', auth.user('admin'))
      .send({})
      .expect(200);
    await eventually(async () => {
      const r = await request(ctx.server)
        .get(`/api/proxmox/requests/${created.body.id}`)
        .set('Authorization', auth.user('dev'));
      expect(r.body.state).toBe('failed');
    }, 60_000);
    expect(
      await total(METRIC_NAMES.provisioningFailures, {
        reason: 'resize-disk',
        kind: 'create',
      }),
    ).toBe(failed + 1);
    expect(
      await total(METRIC_NAMES.provisioningDuration, { outcome: 'failed' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('reads the requests by state from the database', async () => {
    const rows: Array<{ state: string; n: number | string }> = await knex(
      'proxmox_requests',
    )
      .select('state')
      .count({ n: '*' })
      .groupBy('state');
    const gauge = await points(METRIC_NAMES.requests);
    const observed = Object.fromEntries(
      gauge.map(p => [p.attributes.state, p.value]),
    );
    expect(observed).toEqual(
      Object.fromEntries(rows.map(r => [r.state, Number(r.n)])),
    );
    expect(observed.ready).toBeGreaterThanOrEqual(1);
    expect(observed.failed).toBeGreaterThanOrEqual(1);
  });

  it('records the latency of every Proxmox call by route, and its errors', async () => {
    const clone = await points(METRIC_NAMES.proxmoxApiDuration, {
      cluster: 'lab',
      method: 'POST',
      route: '/nodes/{node}/qemu/{vmid}/clone',
      status: 200,
    });
    expect(clone.length).toBe(1);
    expect(clone[0].value.count).toBeGreaterThanOrEqual(1);

    const route = '/nodes/{node}/qemu/{vmid}/status/current';
    const errors = await total(METRIC_NAMES.proxmoxApiErrors, {
      route,
      status: 503,
    });
    sim.setFaults({ routes: [{ path: route, rate: 1, kinds: ['503'] }] });
    await request(ctx.server)
      .get('/api/proxmox/guests/lab/100')
      .set('Authorization', auth.user('dev'))
      .expect(503);
    sim.setFaults(undefined);
    // the client retried the 503 before it gave up
    expect(
      await total(METRIC_NAMES.proxmoxApiErrors, {
        cluster: 'lab',
        method: 'GET',
        route,
        status: 503,
        error: 'http',
      }),
    ).toBeGreaterThan(errors + 1);
  });

  it('counts guest actions by outcome and rate limit rejections by limiter', async () => {
    const ok = await total(METRIC_NAMES.guestActions, {
      action: 'reboot',
      outcome: 'ok',
    });
    const refused = await total(METRIC_NAMES.guestActions, {
      action: 'start',
      outcome: 'refused',
    });
    const limited = await total(METRIC_NAMES.rateLimited, {
      limiter: 'actions',
    });
    const power = (action: string) =>
      request(ctx.server)
        .post('/api/proxmox/guests/lab/100/power')
        .set('Authorization', auth.user('admin'))
        .send({ action });
    const reboot = await power('reboot').expect(202);
    await waitTask(ctx.server, 100, reboot.body.upid, auth.user('admin'));
    await power('start').expect(409); // running
    await power('start').expect(429);
    await eventually(async () =>
      expect(
        await total(METRIC_NAMES.guestActions, {
          action: 'reboot',
          outcome: 'ok',
        }),
      ).toBe(ok + 1),
    );
    expect(
      await total(METRIC_NAMES.guestActions, {
        action: 'start',
        outcome: 'refused',
      }),
    ).toBe(refused + 1);
    expect(await total(METRIC_NAMES.rateLimited, { limiter: 'actions' })).toBe(
      limited + 1,
    );
  });

  it('carries no secret, VMID or user in any attribute', async () => {
    const all = JSON.stringify([...(await collect()).values()]);
    expect(all).not.toContain(sim.token.secret);
    expect(all).not.toContain('user:default/');
    expect(all).not.toMatch(/"vmid"/);
  });
});
