/*
 * Per-user rate limits over the real HTTP API (real backend, permission
 * backend and policy, SQLite, the PVE simulator over HTTPS): writes and,
 * separately, guest actions answer 429 with Retry-After and a JSON error
 * once a caller used its window; other callers, reads and unauthenticated
 * requests are not affected.
 */
import { ConfigReader } from '@backstage/config';
import { TestDatabases } from '@backstage/backend-test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import request from 'supertest';
import { auth, labSpec, startSim } from '../__testUtils__/testBackend';
import {
  ActionsBackend,
  startActionsBackend,
} from '../guests/__testUtils__/guestActions';
import { DEFAULT_RATE_LIMITS, readRateLimitsConfig } from './config';

jest.setTimeout(90_000);

describe('readRateLimitsConfig', () => {
  const read = (rateLimits: unknown) =>
    readRateLimitsConfig(new ConfigReader({ proxmox: { rateLimits } } as any));

  it('has defaults and reads each limiter', () => {
    expect(readRateLimitsConfig(new ConfigReader({}))).toEqual(
      DEFAULT_RATE_LIMITS,
    );
    expect(read({ actions: { limit: 0 } })).toEqual({
      writes: DEFAULT_RATE_LIMITS.writes,
      actions: { limit: 0, windowSeconds: 60 },
    });
  });

  it('names the invalid key', () => {
    expect(() => read({ writes: { limit: -1 } })).toThrow(
      'proxmox.rateLimits.writes.limit must be a whole number ≥ 0',
    );
    expect(() => read({ actions: { windowSeconds: 0.5 } })).toThrow(
      'proxmox.rateLimits.actions.windowSeconds must be a whole number of seconds ≥ 1',
    );
  });
});

describe('rate limits over the API', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let sim: RunningSimulator;
  let ctx: ActionsBackend;

  beforeAll(async () => {
    sim = await startSim(24);
    const knex = await databases.init('SQLITE_3');
    ctx = await startActionsBackend({
      knex,
      sim,
      proxmox: {
        executor: { enabled: false },
        rateLimits: {
          writes: { limit: 5, windowSeconds: 120 },
          actions: { limit: 2, windowSeconds: 60 },
        },
      },
    });
  });
  afterAll(async () => {
    await ctx?.backend.stop();
    await sim?.stop();
  });

  const validate = (header: string) =>
    request(ctx.server)
      .post('/api/proxmox/requests/validate')
      .set('Authorization', header)
      .send({ spec: labSpec() });

  function expectLimited(res: request.Response, what: string, max: number) {
    expect(res.status).toBe(429);
    const retryAfter = Number(res.header['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(max);
    expect(res.body).toEqual({
      error: {
        name: 'TooManyRequestsError',
        message: expect.stringContaining(`Too many ${what}`),
      },
      response: { statusCode: 429 },
      retryAfterSeconds: retryAfter,
    });
  }

  it('limits the writes of each user, not their reads nor other users', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await validate(auth.user('member'))).status).toBe(200);
    }
    const limited = await validate(auth.user('member'));
    expectLimited(limited, 'changes', 120);
    expect(limited.body.error.message).toMatch(
      /at most 5 in 120 seconds per user\. Try again in \d+ seconds\./,
    );
    expect(limited.header.ratelimit).toMatch(/limit=5, remaining=0/);
    // reads are not counted; another user has a window of its own
    await request(ctx.server)
      .get('/api/proxmox/requests')
      .set('Authorization', auth.user('member'))
      .expect(200);
    expect((await validate(auth.user('quser'))).status).toBe(200);
    // no token: the route answers 401, and nobody's window is used
    for (let i = 0; i < 7; i++) {
      expect((await validate(auth.none())).status).toBe(401);
    }
  });

  it('keys service principals by subject', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await validate(auth.service())).status).toBe(403);
    }
    expectLimited(await validate(auth.service()), 'changes', 120);
  });

  it('limits guest actions separately, and each is also a write', async () => {
    const power = () =>
      request(ctx.server)
        .post('/api/proxmox/guests/lab/100/power')
        .set('Authorization', auth.user('admin'))
        .send({ action: 'start' }); // running: 409, still counted
    expect((await power()).status).toBe(409);
    expect((await power()).status).toBe(409);
    const limited = await power();
    expectLimited(limited, 'guest actions', 60);
    // the snapshot routes share the actions window
    const snap = await request(ctx.server)
      .post('/api/proxmox/guests/lab/100/snapshots')
      .set('Authorization', auth.user('admin'))
      .send({ name: 'limited' });
    expectLimited(snap, 'guest actions', 60);
    expect(
      sim.guests({ cluster: 'lab' }).find(g => g.vmid === 100)!.config,
    ).not.toHaveProperty('parent');
    // reading snapshots is not an action; the writes window is not used up
    await request(ctx.server)
      .get('/api/proxmox/guests/lab/100/snapshots')
      .set('Authorization', auth.user('admin'))
      .expect(200);
    expect((await validate(auth.user('admin'))).status).toBe(200);
    // 4 actions + 1 validate = 5 writes: the next write is refused
    expectLimited(await validate(auth.user('admin')), 'changes', 120);
  });
});
