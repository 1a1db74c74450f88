/*
 * The Proxmox token secret never leaves the backend: not in a response, a
 * log line, an audit event, a notification or a signal — in the happy path,
 * under injected faults, with a failing provisioning, and with a wrong token
 * (401 from Proxmox) or an untrusted certificate.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import request from 'supertest';
import {
  ProxmoxTestBackend,
  auth,
  labSpec,
  startProxmoxBackend,
  startSim,
} from './__testUtils__/testBackend';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const WRONG_SECRET = '6f1c2d3e-0000-4abc-9def-5a5a5a5a5a5a';

/** Everything a user, an operator or another plugin can see. */
function everythingVisible(ctx: ProxmoxTestBackend, responses: string[]) {
  return [
    ...responses,
    ...ctx.logs,
    ...ctx.auditEvents.map(e =>
      JSON.stringify(e, (_k, v) => (v instanceof Error ? v.message : v)),
    ),
    ...ctx.sent.notifications.map(n => JSON.stringify(n)),
    ...ctx.sent.signals.map(s => JSON.stringify(s)),
  ];
}

async function exercise(ctx: ProxmoxTestBackend, name: string) {
  const responses: string[] = [];
  const keep = (res: request.Response) => {
    responses.push(res.text);
    return res;
  };
  const created = keep(
    await request(ctx.server)
      .post('/api/proxmox/requests')
      .set('Authorization', auth.user('dev'))
      .send({ spec: labSpec({ name }) }),
  );
  keep(
    await request(ctx.server)
      .post('/api/proxmox/requests/validate')
      .set('Authorization', auth.user('dev'))
      .send({ spec: labSpec({ name }) }),
  );
  keep(
    await request(ctx.server)
      .get('/api/proxmox/options?cluster=lab')
      .set('Authorization', auth.user('dev')),
  );
  keep(
    await request(ctx.server)
      .get('/api/proxmox/inventory')
      .set('Authorization', auth.service()),
  );
  if (created.status === 201) {
    const id = created.body.id;
    keep(
      await request(ctx.server)
        .post(`/api/proxmox/requests/${id}/approve`)
        .set('Authorization', auth.user('admin'))
        .send({}),
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = keep(
        await request(ctx.server)
          .get(`/api/proxmox/requests/${id}`)
          .set('Authorization', auth.user('dev')),
      );
      if (['ready', 'failed'].includes(res.body.state) || Date.now() > deadline)
        break;
      await new Promise(r => setTimeout(r, 100));
    }
  }
  keep(
    await request(ctx.server)
      .get('/api/proxmox/requests?view=all')
      .set('Authorization', auth.user('admin')),
  );
  return responses;
}

describe('the Proxmox token secret stays in the backend', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSim(21);
  });
  afterAll(() => sim?.stop());
  afterEach(() => sim.setFaults(undefined));

  it('happy path and under 30 % injected faults and task failures', async () => {
    const ctx = await startProxmoxBackend({
      knex: await databases.init('SQLITE_3'),
      sim,
      executor: { maxAttempts: 2 },
    });
    try {
      const responses = await exercise(ctx, 'secret-ok');
      sim.setFaults({
        seed: 4,
        routes: [
          { rate: 0.3, kinds: ['500', '502', '595', 'reset', '5xx-after'] },
        ],
        taskFailureRate: 0.3,
      });
      responses.push(...(await exercise(ctx, 'secret-faults')));
      const visible = everythingVisible(ctx, responses);
      expect(visible.length).toBeGreaterThan(20);
      for (const text of visible) expect(text).not.toContain(sim.token.secret);
      // the failures were really exercised
      expect(ctx.logs.some(l => /warn|error/.test(l.slice(0, 5)))).toBe(true);
    } finally {
      await ctx.backend.stop();
    }
  });

  it('a wrong token secret (401 from Proxmox) is not echoed anywhere', async () => {
    const ctx = await startProxmoxBackend({
      knex: await databases.init('SQLITE_3'),
      sim,
      cluster: { tokenSecret: WRONG_SECRET },
      executor: { maxAttempts: 1 },
    });
    try {
      const responses = await exercise(ctx, 'secret-wrong');
      const visible = everythingVisible(ctx, responses);
      for (const text of visible) {
        expect(text).not.toContain(WRONG_SECRET);
        expect(text).not.toContain(sim.token.secret);
      }
    } finally {
      await ctx.backend.stop();
    }
  });

  it('an untrusted certificate is reported without the secret', async () => {
    const ctx = await startProxmoxBackend({
      knex: await databases.init('SQLITE_3'),
      sim,
      cluster: { caCert: undefined },
      executor: { maxAttempts: 1 },
    });
    try {
      const responses = await exercise(ctx, 'secret-tls');
      const visible = everythingVisible(ctx, responses);
      for (const text of visible) expect(text).not.toContain(sim.token.secret);
    } finally {
      await ctx.backend.stop();
    }
  });
});
