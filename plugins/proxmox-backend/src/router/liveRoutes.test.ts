/*
 * GET /inventory (?cluster=, guest facts, unparsed guests) and the live
 * routes over a real test backend: the real permission backend and MycoPod
 * policy, SQLite, the executor and the PVE simulator over HTTPS.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import request from 'supertest';
import {
  auth,
  labSpec,
  startProxmoxBackend,
  startSim,
} from '../__testUtils__/testBackend';

jest.setTimeout(90_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
let sim: RunningSimulator;
let ctx: Awaited<ReturnType<typeof startProxmoxBackend>>;

beforeAll(async () => {
  sim = await startSim(5);
  const knex = await databases.init('SQLITE_3');
  ctx = await startProxmoxBackend({ knex, sim });
});
afterAll(async () => {
  await ctx?.backend.stop();
  await sim?.stop();
});
afterEach(() => sim.setFaults(undefined));

const get = (path: string, header = auth.user('dev')) =>
  request(ctx.server).get(`/api/proxmox${path}`).set('Authorization', header);

/** Polls `check` (the inventory is cached for a few seconds) until it passes. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise(r => setTimeout(r, 200));
    }
  }
}

describe('GET /inventory', () => {
  it('answers one cluster with ?cluster=, with its own ETag and 304', async () => {
    const all = await get('/inventory', auth.service()).expect(200);
    const lab = await get('/inventory?cluster=lab', auth.service()).expect(200);
    const edge = await get('/inventory?cluster=edge', auth.service()).expect(
      200,
    );
    expect(lab.body.clusters.map((c: any) => c.name)).toEqual(['lab']);
    expect(edge.body.clusters.map((c: any) => c.name)).toEqual(['edge']);
    expect(lab.body.clusters[0]).toEqual(all.body.clusters[0]);
    const etags = [all, lab, edge].map(r => r.header.etag);
    expect(new Set(etags).size).toBe(3);
    expect(lab.header.etag).toBe(`"${lab.body.hash}"`);
    await get('/inventory?cluster=lab', auth.service())
      .set('If-None-Match', lab.header.etag)
      .expect(304);
    // the ETag of another cluster does not match
    await get('/inventory?cluster=lab', auth.service())
      .set('If-None-Match', edge.header.etag)
      .expect(200);
  });

  it('has stable guest facts and no live values', async () => {
    const res = await get('/inventory?cluster=lab', auth.service()).expect(200);
    const [lab] = res.body.clusters;
    const web = lab.guests.find((g: any) => g.vmid === 100);
    expect(web).toEqual({
      vmid: 100,
      name: 'web-01',
      node: 'pve1',
      type: 'qemu',
      pool: 'mycopod',
      tags: ['mycopod', 'web'],
      maxcpu: expect.any(Number),
      maxmemMiB: expect.any(Number),
      maxdiskGiB: expect.any(Number),
    });
    expect(web.maxmemMiB).toBeGreaterThanOrEqual(512);
    expect(lab.nodes[0]).not.toHaveProperty('status');
    expect(lab.unparsed).toEqual([]);
  });

  it('reports a guest it cannot parse, and only that cluster changes', async () => {
    const lab = await get('/inventory?cluster=lab', auth.service()).expect(200);
    const edge = await get('/inventory?cluster=edge', auth.service()).expect(
      200,
    );
    const state = sim.state.clusters.find(c => c.name === 'edge')!;
    const [vmid, guest] = [...state.guests.entries()].find(
      ([, g]) => g.type === 'qemu' && !g.config.template,
    )!;
    const type = guest.type;
    (guest as { type: string }).type = 'openvz';
    try {
      const changed = await eventually(async () => {
        const r = await get('/inventory?cluster=edge', auth.service())
          .set('If-None-Match', edge.header.etag)
          .expect(200);
        return r;
      });
      const [c] = changed.body.clusters;
      expect(c.guests.map((g: any) => g.vmid)).not.toContain(vmid);
      expect(c.unparsed).toEqual([
        {
          vmid,
          node: guest.node,
          reason: "unsupported guest type 'openvz'",
        },
      ]);
      await get('/inventory?cluster=lab', auth.service())
        .set('If-None-Match', lab.header.etag)
        .expect(304);
    } finally {
      (guest as { type: string }).type = type;
    }
  });

  it('validates the query and answers 404 for an unknown cluster', async () => {
    const bad = await get('/inventory?cluster=-x&foo=1', auth.service()).expect(
      400,
    );
    expect(bad.body.fields).toEqual(
      expect.arrayContaining([
        { field: 'cluster', message: 'must be a cluster name' },
        expect.objectContaining({ field: '' }),
      ]),
    );
    await get('/inventory?cluster=nowhere', auth.service()).expect(404);
    await get('/inventory?cluster=lab').expect(403);
  });
});

describe('a provisioned guest', () => {
  it('carries owner, request, system and lease in the inventory and live', async () => {
    const created = await request(ctx.server)
      .post('/api/proxmox/requests')
      .set('Authorization', auth.user('dev'))
      .send({
        spec: labSpec({
          name: 'facts-01',
          system: 'system:default/payments',
          leaseDays: 7,
        }),
      })
      .expect(201);
    const id = created.body.id;
    await request(ctx.server)
      .post(`/api/proxmox/requests/${id}/approve`)
      .set('Authorization', auth.user('admin'))
      .send({})
      .expect(200);
    const ready = await eventually(async () => {
      const r = await get(`/requests/${id}`).expect(200);
      expect(r.body.state).toBe('ready');
      return r.body;
    }, 60_000);
    const readyAt = Date.parse(
      ready.history.find((h: any) => h.toState === 'ready').createdAt,
    );
    const leaseEndsAt = new Date(readyAt + 7 * 86_400_000).toISOString();
    const vmid = ready.guest.vmid;

    const guest = await eventually(async () => {
      const r = await get('/inventory?cluster=lab', auth.service());
      const g = r.body.clusters[0].guests.find((x: any) => x.vmid === vmid);
      expect(g?.name).toBe('facts-01');
      return g;
    });
    expect(guest).toMatchObject({
      owner: 'group:default/team-a',
      requestId: id,
      system: 'system:default/payments',
      leaseEndsAt,
      maxcpu: 2,
      maxmemMiB: 2048,
      maxdiskGiB: 40,
    });

    const live = await get(`/guests/lab/${vmid}`).expect(200);
    expect(live.body).toMatchObject({
      cluster: 'lab',
      vmid,
      type: 'qemu',
      name: 'facts-01',
      status: 'running',
      owner: 'group:default/team-a',
      requestId: id,
      leaseEndsAt,
    });
  });
});

describe('GET /guests/:cluster/:vmid', () => {
  it('answers the live status with the guest agent addresses (any signed-in user)', async () => {
    for (const who of ['dev', 'other'] as const) {
      const res = await get('/guests/lab/100', auth.user(who)).expect(200);
      expect(res.header['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({
        cluster: 'lab',
        node: 'pve1',
        vmid: 100,
        type: 'qemu',
        name: 'web-01',
        status: 'running',
        agent: 'ok',
        cpus: expect.any(Number),
        memoryMaxMiB: expect.any(Number),
        uptimeSeconds: expect.any(Number),
      });
      expect(res.body.ipAddresses.length).toBeGreaterThan(0);
      expect(res.body.ipAddresses).not.toContain('127.0.0.1');
    }
  });

  it('says the agent is unavailable when it does not answer or the guest is stopped', async () => {
    sim.setFaults({
      routes: [
        {
          path: '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces',
          rate: 1,
          kinds: ['500'],
        },
      ],
    });
    const down = await get('/guests/lab/101').expect(200);
    expect(down.body).toMatchObject({
      status: 'running',
      agent: 'unavailable',
      ipAddresses: [],
    });
    sim.setFaults(undefined);
    const stopped = await get('/guests/lab/102').expect(200);
    expect(stopped.body).toMatchObject({
      status: 'stopped',
      agent: 'unavailable',
      ipAddresses: [],
    });
    const lxc = await get('/guests/lab/103').expect(200);
    expect(lxc.body).toMatchObject({ type: 'lxc', agent: 'unavailable' });
  });

  it('validates parameters, answers 404 for unknown clusters and guests, refuses services', async () => {
    const bad = await get('/guests/-x/abc').expect(400);
    expect(bad.body.fields).toEqual([
      { field: 'cluster', message: 'must be a cluster name' },
      { field: 'vmid', message: 'must be a VMID (100-999999999)' },
    ]);
    await get('/guests/lab/100?x=1').expect(400);
    await get('/guests/nowhere/100').expect(404);
    await get('/guests/lab/4242').expect(404);
    await get('/guests/lab/100', auth.service()).expect(403);
    await get('/guests/lab/100', auth.none()).expect(401);
  });

  it('answers 503 without secrets when Proxmox fails', async () => {
    sim.setFaults({
      routes: [{ path: '/nodes/{node}/qemu/{vmid}/status/current', rate: 1 }],
    });
    const res = await get('/guests/lab/100').expect(503);
    expect(JSON.stringify(res.body)).not.toContain(sim.token.secret);
    expect(res.body.error.message).toContain("cluster 'lab'");
  });
});

describe('GET /nodes/:cluster/:node and /clusters/:cluster', () => {
  it('answers the capacity of a node with its storages and guests', async () => {
    const res = await get('/nodes/lab/pve1').expect(200);
    expect(res.body).toMatchObject({
      cluster: 'lab',
      node: 'pve1',
      status: 'online',
      cpus: expect.any(Number),
      memoryMaxMiB: expect.any(Number),
      memoryUsedMiB: expect.any(Number),
    });
    const storages = res.body.storages.map((s: any) => s.name);
    expect(storages).toEqual(
      expect.arrayContaining(['local-lvm', 'nfs-shared']),
    );
    for (const s of res.body.storages) {
      expect(s.totalGiB).toBeGreaterThan(0);
      expect(s.usedGiB).toBeLessThanOrEqual(s.totalGiB);
    }
    expect(res.body.guests).toEqual(
      expect.arrayContaining([
        { vmid: 100, name: 'web-01', type: 'qemu', status: 'running' },
      ]),
    );
    expect(res.body.guests.map((g: any) => g.vmid)).not.toContain(9000);
  });

  it('answers a cluster summary whose totals add up', async () => {
    const res = await get('/clusters/lab').expect(200);
    expect(res.body.nodes.map((n: any) => n.node)).toEqual([
      'pve1',
      'pve2',
      'pve3',
    ]);
    const { totals, nodes } = res.body;
    expect(totals.nodes).toBe(3);
    expect(totals.onlineNodes).toBe(3);
    expect(totals.guests).toBe(
      nodes.reduce((n: number, x: any) => n + x.guests, 0),
    );
    expect(totals.cpus).toBe(
      nodes.reduce((n: number, x: any) => n + x.cpus, 0),
    );
    expect(totals.memoryMaxMiB).toBeGreaterThan(totals.memoryUsedMiB);
  });

  it('validates parameters and answers 404 for unknown nodes and clusters', async () => {
    const bad = await get('/nodes/lab/bad_node!').expect(400);
    expect(bad.body.fields).toEqual([
      { field: 'node', message: 'must be a node name' },
    ]);
    await get('/nodes/lab/pve9').expect(404);
    await get('/nodes/nowhere/pve1').expect(404);
    await get('/clusters/nowhere').expect(404);
    await get('/clusters/lab', auth.service()).expect(403);
  });
});
