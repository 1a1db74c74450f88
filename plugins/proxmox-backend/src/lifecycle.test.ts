/*
 * The whole flow through the HTTP API on SQLite and PostgreSQL: the dev files
 * a request, the admin approves it, the executor provisions it, and the guest
 * exists in the simulator exactly as asked, exactly once. Also the races of
 * approvals (one job per request; a quota that fits one of two requests).
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import { requestMarker } from '@mycopod/plugin-proxmox-common';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import type { Knex } from 'knex';
import request from 'supertest';
import {
  auth,
  labSpec,
  startProxmoxBackend,
  startSim,
} from './__testUtils__/testBackend';
import { waitForState } from './__testUtils__/requests';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('on %p', databaseId => {
  let sim: RunningSimulator;
  let knex: Knex;
  let ctx: Awaited<ReturnType<typeof startProxmoxBackend>>;

  beforeAll(async () => {
    sim = await startSim(11);
    knex = await databases.init(databaseId);
    ctx = await startProxmoxBackend({
      knex,
      sim,
      proxmox: {
        policy: {
          defaults: { quota: { count: 100, memoryMiB: 1_000_000 } },
          groups: [
            {
              group: 'group:default/team-q',
              quota: { memoryMiB: 6144 },
            },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await ctx?.backend.stop();
    await sim?.stop();
  });

  it('create → approve → ready: the guest exists once, as specified', async () => {
    const spec = labSpec({
      name: 'lifecycle-01',
      cores: 3,
      memoryMiB: 3072,
      diskGiB: 48,
      tags: ['team-a', 'web'],
      securityGroups: ['web', 'ssh'],
      cloudInit: {
        user: 'deploy',
        sshKeys: [
          'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT dev@example.com',
        ],
        ipv4: { address: '10.10.0.42/24', gateway: '10.10.0.1' },
      },
    });
    const created = await request(ctx.server)
      .post('/api/proxmox/requests')
      .set('Authorization', auth.user('dev'))
      .send({ spec });
    expect(created.status).toBe(201);
    expect(created.body.state).toBe('pending');
    const id = created.body.id;
    expect(ctx.sent.notifications).toContainEqual(
      expect.objectContaining({
        recipients: expect.objectContaining({
          entityRef: ['group:default/platform-admins'],
        }),
        payload: expect.objectContaining({ scope: `proxmox-request:${id}` }),
      }),
    );

    const approved = await request(ctx.server)
      .post(`/api/proxmox/requests/${id}/approve`)
      .set('Authorization', auth.user('admin'))
      .send({ comment: 'fine' });
    expect(approved.status).toBe(200);
    expect(approved.body.state).toBe('approved');

    const ready = await waitForState(
      ctx.server,
      id,
      ['ready', 'failed'],
      'dev',
    );
    expect(ready.failureReason).toBeUndefined();
    expect(ready.state).toBe('ready');
    expect(ready.guest).toEqual(
      expect.objectContaining({ cluster: 'lab', vmid: expect.any(Number) }),
    );
    expect(ready.history.map((h: any) => h.toState)).toEqual([
      'pending',
      'approved',
      'provisioning',
      'ready',
    ]);
    expect(ready.history[1]).toEqual(
      expect.objectContaining({ actor: 'user:default/admin', comment: 'fine' }),
    );
    expect(ready.progress.completed).toEqual(
      expect.arrayContaining(['clone', 'configure', 'start']),
    );

    const guests = sim.guests({ marker: requestMarker(id) });
    expect(guests).toHaveLength(1);
    const [g] = guests;
    expect(g.vmid).toBe(ready.guest.vmid);
    expect(g.name).toBe('lifecycle-01');
    expect(g.status).toBe('running');
    expect(g.config.cores).toBe('3');
    expect(g.config.memory).toBe('3072');
    expect(g.config.ciuser).toBe('deploy');
    expect(decodeURIComponent(g.config.sshkeys)).toContain('dev@example.com');
    expect(g.config.ipconfig0).toBe('ip=10.10.0.42/24,gw=10.10.0.1');
    expect(g.config.net0).toContain('bridge=vmbr0');
    expect(g.tags).toEqual(
      expect.arrayContaining(['mycopod', 'team-a', 'web']),
    );
    const disk = ['scsi0', 'virtio0', 'sata0']
      .map(k => g.config[k])
      .find(Boolean);
    expect(disk).toMatch(/size=48G/);
    const cluster = sim.state.clusters.find(c => c.name === 'lab')!;
    const fw = cluster.guests.get(g.vmid)!.firewall;
    expect(
      fw.rules
        .filter(r => r.type === 'group')
        .map(r => r.action)
        .sort(),
    ).toEqual(['ssh', 'web']);
    expect(ctx.sent.notifications).toContainEqual(
      expect.objectContaining({
        recipients: { type: 'entity', entityRef: 'user:default/dev' },
        payload: expect.objectContaining({
          title: 'VM lifecycle-01 is ready',
          scope: `proxmox-request:${id}`,
        }),
      }),
    );
    expect(
      ctx.sent.signals.some(
        s =>
          s.channel === `proxmox:request:${id}` && s.message.state === 'ready',
      ),
    ).toBe(true);
  });

  it('20 concurrent approvals of one request → one approval, one job, one guest', async () => {
    const created = await request(ctx.server)
      .post('/api/proxmox/requests')
      .set('Authorization', auth.user('dev'))
      .send({ spec: labSpec({ name: 'race-01' }) });
    const id = created.body.id;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(ctx.server)
          .post(`/api/proxmox/requests/${id}/approve`)
          .set('Authorization', auth.user('admin'))
          .send({}),
      ),
    );
    const statuses = results.map(r => r.status).sort();
    expect(statuses.filter(s => s === 200)).toHaveLength(1);
    expect(statuses.filter(s => s === 409)).toHaveLength(19);
    const jobs = await knex('proxmox_jobs').where({ request_id: id });
    expect(jobs).toHaveLength(1);
    const events = await knex('proxmox_request_events').where({
      request_id: id,
      to_state: 'approved',
    });
    expect(events).toHaveLength(1);
    await waitForState(ctx.server, id, ['ready', 'failed'], 'dev');
    expect(sim.guests({ marker: requestMarker(id) })).toHaveLength(1);
  });

  it('two requests that fit the quota only alone: one approved, one rejected with a quota finding', async () => {
    const ids: string[] = [];
    for (const name of ['quota-a', 'quota-b']) {
      const res = await request(ctx.server)
        .post('/api/proxmox/requests')
        .set('Authorization', auth.user('quser'))
        .send({
          spec: labSpec({
            name,
            owner: 'group:default/team-q',
            memoryMiB: 4096,
          }),
        });
      expect(res.status).toBe(201);
      // each fits alone; the other's pending request only warns
      expect(res.body.state).toBe('pending');
      ids.push(res.body.id);
    }
    expect(ids.every(Boolean)).toBe(true);
    const [a, b] = await Promise.all(
      ids.map(id =>
        request(ctx.server)
          .post(`/api/proxmox/requests/${id}/approve`)
          .set('Authorization', auth.user('admin'))
          .send({}),
      ),
    );
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const refused = a.status === 409 ? a : b;
    expect(refused.body.request.state).toBe('rejected');
    expect(refused.body.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'error', code: 'quota.memory' }),
      ]),
    );
  });
});
