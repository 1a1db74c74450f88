/*
 * The lease scheduler through the real backend on SQLite and PostgreSQL and
 * the simulator over HTTPS, driven run by run (a manual scheduler) with
 * second-scale durations: a lease end a few seconds ahead is arranged in the
 * database, the warning window is an hour and the grace two seconds.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { manualScheduler, type ManualScheduler } from '@mycopod/test-utils';
import type { Knex } from 'knex';
import request from 'supertest';
import {
  auth,
  startProxmoxBackend,
  startSim,
} from '../__testUtils__/testBackend';
import { createGuest, waitForState } from '../__testUtils__/requests';
import { getGuest } from './__testUtils__/guests';
import { METRIC_NAMES } from '../metrics/metrics';
import { LEASE_TASK_ID } from './LeaseScheduler';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const GRACE_MS = 2000;
const DAY_MS = 24 * 60 * 60 * 1000;

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({
  exporter,
  exportIntervalMillis: 3_600_000,
});
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

/** `mycopod.lease.actions` so far, by action. */
async function leaseActions(): Promise<Record<string, number>> {
  exporter.reset();
  await reader.forceFlush();
  const out: Record<string, number> = {};
  for (const rm of exporter.getMetrics()) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        if (m.descriptor.name !== METRIC_NAMES.leaseActions) continue;
        for (const p of m.dataPoints) {
          out[String(p.attributes.action)] = p.value as number;
        }
      }
    }
  }
  return out;
}

const sleepUntil = async (ms: number) => {
  const wait = ms - Date.now();
  if (wait > 0) await new Promise(r => setTimeout(r, wait + 50));
};

