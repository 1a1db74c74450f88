/*
 * IP pools end to end through the HTTP API, on PostgreSQL and SQLite, with
 * the PVE simulator over HTTPS: the options show the pools a group may use
 * with free counts; a request for a pool gets its address at approval and
 * the guest's cloud-init carries it; a failed create gives it back; an
 * exhausted pool refuses at create and at approval; a decommissioned guest
 * frees it for the next request; a group-restricted pool or a pool of
 * another network is refused.
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
  type UserName,
} from '../__testUtils__/testBackend';
import { waitForState } from '../__testUtils__/requests';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const IP_POOLS = [
  {
    name: 'lab-small',
    cluster: 'lab',
    network: { bridge: 'vmbr0' },
    cidr: '10.10.0.0/24',
    gateway: '10.10.0.1',
    range: { first: '10.10.0.150', last: '10.10.0.151' },
    dns: { nameservers: ['10.10.0.53'], searchDomain: 'lab.example' },
  },
  {
    name: 'team-b-only',
    cluster: 'lab',
    network: { bridge: 'vmbr0' },
    cidr: '10.10.0.0/24',
    gateway: '10.10.0.1',
    range: { first: '10.10.0.200', last: '10.10.0.209' },
    groups: ['group:default/team-b'],
  },
  {
    name: 'lab-services',
    network: { vnet: 'vnet100' },
    cidr: '10.100.0.0/24',
    gateway: '10.100.0.1',
    range: [{ first: '10.100.0.10', last: '10.100.0.19' }],
    exclude: ['10.100.0.15'],
  },
];

/** Only for the backend without executor (the race). */
const RACE_POOL = {
  name: 'race',
  cluster: 'lab',
  network: { bridge: 'vmbr1' },
  cidr: '10.30.0.0/29',
  gateway: '10.30.0.1',
  range: { first: '10.30.0.1', last: '10.30.0.7' },
};

