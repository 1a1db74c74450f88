/*
 * Authorization matrix of the guest action routes over the real HTTP API:
 * every route × {no token, dev (member of the owner group), another user,
 * an admin (approver), a service principal}, with the real permission
 * backend and MycoPod policy (IS_GUEST_OWNER for owners, ALLOW for
 * approvers), plus `allowedActions` and `consoleUrl` of the guest read.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import request from 'supertest';
import { auth, startSim } from '../__testUtils__/testBackend';
import {
  ActionsBackend,
  provisionTeamAGuest,
  simGuest,
  startActionsBackend,
  waitTask,
} from './__testUtils__/guestActions';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
let sim: RunningSimulator;
let ctx: ActionsBackend;
let vmid: number;

beforeAll(async () => {
  sim = await startSim(22);
  const knex = await databases.init('SQLITE_3');
  ctx = await startActionsBackend({ knex, sim });
  vmid = await provisionTeamAGuest(ctx.server, 'authz-01');
});
afterAll(async () => {
  await ctx?.backend.stop();
  await sim?.stop();
});

type Who = 'none' | 'dev' | 'other' | 'admin' | 'service';
const header = (who: Who) => {
  if (who === 'none') return auth.none();
  if (who === 'service') return auth.service();
  return auth.user(who);
};

/** Sends one request; for a 202 waits until its task ended. */
async function send(
  who: Who,
  method: 'get' | 'post' | 'delete',
  path: string,
  body?: object,
) {
  let req = request(ctx.server)
    [method](`/api/proxmox/guests/lab/${vmid}${path}`)
    .set('Authorization', header(who));
  if (body) req = req.send(body);
  const res = await req;
  if (res.status === 202) await waitTask(ctx.server, vmid, res.body.upid);
  return res;
}

/** The dev's reboot task (read by each caller in the tasks row). */
let devReboot: string;

/** Snapshot names each caller makes, so every allowed call succeeds. */
const snap = (who: Who) => `snap-${who}`;

describe('authorization matrix of the guest action routes', () => {
  it.each<[Who, number, string | undefined]>([
    ['none', 401, 'AuthenticationError'],
    ['service', 403, 'NotAllowedError'],
    ['other', 403, 'NotAllowedError'],
    ['dev', 202, undefined],
    ['admin', 202, undefined],
  ])(
    'POST /guests/:cluster/:vmid/power as %s → %i',
    async (who, status, error) => {
      const res = await send(who, 'post', '/power', { action: 'reboot' });
      expect(res.status).toBe(status);
      expect(res.body.error?.name).toBe(error);
      if (who === 'dev') devReboot = res.body.upid;
    },
  );

  it('tells a user without the permission what was refused', async () => {
    const res = await send('other', 'post', '/power', { action: 'stop' });
    expect(res.body.error.message).toBe(`You may not power guest lab/${vmid}`);
    expect(simGuest(sim, vmid).status).toBe('running');
  });

  it.each<[Who, number]>([
    ['none', 401],
    ['service', 403],
    ['other', 403],
    ['dev', 202],
    ['admin', 202],
  ])(
    'POST /guests/:cluster/:vmid/snapshots as %s → %i',
    async (who, status) => {
      const res = await send(who, 'post', '/snapshots', { name: snap(who) });
      expect(res.status).toBe(status);
      expect(simGuest(sim, vmid).snapshots.has(snap(who))).toBe(status === 202);
    },
  );

  it.each<[Who, number]>([
    ['none', 401],
    ['service', 403],
    ['other', 403],
    ['dev', 200],
    ['admin', 200],
  ])('GET /guests/:cluster/:vmid/snapshots as %s → %i', async (who, status) => {
    const res = await send(who, 'get', '/snapshots');
    expect(res.status).toBe(status);
    const names: string[] = (res.body.items ?? []).map((s: any) => s.name);
    const made = [snap('dev'), snap('admin')];
    expect(made.filter(n => names.includes(n))).toEqual(
      status === 200 ? made : [],
    );
  });

  it.each<[Who, number]>([
    ['none', 401],
    ['service', 403],
    ['other', 403],
    ['dev', 202],
    ['admin', 202],
  ])(
    'POST /guests/:cluster/:vmid/snapshots/:name/rollback as %s → %i',
    async (who, status) => {
      const res = await send(
        who,
        'post',
        `/snapshots/${snap('dev')}/rollback`,
        {},
      );
      expect(res.status).toBe(status);
    },
  );

  it.each<[Who, number]>([
    ['none', 401],
    ['service', 403],
    ['other', 403],
    ['dev', 202],
    ['admin', 202],
  ])(
    'DELETE /guests/:cluster/:vmid/snapshots/:name as %s → %i',
    async (who, status) => {
      const name = who === 'admin' ? snap('admin') : snap('dev');
      const res = await send(who, 'delete', `/snapshots/${name}`);
      expect(res.status).toBe(status);
      expect(simGuest(sim, vmid).snapshots.has(name)).toBe(status !== 202);
    },
  );

  it.each<[Who, number]>([
    ['none', 401],
    ['service', 403],
    ['other', 403],
    ['dev', 200],
    ['admin', 200],
  ])(
    'GET /guests/:cluster/:vmid/tasks/:upid as %s → %i',
    async (who, status) => {
      const upid = devReboot;
      const res = await send(who, 'get', `/tasks/${encodeURIComponent(upid)}`);
      expect(res.status).toBe(status);
      expect(res.body.upid).toBe(status === 200 ? upid : undefined);
    },
  );
});

describe('GET /guests/:cluster/:vmid: allowedActions and consoleUrl', () => {
  const read = (who: Who, id = vmid) =>
    request(ctx.server)
      .get(`/api/proxmox/guests/lab/${id}`)
      .set('Authorization', header(who));

  it('lists what each caller may do on a MycoPod guest', async () => {
    const all = [
      'power',
      'snapshot',
      'console',
      'resize',
      'extend-lease',
      'reconcile',
      'decommission',
    ];
    const dev = await read('dev').expect(200);
    expect(dev.body.allowedActions).toEqual(all);
    const admin = await read('admin').expect(200);
    expect(admin.body.allowedActions).toEqual(all);
    const other = await read('other').expect(200);
    expect(other.body.allowedActions).toEqual([]);
    expect(other.body).not.toHaveProperty('consoleUrl');

    const base = new URL(sim.clusters[0].url).origin;
    expect(dev.body.consoleUrl).toBe(
      `${base}/?console=kvm&novnc=1&vmid=${vmid}&vmname=authz-01&node=${dev.body.node}&resize=off&cmd=`,
    );
    expect(admin.body.consoleUrl).toBe(dev.body.consoleUrl);
  });

  it('offers guests created elsewhere to approvers only, and no power on containers', async () => {
    // vmid 100 has no MycoPod request: no owner, no request to reconcile
    expect((await read('dev', 100).expect(200)).body.allowedActions).toEqual(
      [],
    );
    const admin = await read('admin', 100).expect(200);
    expect(admin.body.allowedActions).toEqual([
      'power',
      'snapshot',
      'console',
      'resize',
      'decommission',
    ]);
    const lxc = await read('admin', 103).expect(200);
    expect(lxc.body.allowedActions).toEqual([
      'console',
      'resize',
      'decommission',
    ]);
    expect(new URL(lxc.body.consoleUrl).searchParams.get('console')).toBe(
      'lxc',
    );
  });
});