describe.each(databases.eachSupportedId())('leases on %p', databaseId => {
  let sim: RunningSimulator;
  let knex: Knex;
  let scheduler: ManualScheduler;
  let ctx: Awaited<ReturnType<typeof startProxmoxBackend>>;

  const run = () => scheduler.run(LEASE_TASK_ID);
  const leaseNotes = (vmid: number) =>
    ctx.sent.notifications.filter(
      n => n.payload.scope === `proxmox-lease:lab:${vmid}`,
    );
  /** Arranges when the lease of a create request ends. */
  const endLeaseAt = (id: string, ms: number) =>
    knex('proxmox_requests').where({ id }).update({ lease_ends_at: ms });
  const simGuest = (vmid: number) =>
    sim.state.clusters.find(c => c.name === 'lab')!.guests.get(vmid);
  /** Decommissions of the guest of a create request (VMIDs are reused). */
  const decommissionsOf = async (createRequestId: string) =>
    knex('proxmox_requests').where({
      kind: 'decommission',
      target_request_id: createRequestId,
    });
  const decommissionsOfVmid = async (vmid: number) =>
    knex('proxmox_requests').where({ kind: 'decommission', guest_vmid: vmid });

  beforeAll(async () => {
    sim = await startSim(41);
    knex = await databases.init(databaseId);
    scheduler = manualScheduler();
    ctx = await startProxmoxBackend({
      knex,
      sim,
      features: [scheduler.factory],
      proxmox: {
        drift: { enabled: false },
        leases: {
          warnBefore: 'PT1H',
          grace: { seconds: GRACE_MS / 1000 },
          shutdownTimeout: '5s',
          byPool: { 'team-a': 1 },
          byTag: { db: 2 },
        },
      },
    });
  });
  afterAll(async () => {
    await ctx?.backend.stop();
    await sim?.stop();
  });

  it('warns once, shuts down and expires at the end, decommissions after the grace', async () => {
    expect(scheduler.tasks.get(LEASE_TASK_ID)?.scope).toBe('global');
    const actionsBefore = await leaseActions();
    const { id, vmid } = await createGuest(ctx.server, {
      name: 'lease-timeline',
    });
    expect((await getGuest(ctx.server, vmid)).lease).toEqual({
      endsAt: expect.any(String),
      state: 'active',
    });
    // the guest ignores ACPI: the shutdown times out and a hard stop follows
    simGuest(vmid)!.refusesShutdown = true;
    const endsAt = Date.now() + 3000;
    await endLeaseAt(id, endsAt);

    // two replicas' runs at once, then another run: one warning
    await Promise.all([run(), run()]);
    await run();
    const warned = leaseNotes(vmid);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toEqual({
      recipients: { type: 'entity', entityRef: ['group:default/team-a'] },
      payload: expect.objectContaining({
        title: expect.stringMatching(/lease-timeline .* expires on/),
        topic: 'proxmox-lease',
        link: `/proxmox/requests/${id}`,
      }),
    });
    expect((await getGuest(ctx.server, vmid)).lease).toEqual({
      endsAt: new Date(endsAt).toISOString(),
      state: 'warned',
    });
    expect(simGuest(vmid)!.status).toBe('running');

    await sleepUntil(endsAt);
    const expiredAt = Date.now();
    await run();
    expect(simGuest(vmid)!.status).toBe('stopped');
    const expired = await waitForState(ctx.server, id, ['expired']);
    expect(expired.history.at(-1)).toEqual(
      expect.objectContaining({
        actor: 'system',
        fromState: 'ready',
        toState: 'expired',
        comment: expect.stringContaining('lease ended'),
      }),
    );
    expect(leaseNotes(vmid)).toHaveLength(2);
    expect(leaseNotes(vmid)[1].payload).toEqual(
      expect.objectContaining({
        title: expect.stringContaining('expired and was shut down'),
        severity: 'high',
      }),
    );
    expect(ctx.auditEvents).toContainEqual(
      expect.objectContaining({
        eventId: 'proxmox-lease-expire',
        meta: expect.objectContaining({ requestId: id, vmid }),
      }),
    );
    const lease = (await getGuest(ctx.server, vmid, 'admin')).lease;
    expect(lease.state).toBe('expired');
    const decommissionAt = Date.parse(lease.decommissionAt);
    expect(decommissionAt).toBeGreaterThanOrEqual(expiredAt + GRACE_MS);
    expect(decommissionAt).toBeLessThan(Date.now() + GRACE_MS);

    await run(); // within the grace
    expect(await decommissionsOf(id)).toEqual([]);

    await sleepUntil(decommissionAt);
    await run();
    await run();
    const filed = await decommissionsOf(id);
    expect(filed).toHaveLength(1);
    expect(filed[0].requester).toBe('system');
    const done = await waitForState(ctx.server, filed[0].id, [
      'ready',
      'failed',
    ]);
    expect(done.failureReason).toBeUndefined();
    expect(simGuest(vmid)).toBeUndefined();
    expect((await waitForState(ctx.server, id, ['decommissioned'])).state).toBe(
      'decommissioned',
    );
    expect(leaseNotes(vmid)).toHaveLength(2);
    // the decommissioned guest's tracking row is dropped by the next run
    expect(await knex('proxmox_leases').where({ request_id: id })).toHaveLength(
      1,
    );
    await run();
    expect(await knex('proxmox_leases').where({ request_id: id })).toEqual([]);
    const actions = await leaseActions();
    for (const action of ['warn', 'expire', 'decommission']) {
      expect((actions[action] ?? 0) - (actionsBefore[action] ?? 0)).toBe(1);
    }
  });

  it('an extension of an expired guest renews its request and stops the decommission', async () => {
    const { id, vmid } = await createGuest(ctx.server, {
      name: 'lease-extended',
    });
    const endsAt = Date.now() - 10_000; // ended before the grace began
    await endLeaseAt(id, endsAt);
    await run();
    expect((await waitForState(ctx.server, id, ['expired'])).state).toBe(
      'expired',
    );
    expect(simGuest(vmid)!.status).toBe('stopped');

    const extend = await request(ctx.server)
      .post(`/api/proxmox/guests/lab/${vmid}/requests`)
      .set('Authorization', auth.user('dev'))
      .send({ kind: 'extend-lease', days: 7 });
    expect(extend.status).toBe(201);
    const extended = await waitForState(ctx.server, extend.body.id, [
      'ready',
      'failed',
    ]);
    expect(extended.state).toBe('ready');

    await sleepUntil(Date.now() + GRACE_MS); // the old end's grace is over
    await run();
    await run();
    const renewed = await waitForState(ctx.server, id, ['ready']);
    expect(renewed.history.at(-1)).toEqual(
      expect.objectContaining({
        actor: 'system',
        fromState: 'expired',
        toState: 'ready',
      }),
    );
    expect(await decommissionsOf(id)).toEqual([]);
    expect(simGuest(vmid)).toBeDefined();
    expect((await getGuest(ctx.server, vmid)).lease).toEqual({
      endsAt: new Date(endsAt + 7 * DAY_MS).toISOString(),
      state: 'active',
    });
  });

  it('leases guests MycoPod did not create by pool and tag, from first sight', async () => {
    const firstSeen = Date.now();
    await run();
    // 102: pool team-a (1 day); 101: tag db (2 days); 100, 103: no config match
    const g102 = await getGuest(ctx.server, 102);
    const g101 = await getGuest(ctx.server, 101);
    const ends102 = Date.parse(g102.lease.endsAt);
    expect(ends102 - DAY_MS).toBeLessThanOrEqual(firstSeen);
    expect(g102.lease.state).toBe('active');
    expect(Date.parse(g101.lease.endsAt) - Date.parse(g102.lease.endsAt)).toBe(
      DAY_MS,
    );
    expect((await getGuest(ctx.server, 100)).lease).toBeUndefined();
    expect((await getGuest(ctx.server, 103)).lease).toBeUndefined();

    await run(); // counted from first sight: the end does not move
    expect((await getGuest(ctx.server, 102)).lease.endsAt).toBe(
      g102.lease.endsAt,
    );

    // 101 was first seen two days and a second ago: it expires, the
    // approvers are told; after the grace they are told it is theirs
    await knex('proxmox_leases')
      .where({ cluster: 'lab', vmid: 101 })
      .update({ first_seen_at: Date.now() - 2 * DAY_MS - 1000 });
    expect(simGuest(101)!.status).toBe('running');
    await run();
    expect(simGuest(101)!.status).toBe('stopped');
    const notes = () => leaseNotes(101).map(n => n.payload.title);
    expect(leaseNotes(101)[0].recipients).toEqual({
      type: 'entity',
      entityRef: ['group:default/platform-admins'],
    });
    expect(notes()).toEqual([expect.stringContaining('expired')]);
    const lease = (await getGuest(ctx.server, 101)).lease;
    expect(lease.state).toBe('expired');

    await sleepUntil(Date.parse(lease.decommissionAt));
    await run();
    await run();
    expect(notes()).toEqual([
      expect.stringContaining('expired'),
      expect.stringContaining('grace period are over'),
    ]);
    expect(await decommissionsOfVmid(101)).toEqual([]);
    expect(simGuest(101)).toBeDefined();
  });
});
