/*
 * Bad input at the guest action routes: fast-check generates malformed
 * power and snapshot bodies (wrong types, unknown fields, out-of-range
 * numbers, hostile strings) and bad path parameters. Each must be a 400
 * that names the fields, and no Proxmox task may start.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import {
  createSnapshotBodySchema,
  powerBodySchema,
} from '@mycopod/plugin-proxmox-common';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import fc from 'fast-check';
import request from 'supertest';
import {
  expectFieldErrors,
  postEachMalformed,
} from '../__testUtils__/malformed';
import { auth, startSim } from '../__testUtils__/testBackend';
import {
  ActionsBackend,
  startActionsBackend,
} from './__testUtils__/guestActions';

jest.setTimeout(180_000);

const RUNS = 300;
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
let sim: RunningSimulator;
let ctx: ActionsBackend;

beforeAll(async () => {
  sim = await startSim(23);
  const knex = await databases.init('SQLITE_3');
  ctx = await startActionsBackend({
    knex,
    sim,
    proxmox: { executor: { enabled: false } },
  });
});
afterAll(async () => {
  await ctx?.backend.stop();
  await sim?.stop();
});

const taskCount = () =>
  sim.state.clusters.reduce((n, c) => n + c.tasks.size, 0);

const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double(),
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    '',
    ' ',
    'current',
    '../../etc',
    "'; drop table x;--",
    '\u0000',
    'A'.repeat(3000),
  ),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), {
    maxKeys: 2,
  }),
);
const extraKey = fc
  .string({ minLength: 1, maxLength: 10 })
  .filter(
    k =>
      ![
        'action',
        'timeoutSeconds',
        'name',
        'description',
        'includeRam',
        '__proto__',
      ].includes(k),
  );

const powerBodies = fc
  .oneof(
    fc.record({ action: junk }),
    fc.record({
      action: fc.constantFrom('start', 'shutdown', 'stop', 'reboot'),
      timeoutSeconds: fc.oneof(
        junk,
        fc.integer({ min: -1000, max: 4 }),
        fc.integer({ min: 601, max: 1e6 }),
        fc.double({ min: 5.1, max: 599.9, noInteger: true }),
      ),
    }),
    // a timeout on anything but a shutdown
    fc.record({
      action: fc.constantFrom('start', 'stop', 'reboot'),
      timeoutSeconds: fc.integer({ min: 5, max: 600 }),
    }),
    fc.tuple(extraKey, junk).map(([k, v]) => ({ action: 'start', [k]: v })),
    fc.constantFrom({}, [], 'x', 42),
  )
  .filter(
    (b: any) =>
      !powerBodySchema.safeParse(b).success ||
      (b.action !== 'shutdown' && b.timeoutSeconds !== undefined),
  );

const snapshotBodies = fc
  .oneof(
    fc.record({ name: junk }),
    fc.record({
      name: fc.constantFrom('ok-name'),
      description: fc.oneof(
        junk.filter(j => typeof j !== 'string'),
        fc.constant('d'.repeat(1001)),
      ),
    }),
    fc.record({
      name: fc.constantFrom('ok-name'),
      includeRam: junk.filter(j => typeof j !== 'boolean'),
    }),
    fc.string({ maxLength: 50 }).map(name => ({ name })),
    fc.tuple(extraKey, junk).map(([k, v]) => ({ name: 'ok-name', [k]: v })),
    fc.constantFrom({}, [], 'x', 42),
  )
  .filter(b => !createSnapshotBodySchema.safeParse(b).success);

/** POSTs every case (each must be a 400); the task counts before and after. */
async function postEach<T>(cases: fc.Arbitrary<T>, path: string) {
  const before = taskCount();
  await postEachMalformed(ctx.server, {
    who: 'admin',
    runs: RUNS,
    cases,
    toRequest: body => ({ path: `/api/proxmox/guests/lab/100${path}`, body }),
  });
  return { before, after: taskCount() };
}

describe('malformed input is 400 with field messages and starts no task', () => {
  it(`POST /guests/:cluster/:vmid/power (${RUNS} bodies)`, async () => {
    const { before, after } = await postEach(powerBodies, '/power');
    expect(after).toBe(before);
  });

  it(`POST /guests/:cluster/:vmid/snapshots (${RUNS} bodies)`, async () => {
    const { before, after } = await postEach(snapshotBodies, '/snapshots');
    expect(after).toBe(before);
  });

  it('names the fields', async () => {
    const res = await request(ctx.server)
      .post('/api/proxmox/guests/lab/100/power')
      .set('Authorization', auth.user('admin'))
      .send({ action: 'reboot', timeoutSeconds: 30 })
      .expect(400);
    expect(res.body.fields).toEqual([
      { field: 'timeoutSeconds', message: 'applies to shutdown only' },
    ]);
    const snap = await request(ctx.server)
      .post('/api/proxmox/guests/lab/100/snapshots')
      .set('Authorization', auth.user('admin'))
      .send({ name: 'current', includeRam: 'yes' })
      .expect(400);
    expect(snap.body.fields).toEqual([
      { field: 'name', message: '"current" is reserved' },
      { field: 'includeRam', message: expect.any(String) },
    ]);
  });

  it('validates path parameters and queries of every route', async () => {
    const cases: Array<[string, string, string[]]> = [
      ['post', '/guests/-x/abc/power', ['cluster', 'vmid']],
      ['get', '/guests/lab/1/snapshots', ['vmid']],
      ['post', '/guests/lab/100/snapshots/9bad/rollback', ['name']],
      ['delete', '/guests/lab/100/snapshots/current', ['name']],
      ['get', '/guests/lab/100/tasks/UPID:nope', ['upid']],
      ['get', '/guests/lab/100/snapshots?x=1', ['']],
      ['post', '/guests/lab/100/snapshots/snap-1/rollback?force=1', ['']],
    ];
    for (const [method, path, fields] of cases) {
      const res = await (request(ctx.server) as any)
        [method](`/api/proxmox${path}`)
        .set('Authorization', auth.user('admin'))
        .send({});
      expectFieldErrors(res);
      expect(res.body.fields.map((f: any) => f.field)).toEqual(fields);
    }
    // a body on a rollback
    const body = await request(ctx.server)
      .post('/api/proxmox/guests/lab/100/snapshots/snap-1/rollback')
      .set('Authorization', auth.user('admin'))
      .send({ start: true });
    expectFieldErrors(body);
  });
});
