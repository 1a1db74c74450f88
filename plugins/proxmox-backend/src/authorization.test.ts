/*
 * Authorization matrix over the real HTTP API: every route × {no token, dev
 * (the requester), another user, a member of the owner group, an admin, a
 * service principal}, with the real permission backend and MycoPod policy.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import request from 'supertest';
import {
  USERS,
  UserName,
  auth,
  labSpec,
  startProxmoxBackend,
  startSim,
} from './__testUtils__/testBackend';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
let sim: RunningSimulator;
let server: any;

beforeAll(async () => {
  sim = await startSim(3);
  const knex = await databases.init('SQLITE_3');
  ({ server } = await startProxmoxBackend({
    knex,
    sim,
    executor: { enabled: false },
  }));
});
afterAll(() => sim?.stop());

type Who = UserName | 'none' | 'service';
function header(who: Who | 'admin2' | 'quser') {
  if (who === 'none') return auth.none();
  if (who === 'service') return auth.service();
  return auth.user(who);
}

async function file(who: UserName, over: Record<string, unknown> = {}) {
  const owner =
    USERS[who].groups.find(g => g !== 'group:default/platform-admins') ??
    USERS[who].groups[0];
  const res = await request(server)
    .post('/api/proxmox/requests')
    .set('Authorization', header(who))
    .send({
      spec: labSpec({
        owner,
        name: `vm-${Math.random().toString(36).slice(2, 8)}`,
        ...over,
      }),
    });
  expect(res.status).toBe(201);
  return res.body as { id: string; state: string };
}

const everyone = [
  'none',
  'dev',
  'other',
  'member',
  'admin',
  'service',
] as const;

describe('authorization matrix', () => {
  it.each<[Who, number]>([
    ['none', 401],
    ['service', 403],
    ['dev', 201],
    ['other', 201],
    ['member', 201],
    ['admin', 201],
  ])('POST /requests as %s → %i', async (who, status) => {
    const owners: Partial<Record<Who, string>> = {
      other: 'group:default/team-b',
      admin: 'group:default/platform-admins',
    };
    const owner = owners[who] ?? 'group:default/team-a';
    const res = await request(server)
      .post('/api/proxmox/requests')
      .set('Authorization', header(who))
      .send({ spec: labSpec({ owner }) });
    expect(res.status).toBe(status);
  });

  it('refuses to file a request for a group the requester is not in', async () => {
    const res = await request(server)
      .post('/api/proxmox/requests')
      .set('Authorization', header('other'))
      .send({ spec: labSpec({ owner: 'group:default/team-a' }) });
    expect(res.status).toBe(400);
    expect(res.body.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'owner', level: 'error' }),
      ]),
    );
  });

  it.each<[Who, number]>([
    ['none', 401],
    ['service', 403],
    ['dev', 200],
    ['other', 200],
    ['member', 200],
    ['admin', 200],
  ])('POST /requests/validate as %s → %i', async (who, status) => {
    const res = await request(server)
      .post('/api/proxmox/requests/validate')
      .set('Authorization', header(who))
      .send({ spec: labSpec() });
    expect(res.status).toBe(status);
  });

  it.each<[Who, number]>([
    ['none', 401],
    ['service', 403],
    ['dev', 200],
    ['other', 404],
    ['member', 200],
    ['admin', 200],
  ])("GET /requests/:id of dev's request as %s → %i", async (who, status) => {
    const { id } = await file('dev');
    const res = await request(server)
      .get(`/api/proxmox/requests/${id}`)
      .set('Authorization', header(who));
    expect(res.status).toBe(status);
    expect(res.body.id).toBe(status === 200 ? id : undefined);
  });

  it.each<[Who, 'approve' | 'reject', number]>(
    // [who, action, expected status]
    everyone.flatMap(who =>
      (['approve', 'reject'] as const).map(
        action =>
          [
            who,
            action,
            {
              none: 401,
              service: 403,
              dev: 403,
              other: 403,
              member: 403,
              admin: 200,
            }[who],
          ] as [Who, 'approve' | 'reject', number],
      ),
    ),
  )(
    'as %s, POST /requests/:id/%s of the request of dev → %i',
    async (who, action, status) => {
      const { id } = await file('dev');
      const res = await request(server)
        .post(`/api/proxmox/requests/${id}/${action}`)
        .set('Authorization', header(who))
        .send({ comment: 'decided in a test' });
      expect(res.status).toBe(status);
      const after = await request(server)
        .get(`/api/proxmox/requests/${id}`)
        .set('Authorization', header('dev'));
      const decided = action === 'approve' ? 'approved' : 'rejected';
      expect(after.body.state).toBe(status === 200 ? decided : 'pending');
    },
  );

  it.each<[Who, number]>([
    ['none', 401],
    ['service', 403],
    ['dev', 200],
    ['other', 403],
    ['member', 403],
    ['admin', 200],
  ])(
    "POST /requests/:id/cancel of dev's request as %s → %i",
    async (who, status) => {
      const { id } = await file('dev');
      const res = await request(server)
        .post(`/api/proxmox/requests/${id}/cancel`)
        .set('Authorization', header(who))
        .send({});
      expect(res.status).toBe(status);
      expect(res.body.state).toBe(status === 200 ? 'cancelled' : undefined);
    },
  );

  it.each<[Who, number]>([
    ['none', 401],
    ['service', 403],
    ['dev', 200],
    ['admin', 200],
  ])('GET /options as %s → %i', async (who, status) => {
    const res = await request(server)
      .get('/api/proxmox/options?cluster=lab')
      .set('Authorization', header(who));
    expect(res.status).toBe(status);
  });

  it.each<[Who, number]>([
    ['none', 401],
    ['dev', 403],
    ['admin', 403],
    ['service', 200],
  ])('GET /inventory as %s → %i', async (who, status) => {
    const res = await request(server)
      .get('/api/proxmox/inventory')
      .set('Authorization', header(who));
    expect(res.status).toBe(status);
  });

  it('an admin cannot approve their own request, another admin can', async () => {
    const { id } = await file('admin2');
    const own = await request(server)
      .post(`/api/proxmox/requests/${id}/approve`)
      .set('Authorization', header('admin2'))
      .send({});
    expect(own.status).toBe(403);
    const details = await request(server)
      .get(`/api/proxmox/requests/${id}`)
      .set('Authorization', header('admin2'));
    expect(details.body.allowedActions).toEqual(['cancel']);
    const other = await request(server)
      .post(`/api/proxmox/requests/${id}/approve`)
      .set('Authorization', header('admin'))
      .send({ comment: 'ok' });
    expect(other.status).toBe(200);
    expect(other.body.state).toBe('approved');
  });

  it('a second decision on a decided request is a 409', async () => {
    const { id } = await file('dev');
    const first = await request(server)
      .post(`/api/proxmox/requests/${id}/reject`)
      .set('Authorization', header('admin'))
      .send({ comment: 'no' });
    expect(first.status).toBe(200);
    const second = await request(server)
      .post(`/api/proxmox/requests/${id}/approve`)
      .set('Authorization', header('admin'))
      .send({});
    expect(second.status).toBe(409);
  });
});

describe('lists are filtered by permission in SQL', () => {
  async function list(who: Who, query: string) {
    const items: any[] = [];
    let cursor: string | undefined;
    do {
      const res = await request(server)
        .get(
          `/api/proxmox/requests?${query}&limit=7${
            cursor ? `&cursor=${cursor}` : ''
          }`,
        )
        .set('Authorization', header(who));
      expect(res.status).toBe(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  }

  it('shows each person what they may read, page by page', async () => {
    await file('dev');
    await file('other');
    await file('member');
    const all = await list('admin', 'view=all');
    const ids = new Set(all.map(r => r.id));
    expect(ids.size).toBe(all.length); // no duplicates across pages
    const devAll = await list('dev', 'view=all');
    expect(devAll.length).toBeGreaterThan(0);
    expect(
      devAll.every(
        r =>
          r.requester === USERS.dev.ref || r.owner === 'group:default/team-a',
      ),
    ).toBe(true);
    expect(devAll.length).toBe(
      all.filter(
        r =>
          r.requester === USERS.dev.ref || r.owner === 'group:default/team-a',
      ).length,
    );
    const otherAll = await list('other', 'view=all');
    expect(
      otherAll.every(
        r =>
          r.requester === USERS.other.ref || r.owner === 'group:default/team-b',
      ),
    ).toBe(true);
    const mine = await list('member', 'view=mine');
    expect(mine.every(r => r.requester === USERS.member.ref)).toBe(true);
    const newestFirst = all.map(r => r.createdAt);
    expect([...newestFirst].sort().reverse()).toEqual(newestFirst);
  });

  it('awaiting-me lists pending requests of others, for approvers only', async () => {
    await file('admin');
    const awaiting = await list('admin', 'view=awaiting-me');
    expect(awaiting.length).toBeGreaterThan(0);
    expect(
      awaiting.every(
        r => r.state === 'pending' && r.requester !== USERS.admin.ref,
      ),
    ).toBe(true);
    expect(await list('dev', 'view=awaiting-me')).toEqual([]);
  });

  it('filters by state', async () => {
    const pending = await list('admin', 'view=all&state=pending');
    expect(pending.every(r => r.state === 'pending')).toBe(true);
    const decided = await list('admin', 'view=all&state=rejected,cancelled');
    expect(decided.length).toBeGreaterThan(0);
    expect(
      decided.every(r => ['rejected', 'cancelled'].includes(r.state)),
    ).toBe(true);
  });
});