describe.each(databases.eachSupportedId())('on %p', databaseId => {
  let sim: RunningSimulator;
  let knex: Knex;
  let ctx: Awaited<ReturnType<typeof startProxmoxBackend>>;

  beforeAll(async () => {
    sim = await startSim(21);
    knex = await databases.init(databaseId);
    ctx = await startProxmoxBackend({
      knex,
      sim,
      proxmox: {
        ipPools: IP_POOLS,
        policy: { defaults: { quota: { count: 100, memoryMiB: 1_000_000 } } },
      },
    });
  });
  afterAll(async () => {
    await ctx?.backend.stop();
    await sim?.stop();
  });

  const api = (who: UserName) => ({
    get: (path: string) =>
      request(ctx.server)
        .get(`/api/proxmox${path}`)
        .set('Authorization', auth.user(who)),
    post: (path: string, body: object = {}) =>
      request(ctx.server)
        .post(`/api/proxmox${path}`)
        .set('Authorization', auth.user(who))
        .send(body),
  });

  const waitFor = (id: string, states: string[]) =>
    waitForState(ctx.server, id, states, 'dev');

  async function file(name: string, over: Record<string, unknown> = {}) {
    const spec = labSpec({
      name,
      cloudInit: { ...labSpec().cloudInit, ipv4: { pool: 'lab-small' } },
      ...over,
    });
    return api('dev').post('/requests', { spec });
  }

  async function poolsFor(who: UserName, query = '') {
    const res = await api(who).get(`/options?cluster=lab${query}`);
    expect(res.status).toBe(200);
    return Object.fromEntries(
      (res.body.ipPools as any[]).map(p => [p.name, p]),
    );
  }

  it('options show the pools a group may use, on its networks, with free counts', async () => {
    const dev = await poolsFor('dev');
    expect(dev).toEqual({
      'lab-small': {
        name: 'lab-small',
        network: { bridge: 'vmbr0' },
        cidr: '10.10.0.0/24',
        gateway: '10.10.0.1',
        size: 2,
        free: 2,
      },
      'lab-services': expect.objectContaining({
        network: { vnet: 'vnet100' },
        size: 9,
        free: 9,
      }),
    });
    // team-b sees its own pool too; asking for team-b's choices shows it
    expect(Object.keys(await poolsFor('other')).sort()).toEqual([
      'lab-services',
      'lab-small',
      'team-b-only',
    ]);
    expect(
      Object.keys(await poolsFor('dev', '&owner=group:default/team-b')),
    ).toContain('team-b-only');
    // the edge cluster has none of the lab pools but the cluster-less one
    // where its network exists (edge has no vnet100)
    const edge = await api('dev').get('/options?cluster=edge');
    expect(edge.body.ipPools).toEqual([]);
  });

  it('refuses a pool of another group, or of another network, naming cloudInit.ipv4.pool', async () => {
    const teamB = labSpec({
      name: 'pool-b',
      cloudInit: { ...labSpec().cloudInit, ipv4: { pool: 'team-b-only' } },
    });
    const validated = await api('dev').post('/requests/validate', {
      spec: teamB,
    });
    expect(validated.status).toBe(200);
    expect(validated.body.findings).toContainEqual({
      level: 'error',
      field: 'cloudInit.ipv4.pool',
      code: 'ip-pool.not-allowed',
      message: 'IP pool team-b-only is not open to team-a (allowed: team-b)',
    });
    const refused = await api('dev').post('/requests', { spec: teamB });
    expect(refused.status).toBe(400);
    expect(refused.body.findings.map((f: any) => f.code)).toContain(
      'ip-pool.not-allowed',
    );
    // team-b may use it
    const other = await api('other').post('/requests/validate', {
      spec: { ...teamB, owner: 'group:default/team-b' },
    });
    expect(other.body.findings).toEqual([]);

    const wrongNet = await file('pool-net', { network: { bridge: 'vmbr1' } });
    expect(wrongNet.status).toBe(400);
    expect(wrongNet.body.findings).toContainEqual(
      expect.objectContaining({
        field: 'cloudInit.ipv4.pool',
        code: 'ip-pool.wrong-network',
      }),
    );
    const unknown = await file('pool-x', {
      cloudInit: { ...labSpec().cloudInit, ipv4: { pool: 'nowhere' } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.findings[0].code).toBe('ip-pool.unknown');
  });

  it('allocates at approval, writes ipconfig0, frees on failure, and refuses when exhausted', async () => {
    // 1. a request for the pool: the address is taken at approval
    const first = await file('pool-01');
    expect(first.status).toBe(201);
    const pending = await api('dev').get(`/requests/${first.body.id}`);
    expect(pending.body.ipv4Allocation).toBeUndefined();
    expect(
      (await api('admin').post(`/requests/${first.body.id}/approve`)).status,
    ).toBe(200);
    const ready = await waitFor(first.body.id, ['ready', 'failed']);
    expect(ready.failureReason).toBeUndefined();
    expect(ready.spec.cloudInit.ipv4).toEqual({ pool: 'lab-small' });
    expect(ready.ipv4Allocation).toEqual({
      pool: 'lab-small',
      address: '10.10.0.150/24',
      gateway: '10.10.0.1',
    });
    const [guest] = sim.guests({ marker: requestMarker(first.body.id) });
    expect(guest.config.ipconfig0).toBe('ip=10.10.0.150/24,gw=10.10.0.1');
    expect(guest.config.nameserver).toBe('10.10.0.53');
    expect(guest.config.searchdomain).toBe('lab.example');
    expect((await poolsFor('dev'))['lab-small'].free).toBe(1);

    // 2. an approved create that fails gives its address back
    const broken = await file('pool-02', { template: 'no-such-template' });
    expect(broken.status).toBe(201);
    expect(
      (await api('admin').post(`/requests/${broken.body.id}/approve`)).status,
    ).toBe(200);
    const failed = await waitFor(broken.body.id, ['failed', 'ready']);
    expect(failed.state).toBe('failed');
    expect(failed.ipv4Allocation).toBeUndefined();
    expect((await poolsFor('dev'))['lab-small'].free).toBe(1);

    // 3. two pending requests for the last address: one gets it, the other
    //    is refused at approval with the reason
    const [a, b] = await Promise.all([file('pool-03'), file('pool-04')]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const approvedA = await api('admin').post(`/requests/${a.body.id}/approve`);
    expect(approvedA.status).toBe(200);
    const refusedB = await api('admin').post(`/requests/${b.body.id}/approve`);
    expect(refusedB.status).toBe(409);
    expect(refusedB.body.error.message).toBe(
      'The request was rejected on approval: IP pool lab-small (10.10.0.0/24) has no free address: all 2 are allocated',
    );
    expect(refusedB.body.request.state).toBe('rejected');
    const readyA = await waitFor(a.body.id, ['ready', 'failed']);
    expect(readyA.ipv4Allocation.address).toBe('10.10.0.151/24');
    const [guestA] = sim.guests({ marker: requestMarker(a.body.id) });
    expect(guestA.config.ipconfig0).toBe('ip=10.10.0.151/24,gw=10.10.0.1');

    // 4. the exhausted pool refuses at create, and shows 0 free
    const late = await file('pool-05');
    expect(late.status).toBe(400);
    expect(late.body.findings).toContainEqual(
      expect.objectContaining({ code: 'ip-pool.exhausted' }),
    );
    expect((await poolsFor('dev'))['lab-small'].free).toBe(0);
  });

  it('a decommissioned guest frees its address for the next request', async () => {
    // the pool is exhausted (previous test): pool-01 holds 10.10.0.150
    expect((await poolsFor('dev'))['lab-small'].free).toBe(0);
    const [old] = (
      await api('dev').get('/requests?state=ready')
    ).body.items.filter((r: any) => r.spec.name === 'pool-01');
    const filed = await api('dev').post(
      `/guests/lab/${old.guest.vmid}/requests`,
      { kind: 'decommission', justification: 'done with it' },
    );
    expect(filed.status).toBe(201);
    expect(
      (await api('admin').post(`/requests/${filed.body.id}/approve`)).status,
    ).toBe(200);
    const done = await waitFor(filed.body.id, ['ready', 'failed']);
    expect(done.failureReason).toBeUndefined();
    expect(done.progress.completed).toEqual(['stop', 'destroy', 'release']);
    const gone = await waitFor(old.id, ['decommissioned']);
    expect(gone.ipv4Allocation).toBeUndefined();
    expect((await poolsFor('dev'))['lab-small'].free).toBe(1);
    // freed by the decommission's release step (the GuestReleaseHook)
    expect(ctx.logs).toContainEqual(
      expect.stringContaining(
        `IP pool lab-small: 10.10.0.150 of request ${old.id} is free again (guest lab/${old.guest.vmid} released)`,
      ),
    );

    const next = await file('pool-06');
    expect(next.status).toBe(201);
    expect(
      (await api('admin').post(`/requests/${next.body.id}/approve`)).status,
    ).toBe(200);
    const ready = await waitFor(next.body.id, ['ready', 'failed']);
    expect(ready.ipv4Allocation.address).toBe('10.10.0.150/24');
    const [guest] = sim.guests({ marker: requestMarker(next.body.id) });
    expect(guest.config.ipconfig0).toBe('ip=10.10.0.150/24,gw=10.10.0.1');
  });

  /** A second backend whose executor is off: approved requests wait. */
  async function idleBackend() {
    const idle = await startProxmoxBackend({
      knex: await databases.init(databaseId),
      sim,
      proxmox: {
        ipPools: [...IP_POOLS, RACE_POOL],
        policy: { defaults: { quota: {} } },
      },
      executor: { enabled: false },
    });
    const call = (who: UserName, path: string, body?: object) =>
      body
        ? request(idle.server)
            .post(`/api/proxmox${path}`)
            .set('Authorization', auth.user(who))
            .send(body)
        : request(idle.server)
            .get(`/api/proxmox${path}`)
            .set('Authorization', auth.user(who));
    return { idle, call };
  }

  it('20 concurrent approvals (two owner groups) of a 5-address pool: 5 distinct addresses, 15 refused', async () => {
    const { idle, call } = await idleBackend();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const who: UserName = i % 2 ? 'other' : 'dev';
        const res = await call(who, '/requests', {
          spec: labSpec({
            name: `race-${i}`,
            network: { bridge: 'vmbr1' },
            owner: i % 2 ? 'group:default/team-b' : 'group:default/team-a',
            cloudInit: { ...labSpec().cloudInit, ipv4: { pool: 'race' } },
          }),
        });
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
      const decisions = await Promise.all(
        ids.map(id => call('admin', `/requests/${id}/approve`, {})),
      );
      const approved = decisions.filter(d => d.status === 200);
      const refused = decisions.filter(d => d.status === 409);
      expect(approved).toHaveLength(5);
      expect(refused).toHaveLength(15);
      for (const r of refused) {
        expect(r.body.error.message).toBe(
          'The request was rejected on approval: IP pool race (10.30.0.0/29) has no free address: all 5 are allocated',
        );
      }
      const addresses = await Promise.all(
        approved.map(
          async d =>
            (
              await call('admin', `/requests/${d.body.id}`)
            ).body.ipv4Allocation.address,
        ),
      );
      expect(addresses.sort()).toEqual([
        '10.30.0.2/29',
        '10.30.0.3/29',
        '10.30.0.4/29',
        '10.30.0.5/29',
        '10.30.0.6/29',
      ]);
    } finally {
      await idle.backend.stop();
    }
  });

  it('a cancelled approval gives its address back before any guest exists', async () => {
    const { idle, call } = await idleBackend();
    try {
      const free = async () =>
        (await call('dev', '/options?cluster=lab')).body.ipPools.find(
          (p: any) => p.name === 'lab-services',
        ).free;
      const spec = labSpec({
        name: 'svc-01',
        network: { vnet: 'vnet100' },
        cloudInit: { ...labSpec().cloudInit, ipv4: { pool: 'lab-services' } },
      });
      const created = await call('dev', '/requests', { spec });
      expect(created.status).toBe(201);
      const id = created.body.id;
      const approved = await call('admin', `/requests/${id}/approve`, {});
      expect(approved.status).toBe(200);
      expect(
        (await call('dev', `/requests/${id}`)).body.ipv4Allocation,
      ).toEqual({
        pool: 'lab-services',
        address: '10.100.0.10/24',
        gateway: '10.100.0.1',
      });
      expect(await free()).toBe(8);
      const cancelled = await call('dev', `/requests/${id}/cancel`, {});
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.state).toBe('cancelled');
      expect(
        (await call('dev', `/requests/${id}`)).body.ipv4Allocation,
      ).toBeUndefined();
      expect(await free()).toBe(9);
      // the next request gets the same address
      const next = await call('dev', '/requests', {
        spec: { ...spec, name: 'svc-02' },
      });
      await call('admin', `/requests/${next.body.id}/approve`, {});
      expect(
        (await call('dev', `/requests/${next.body.id}`)).body.ipv4Allocation
          .address,
      ).toBe('10.100.0.10/24');
    } finally {
      await idle.backend.stop();
    }
  });
});
