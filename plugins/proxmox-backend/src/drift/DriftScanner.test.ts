/*
 * The drift scan through the real backend on SQLite and PostgreSQL, the
 * simulator over HTTPS: a guest MycoPod made has no drift; changed behind
 * MycoPod's back (cores, memory, tags, a security group), the next scan
 * records each change, shows it on the guest endpoint, and a reconcile
 * request puts the declaration back so the next scan finds nothing.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { ProxmoxClient } from '@mycopod/plugin-proxmox-node';
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
import { getGuest, simClient } from '../leases/__testUtils__/guests';
import { DRIFT_TASK_ID } from './DriftScanner';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('drift on %p', databaseId => {
  let sim: RunningSimulator;
  let knex: Knex;
  let scheduler: ManualScheduler;
  let pve: ProxmoxClient;
  let ctx: Awaited<ReturnType<typeof startProxmoxBackend>>;

  beforeAll(async () => {
    sim = await startSim(31);
    knex = await databases.init(databaseId);
    scheduler = manualScheduler();
    pve = simClient(sim);
    ctx = await startProxmoxBackend({
      knex,
      sim,
      features: [scheduler.factory],
      proxmox: { leases: { enabled: false } },
    });
  });
  afterAll(async () => {
    await ctx?.backend.stop();
    await pve?.close();
    await sim?.stop();
  });

  it('is a global task and records no drift for a guest as declared', async () => {
    expect(scheduler.tasks.get(DRIFT_TASK_ID)?.scope).toBe('global');
    const { vmid } = await createGuest(ctx.server, {
      name: 'drift-clean',
      securityGroups: ['web', 'ssh'],
    });
    await scheduler.run(DRIFT_TASK_ID);
    const guest = await getGuest(ctx.server, vmid);
    expect(guest.drift).toEqual({
      checkedAt: expect.any(String),
      findings: [],
    });
  });

  it('finds changes made in Proxmox, shows them, and a reconcile removes them', async () => {
    const { vmid, node } = await createGuest(ctx.server, {
      name: 'drift-changed',
      cores: 2,
      memoryMiB: 2048,
      tags: ['team-a'],
      securityGroups: ['web', 'ssh'],
    });
    const where = { node, vmid };
    await pve.updateVmConfig({
      ...where,
      cores: 4,
      memory: 4096,
      tags: ['hand-made', 'mycopod', 'team-a'],
    });
    const ssh = (await pve.listVmFirewallRules(where)).find(
      r => r.type === 'group' && r.action === 'ssh',
    );
    await pve.deleteVmFirewallRule({ ...where, pos: ssh!.pos });

    const before = Date.now();
    await scheduler.run(DRIFT_TASK_ID);
    const { drift } = await getGuest(ctx.server, vmid);
    expect(Date.parse(drift.checkedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(drift.findings).toEqual([
      { field: 'cores', declared: 2, actual: 4 },
      { field: 'memoryMiB', declared: 2048, actual: 4096 },
      { field: 'securityGroups', declared: ['ssh', 'web'], actual: ['web'] },
      {
        field: 'tags',
        declared: ['mycopod', 'team-a'],
        actual: ['hand-made', 'mycopod', 'team-a'],
      },
    ]);

    const filed = await request(ctx.server)
      .post(`/api/proxmox/guests/lab/${vmid}/requests`)
      .set('Authorization', auth.user('dev'))
      .send({ kind: 'reconcile', justification: 'put it back' });
    expect(filed.status).toBe(201);
    // within policy a reconcile is approved by system at once
    expect(['approved', 'provisioning', 'ready']).toContain(filed.body.state);
    const done = await waitForState(ctx.server, filed.body.id, [
      'ready',
      'failed',
    ]);
    expect(done.failureReason).toBeUndefined();
    expect(done.state).toBe('ready');

    await scheduler.run(DRIFT_TASK_ID);
    expect((await getGuest(ctx.server, vmid)).drift.findings).toEqual([]);
    const [g] = sim.guests({ cluster: 'lab' }).filter(x => x.vmid === vmid);
    expect(g.tags).not.toContain('hand-made');
  });

  it('forgets guests that are no longer MycoPod guests', async () => {
    await knex('proxmox_guest_drift').insert({
      cluster: 'lab',
      vmid: 4242,
      request_id: '00000000-0000-4000-8000-000000000000',
      findings: '[]',
      checked_at: Date.now(),
    });
    await scheduler.run(DRIFT_TASK_ID);
    expect(
      await knex('proxmox_guest_drift').where({ cluster: 'lab', vmid: 4242 }),
    ).toEqual([]);
  });
});
