/*
 * Authorization matrix of `POST /guests/:cluster/:vmid/requests` over the
 * real HTTP API with the real permission backend and the MycoPod policy:
 * {no token, a member of the owner group (dev, who made the guest),
 * another user, an admin, a service principal} × {update kinds, delete}.
 * Then the request routes (read, approve, cancel) on a day-2 request.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import request from 'supertest';
import {
  auth,
  startProxmoxBackend,
  startSim,
} from '../__testUtils__/testBackend';
import { createGuest } from '../__testUtils__/requests';
import { fileGuestRequest } from './__testUtils__/day2';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
let sim: RunningSimulator;
let server: any;
let guest: { id: string; vmid: number };

beforeAll(async () => {
  sim = await startSim(23);
  const knex = await databases.init('SQLITE_3');
  ({ server } = await startProxmoxBackend({
    knex,
    sim,
  }));
  guest = await createGuest(server, { name: 'authz-01' });
});
afterAll(() => sim?.stop());

type Who = 'none' | 'dev' | 'member' | 'other' | 'admin' | 'service';

/** Cancels a request the matrix opened, so the next row may open one. */
async function close(id: string) {
  const res = await request(server)
    .post(`/api/proxmox/requests/${id}/cancel`)
    .set('Authorization', auth.user('admin'))
    .send({});
  if (res.status !== 200) throw new Error(`cancel ${id}: ${res.status}`);
}

const EXPECTED: Record<Who, number> = {
  none: 401,
  service: 403,
  dev: 201, // member of team-a, the owner group
  member: 201, // member of team-a, did not file the create request
  other: 403, // team-b
  admin: 201, // approvers act on every guest
};

describe('POST /guests/:cluster/:vmid/requests', () => {
  it.each(
    (Object.keys(EXPECTED) as Who[]).flatMap(who =>
      [
        { kind: 'resize', cores: 3 },
        { kind: 'decommission' },
        { kind: 'reconcile' },
      ].map(
        body =>
          [
            who,
            body.kind,
            // a reconcile without recorded drift is a 409 once permitted
            body.kind === 'reconcile' && EXPECTED[who] === 201
              ? 409
              : EXPECTED[who],
            body,
          ] as const,
      ),
    ),
  )('as %s, %s → %i', async (who, kind, status, body) => {
    const res = await fileGuestRequest(server, guest.vmid, body, who);
    expect(res.status).toBe(status);
    expect(res.body.kind).toBe(status === 201 ? kind : undefined);
    expect(res.body.requester).toBe(
      status === 201 ? `user:default/${who}` : undefined,
    );
    if (res.status === 201) await close(res.body.id);
  });

  it('extend-lease as the owner member files and auto-approves; as another user 403', async () => {
    expect(
      (
        await fileGuestRequest(
          server,
          guest.vmid,
          { kind: 'extend-lease', days: 1 },
          'other',
        )
      ).status,
    ).toBe(403);
    const res = await fileGuestRequest(
      server,
      guest.vmid,
      { kind: 'extend-lease', days: 1 },
      'member',
    );
    expect(res.status).toBe(201);
    expect(res.body.state).toBe('approved');
  });
});

describe('the request routes on a day-2 request', () => {
  it('read: requester, owner member and admin; approve: admin only; cancel: requester and admin', async () => {
    // wait until the lease extension above is done
    for (let i = 0; i < 100; i++) {
      const open = await request(server)
        .get(`/api/proxmox/guests/lab/${guest.vmid}`)
        .set('Authorization', auth.user('dev'));
      if (open.body.openRequests?.length === 0) break;
      await new Promise(r => setTimeout(r, 100));
    }
    const filed = await fileGuestRequest(server, guest.vmid, {
      kind: 'resize',
      cores: 4,
    });
    expect(filed.status).toBe(201);
    const id = filed.body.id;
    const read = async (who: Exclude<Who, 'service'>) =>
      (
        await request(server)
          .get(`/api/proxmox/requests/${id}`)
          .set('Authorization', who === 'none' ? auth.none() : auth.user(who))
      ).status;
    expect(await read('dev')).toBe(200);
    expect(await read('member')).toBe(200);
    expect(await read('admin')).toBe(200);
    expect(await read('other')).toBe(404);
    expect(await read('none')).toBe(401);
    const list = async (who: 'dev' | 'member' | 'other', view: string) =>
      (
        await request(server)
          .get(`/api/proxmox/requests?view=${view}&state=pending&limit=200`)
          .set('Authorization', auth.user(who))
      ).body.items.map((r: any) => r.id);
    expect(await list('dev', 'mine')).toContain(id);
    expect(await list('member', 'all')).toContain(id);
    expect(await list('other', 'all')).not.toContain(id);

    for (const who of ['dev', 'member', 'other'] as const) {
      const res = await request(server)
        .post(`/api/proxmox/requests/${id}/approve`)
        .set('Authorization', auth.user(who))
        .send({});
      expect(res.status).toBe(403);
    }
    for (const who of ['member', 'other'] as const) {
      const res = await request(server)
        .post(`/api/proxmox/requests/${id}/cancel`)
        .set('Authorization', auth.user(who))
        .send({});
      expect(res.status).toBe(403);
    }
    const details = await request(server)
      .get(`/api/proxmox/requests/${id}`)
      .set('Authorization', auth.user('admin'));
    expect(details.body.allowedActions).toEqual([
      'approve',
      'reject',
      'cancel',
    ]);
    const cancelled = await request(server)
      .post(`/api/proxmox/requests/${id}/cancel`)
      .set('Authorization', auth.user('dev'))
      .send({ comment: 'changed my mind' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
  });
});
