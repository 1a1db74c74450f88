/*
 * Bad input at every write route: fast-check generates malformed bodies
 * (wrong types, missing and unknown fields, out-of-range numbers, hostile
 * strings). Each must be a 400 that names the fields, and no row may be
 * written.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { vmSpecSchema } from '@mycopod/plugin-proxmox-common';
import fc from 'fast-check';
import type { Knex } from 'knex';
import request from 'supertest';
import {
  auth,
  labSpec,
  startProxmoxBackend,
  startSim,
} from './__testUtils__/testBackend';
import {
  expectFieldErrors,
  postEachMalformed,
} from './__testUtils__/malformed';

jest.setTimeout(180_000);

const RUNS = 1000;
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
let sim: RunningSimulator;
let server: any;
let knex: Knex;
let pendingId: string;

beforeAll(async () => {
  sim = await startSim(5);
  knex = await databases.init('SQLITE_3');
  ({ server } = await startProxmoxBackend({
    knex,
    sim,
    executor: { enabled: false },
  }));
  const res = await request(server)
    .post('/api/proxmox/requests')
    .set('Authorization', auth.user('dev'))
    .send({ spec: labSpec() });
  if (res.status !== 201) throw new Error(`setup: ${res.status} ${res.text}`);
  pendingId = res.body.id;
});
afterAll(() => sim?.stop());

const counts = async () => ({
  requests: Number((await knex('proxmox_requests').count({ n: '*' }))[0].n),
  events: Number((await knex('proxmox_request_events').count({ n: '*' }))[0].n),
  jobs: Number((await knex('proxmox_jobs').count({ n: '*' }))[0].n),
});

const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1e12, max: 1e12 }),
  fc.double(),
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    '',
    ' ',
    '../../etc/passwd',
    "'; drop table x;--",
    '\u0000',
    'A'.repeat(5000),
    '-1',
    'NaN',
  ),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), {
    maxKeys: 3,
  }),
);

const SPEC_KEYS = Object.keys(vmSpecSchema.shape);
const NESTED = [
  'cloudInit.user',
  'cloudInit.ipv4',
  'cloudInit.sshKeys',
  'network',
  'network.bridge',
  'cloudInit.ipv4.address',
];

function setPath(obj: any, path: string, value: unknown) {
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof o[p] !== 'object' || o[p] === null) o[p] = {};
    o = o[p];
  }
  o[parts[parts.length - 1]] = value;
}

/** A valid spec broken in 1–3 places (a field set to junk, removed, or an unknown field added). */
const brokenSpec = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.record({
          op: fc.constant('set'),
          key: fc.constantFrom(...SPEC_KEYS, ...NESTED),
          value: junk,
        }),
        fc.record({
          op: fc.constant('drop'),
          key: fc.constantFrom(
            'name',
            'cluster',
            'template',
            'cores',
            'memoryMiB',
            'diskGiB',
            'network',
            'cloudInit',
            'owner',
          ),
        }),
        fc.record({
          op: fc.constant('extra'),
          key: fc
            .string({ minLength: 1, maxLength: 10 })
            .filter(k => !SPEC_KEYS.includes(k) && k !== '__proto__'),
          value: junk,
        }),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([changes]) => {
    const spec: any = JSON.parse(JSON.stringify(labSpec()));
    for (const c of changes as any[]) {
      if (c.op === 'drop') delete spec[c.key];
      else setPath(spec, c.key, c.value);
    }
    return spec;
  })
  .filter(spec => !vmSpecSchema.safeParse(spec).success);

const brokenBody = fc.oneof(
  { weight: 6, arbitrary: brokenSpec.map(spec => ({ spec })) },
  {
    weight: 1,
    arbitrary: junk
      .filter(j => typeof j !== 'object' || j === null || Array.isArray(j))
      .map(j => ({ spec: j })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      spec: fc.constant(labSpec()),
      kind: fc.constantFrom('resize', 'delete', 1, null),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      spec: fc.constant(labSpec()),
      submit: fc.constantFrom('yes', 0, null),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom([], 'x', 42, null, {}) },
);

/**
 * POSTs each generated case's body as JSON, as `who`; every answer must be a
 * 400 with field messages. Returns the table counts before and after.
 */
async function postEach<T>(
  who: 'dev' | 'admin',
  cases: fc.Arbitrary<T>,
  toRequest: (c: T) => { path: string; body: unknown },
) {
  const before = await counts();
  await postEachMalformed(server, { who, runs: RUNS, cases, toRequest });
  return { before, after: await counts() };
}

describe('malformed bodies are 400 with field messages and write nothing', () => {
  it(`POST /requests (${RUNS} bodies)`, async () => {
    const { before, after } = await postEach('dev', brokenBody, body => ({
      path: '/api/proxmox/requests',
      body,
    }));
    expect(after).toEqual(before);
  });

  it(`POST /requests/validate (${RUNS} bodies)`, async () => {
    const { before, after } = await postEach('dev', brokenBody, body => ({
      path: '/api/proxmox/requests/validate',
      body,
    }));
    expect(after).toEqual(before);
  });

  const decisionBodies = fc.oneof(
    fc.record({
      comment: junk.filter(j => typeof j !== 'string' || j.length > 2000),
    }),
    fc.record({ comment: fc.constant('ok'), extra: junk }),
    fc.constantFrom([], 'x', 42),
  );

  it.each(['approve', 'reject', 'cancel'])(
    `POST /requests/:id/%s (${RUNS} bodies and ids)`,
    async action => {
      const { before, after } = await postEach(
        'admin',
        fc.oneof(
          decisionBodies.map(body => ({ id: pendingId, body })),
          fc
            .string({ minLength: 1, maxLength: 40 })
            .filter(
              s =>
                !/^[0-9a-f-]{36}$/.test(s) &&
                !/[/?#%\\]/.test(s) &&
                s.trim() === s &&
                s !== '.' &&
                s !== '..',
            )
            .map(id => ({ id, body: { comment: 'ok' } })),
        ),
        ({ id, body }) => ({
          path: `/api/proxmox/requests/${encodeURIComponent(id)}/${action}`,
          body,
        }),
      );
      expect(after).toEqual(before);
      const still = await request(server)
        .get(`/api/proxmox/requests/${pendingId}`)
        .set('Authorization', auth.user('dev'));
      expect(still.body.state).toBe('pending');
    },
  );

  it('a reject without a comment names the comment field', async () => {
    const res = await request(server)
      .post(`/api/proxmox/requests/${pendingId}/reject`)
      .set('Authorization', auth.user('admin'))
      .send({});
    expectFieldErrors(res);
    expect(res.body.fields[0].field).toBe('comment');
  });

  it('bad list queries are 400 with field messages', async () => {
    for (const q of [
      'view=everything',
      'state=happy',
      'limit=0',
      'limit=100000',
      'cursor=%00',
      'cursor=bm90YWN1cnNvcg',
      'foo=bar',
    ]) {
      const res = await request(server)
        .get(`/api/proxmox/requests?${q}`)
        .set('Authorization', auth.user('dev'));
      expect(res.status).toBe(400);
    }
  });

  it('a body that is not JSON is a 400', async () => {
    const res = await request(server)
      .post('/api/proxmox/requests')
      .set('Authorization', auth.user('dev'))
      .set('Content-Type', 'application/json')
      .send('{"spec": ');
    expect(res.status).toBe(400);
  });
});
