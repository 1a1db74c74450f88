/*
 * Bad input at `POST /guests/:cluster/:vmid/requests`: fast-check generates
 * malformed bodies (wrong or unknown kinds, wrong types, unknown fields,
 * out-of-range numbers, a resize that changes nothing) and bad path
 * parameters. Each must be a 400 that names the fields, and no row may be
 * written.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import { guestRequestBodySchema } from '@mycopod/plugin-proxmox-common';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import fc from 'fast-check';
import type { Knex } from 'knex';
import request from 'supertest';
import {
  expectFieldErrors,
  postEachMalformed,
} from '../__testUtils__/malformed';
import {
  auth,
  startProxmoxBackend,
  startSim,
} from '../__testUtils__/testBackend';

jest.setTimeout(180_000);

const RUNS = 500;
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
let sim: RunningSimulator;
let server: any;
let knex: Knex;
let vmid: number;

beforeAll(async () => {
  sim = await startSim(25);
  knex = await databases.init('SQLITE_3');
  ({ server } = await startProxmoxBackend({
    knex,
    sim,
    executor: { enabled: false },
  }));
  vmid = sim.guests({ cluster: 'lab' }).find(g => !g.template)!.vmid;
});
afterAll(() => sim?.stop());

const count = async () =>
  Number((await knex('proxmox_requests').count({ n: '*' }))[0].n);

const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1e12, max: 1e12 }),
  fc.double(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', '-1', 'NaN', "'; drop table x;--", 'A'.repeat(3000)),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), {
    maxKeys: 3,
  }),
);

const FIELDS = [
  'kind',
  'cores',
  'memoryMiB',
  'diskGiB',
  'days',
  'justification',
];

const badBody = fc
  .oneof(
    // a valid body of each kind, broken in one or two places
    fc
      .tuple(
        fc.constantFrom<Record<string, unknown>>(
          { kind: 'resize', cores: 4 },
          { kind: 'resize', memoryMiB: 4096, diskGiB: 80 },
          { kind: 'decommission' },
          { kind: 'extend-lease', days: 7 },
          { kind: 'reconcile' },
        ),
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant('set'),
              key: fc.constantFrom(...FIELDS),
              value: junk,
            }),
            fc.record({
              op: fc.constant('drop'),
              key: fc.constantFrom(...FIELDS),
            }),
            fc.record({
              op: fc.constant('set'),
              key: fc
                .string({ minLength: 1, maxLength: 10 })
                .filter(k => !FIELDS.includes(k) && k !== '__proto__'),
              value: junk,
            }),
          ),
          { minLength: 1, maxLength: 2 },
        ),
      )
      .map(([base, changes]) => {
        const body: Record<string, unknown> = { ...base };
        for (const c of changes as any[]) {
          if (c.op === 'drop') delete body[c.key];
          else body[c.key] = c.value;
        }
        return body as unknown;
      }),
    // out of range
    fc.record({
      kind: fc.constant('resize'),
      cores: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 129 })),
    }),
    fc.record({
      kind: fc.constant('extend-lease'),
      days: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 3651 })),
    }),
    // a resize that says nothing, an unknown kind, not an object
    fc.constant({ kind: 'resize' }),
    fc.record({ kind: fc.constantFrom('create', 'delete', 'Resize', '', 7) }),
    fc.constantFrom([], 'x', 42, {}),
  )
  .filter(b => !guestRequestBodySchema.safeParse(b).success);

describe('POST /guests/:cluster/:vmid/requests with bad input', () => {
  it(`${RUNS} malformed bodies are 400 with field messages, nothing written`, async () => {
    const before = await count();
    await postEachMalformed(server, {
      who: 'admin',
      runs: RUNS,
      cases: badBody,
      toRequest: body => ({
        path: `/api/proxmox/guests/lab/${vmid}/requests`,
        body,
      }),
    });
    expect(await count()).toBe(before);
  });

  it('a resize that asks for nothing says what to change', async () => {
    const res = await request(server)
      .post(`/api/proxmox/guests/lab/${vmid}/requests`)
      .set('Authorization', auth.user('dev'))
      .send({ kind: 'resize' });
    expectFieldErrors(res);
    expect(res.body.fields[0].message).toMatch(/cores, memoryMiB or diskGiB/);
  });

  it('bad clusters and VMIDs in the path are 400 naming the parameter', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .string({ minLength: 1, maxLength: 20 })
            .filter(
              s =>
                !/^[1-9]\d{2,8}$/.test(s) &&
                !/[/?#%\\]/.test(s) &&
                s !== '.' &&
                s !== '..',
            )
            .map(v => ({ cluster: 'lab', vmid: v, field: 'vmid' })),
          fc
            .constantFrom('-lab', 'la b', '_x', 'a'.repeat(80))
            .map(c => ({ cluster: c, vmid: String(vmid), field: 'cluster' })),
        ),
        async ({ cluster, vmid: v, field }) => {
          const res = await request(server)
            .post(
              `/api/proxmox/guests/${encodeURIComponent(
                cluster,
              )}/${encodeURIComponent(v)}/requests`,
            )
            .set('Authorization', auth.user('dev'))
            .send({ kind: 'decommission' });
          expectFieldErrors(res);
          expect(res.body.fields.map((f: any) => f.field)).toContain(field);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an unknown cluster is a 404', async () => {
    const res = await request(server)
      .post(`/api/proxmox/guests/nowhere/${vmid}/requests`)
      .set('Authorization', auth.user('admin'))
      .send({ kind: 'decommission' });
    expect(res.status).toBe(404);
  });
});
