/*
 * Both actions called directly, as the scaffolder calls them, against a real
 * proxmox backend (permission backend + MycoPod policy + PVE simulator): the
 * initiating user's credentials, real HTTP, a memoising checkpoint.
 */
import { ConfigReader } from '@backstage/config';
import { mockCredentials } from '@backstage/backend-test-utils';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  ADMIN,
  DEV,
  labSpec,
  startActionsBackend,
  userTokenAuth,
  type ActionsTestBackend,
} from '../__testUtils__/testBackend';
import { mockContext } from '../__testUtils__/mockContext';
import { createVmAwaitAction } from './await';
import { createVmRequestAction, DRY_RUN_REQUEST_ID } from './request';

jest.setTimeout(90_000);

let tb: ActionsTestBackend;
const auth = userTokenAuth('scaffolder');

beforeAll(async () => {
  tb = await startActionsBackend({
    proxmox: {
      policy: {
        autoApprove: {
          enabled: true,
          maxCores: 2,
          maxMemoryMiB: 4096,
          maxDiskGiB: 40,
        },
        defaults: {
          quota: { count: 100, cores: 1000, memoryMiB: 10_000_000 },
        },
      },
    },
  });
});
afterAll(async () => {
  await tb?.stop();
});

async function myRequests(name: string) {
  const res = await request(tb.server)
    .get('/api/proxmox/requests?view=mine&limit=200')
    .set('Authorization', mockCredentials.user.header(DEV));
  expect(res.status).toBe(200);
  return res.body.items.filter((r: any) => r.spec.name === name);
}

function requestAction() {
  return createVmRequestAction({ auth, discovery: tb.discovery });
}

function awaitAction(
  config: ConstructorParameters<typeof ConfigReader>[0] = {},
) {
  return createVmAwaitAction({
    auth,
    discovery: tb.discovery,
    config: new ConfigReader(config),
    pollIntervalMs: 50,
  });
}

async function file(spec: Record<string, unknown>) {
  const { ctx, outputs } = mockContext({ spec });
  await requestAction().handler(ctx);
  return outputs as { requestId: string; url: string; state: string };
}

describe('proxmox:vm:request', () => {
  it('files one request as the initiating user, also when the task is retried', async () => {
    const spec = labSpec({ name: 'retry-01', cores: 4 });
    const first = mockContext({ spec });
    await requestAction().handler(first.ctx);
    // The same task again (retry / recovery): same task state, new context.
    const retry = mockContext({ spec }, { store: first.store });
    await requestAction().handler(retry.ctx);

    expect(first.outputs).toEqual({
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: `/proxmox/requests/${first.outputs.requestId}`,
      state: 'pending',
    });
    expect(retry.outputs).toEqual(first.outputs);
    const rows = await myRequests('retry-01');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: first.outputs.requestId,
      requester: DEV,
      owner: 'group:default/team-a',
      state: 'pending',
    });
    expect(first.logs.join('\n')).toContain('waiting for approval');
  });

  it('reports approved when the policy approves at once; submit: false keeps a draft', async () => {
    expect(await file(labSpec({ name: 'auto-01' }))).toMatchObject({
      state: 'approved',
    });
    const { ctx, outputs } = mockContext({
      spec: labSpec({ name: 'draft-01', cores: 4 }),
      submit: false,
    });
    await requestAction().handler(ctx);
    expect(outputs.state).toBe('draft');
  });

  it('drops empty optional values, nested too, before validating', async () => {
    const out = await file(
      labSpec({
        name: 'empty-01',
        cores: 4,
        node: '',
        leaseDays: '',
        justification: '',
        cloudInit: { ...labSpec().cloudInit, ipv6: '' },
      }),
    );
    const [row] = await myRequests('empty-01');
    expect(row.id).toBe(out.requestId);
    expect(row.spec).not.toHaveProperty('node');
    expect(row.spec.cloudInit).not.toHaveProperty('ipv6');
  });

  it('fails with the field messages of an invalid spec and files nothing', async () => {
    const { ctx } = mockContext({
      spec: labSpec({ name: 'Bad Name', memoryMiB: 12, network: {} }),
    });
    await expect(requestAction().handler(ctx)).rejects.toThrow(
      /The VM spec is invalid: name: must be a DNS label.*memoryMiB: .*network/,
    );
  });

  it("fails with the backend's findings when the policy refuses", async () => {
    const { ctx } = mockContext({
      spec: labSpec({ name: 'huge-01', cores: 64 }),
    });
    const error = await requestAction()
      .handler(ctx)
      .catch(e => e);
    expect(error.name).toBe('InputError');
    expect(error.message).toMatch(
      /^The VM request breaks policy: error \[cores\]: /,
    );
    expect(await myRequests('huge-01')).toHaveLength(0);
  });

  it('turns an HTML error page into a short message', async () => {
    const html: Server = createServer((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end(
        '<html><body><h1>Bad gateway</h1><pre>stack…</pre></body></html>',
      );
    });
    await new Promise<void>(r => html.listen(0, r));
    const port = (html.address() as AddressInfo).port;
    const action = createVmRequestAction({
      auth,
      discovery: {
        getBaseUrl: async () => `http://localhost:${port}`,
        getExternalBaseUrl: async () => `http://localhost:${port}`,
      },
    });
    const { ctx } = mockContext({ spec: labSpec({ name: 'html-01' }) });
    try {
      await expect(action.handler(ctx)).rejects.toThrow(
        /^The proxmox backend answered 502: 502 Bad Gateway$/,
      );
    } finally {
      html.close();
    }
  });

  describe('dry run', () => {
    it('validates only: logs the findings, outputs placeholders, files nothing', async () => {
      const { ctx, outputs, logs } = mockContext(
        { spec: labSpec({ name: 'dry-01', cores: 4 }) },
        { isDryRun: true },
      );
      await requestAction().handler(ctx);
      expect(outputs).toEqual({
        requestId: DRY_RUN_REQUEST_ID,
        url: `/proxmox/requests/${DRY_RUN_REQUEST_ID}`,
        state: 'pending',
      });
      expect(logs.join('\n')).toContain('passes the policy');
      expect(await myRequests('dry-01')).toHaveLength(0);
    });

    it('fails on error findings and logs them', async () => {
      const { ctx, logs } = mockContext(
        { spec: labSpec({ name: 'dry-02', memoryMiB: 512 * 1024 }) },
        { isDryRun: true },
      );
      await expect(requestAction().handler(ctx)).rejects.toThrow(
        /The VM request breaks policy: error \[memoryMiB\]/,
      );
      expect(logs.some(l => /^error: Policy error \[memoryMiB\]/.test(l))).toBe(
        true,
      );
      expect(await myRequests('dry-02')).toHaveLength(0);
    });
  });
});

describe('proxmox:vm:await', () => {
  it('waits for an approved request to be ready and outputs its entity and addresses', async () => {
    const { requestId, state } = await file(labSpec({ name: 'await-ready' }));
    expect(state).toBe('approved');
    const { ctx, outputs, logs } = mockContext({ requestId });
    await awaitAction().handler(ctx);
    expect(outputs).toEqual({
      state: 'ready',
      entityRef: expect.stringMatching(/^resource:default\/lab-\d+$/),
      ipAddresses: expect.any(Array),
    });
    const text = logs.join('\n');
    expect(text).toContain(`Request ${requestId} is provisioning (step `);
    expect(text).toContain(`Request ${requestId} is ready`);
  });

  it('ends with the reason when the request is rejected', async () => {
    const { requestId } = await file(
      labSpec({ name: 'await-reject', cores: 4 }),
    );
    const waiting = mockContext({ requestId });
    const done = awaitAction().handler(waiting.ctx);
    await new Promise(r => setTimeout(r, 300));
    await request(tb.server)
      .post(`/api/proxmox/requests/${requestId}/reject`)
      .set('Authorization', mockCredentials.user.header(ADMIN))
      .send({ comment: 'use a smaller VM' })
      .expect(200);
    await expect(done).rejects.toThrow(
      `Request ${requestId} ended rejected: use a smaller VM`,
    );
    expect(waiting.logs).toContain(`info: Request ${requestId} is pending`);

    const lenient = mockContext({ requestId, failUnlessReady: false });
    await awaitAction().handler(lenient.ctx);
    expect(lenient.outputs).toEqual({ state: 'rejected', ipAddresses: [] });
  });

  it('gives up after proxmox.scaffolder.awaitTimeoutMinutes', async () => {
    const { requestId } = await file(labSpec({ name: 'await-slow', cores: 4 }));
    const { ctx } = mockContext({ requestId });
    const started = Date.now();
    await expect(
      awaitAction({
        proxmox: { scaffolder: { awaitTimeoutMinutes: 0.01 } },
      }).handler(ctx),
    ).rejects.toThrow(
      `Request ${requestId} is still pending after 0.01 minutes; it goes on without this task, see /proxmox/requests/${requestId}`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops when the task is cancelled', async () => {
    const { requestId } = await file(
      labSpec({ name: 'await-abort', cores: 4 }),
    );
    const controller = new AbortController();
    const { ctx } = mockContext({ requestId }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(awaitAction().handler(ctx)).rejects.toThrow(
      `Stopped waiting for request ${requestId}: the task was cancelled`,
    );
  });

  it('fails at once for a request the user may not read', async () => {
    const { ctx } = mockContext({
      requestId: '11111111-2222-4333-8444-555555555555',
    });
    await expect(awaitAction().handler(ctx)).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it('dry run: outputs placeholders without calling the backend', async () => {
    const { ctx, outputs } = mockContext(
      { requestId: DRY_RUN_REQUEST_ID },
      { isDryRun: true },
    );
    await awaitAction().handler(ctx);
    expect(outputs).toEqual({
      state: 'ready',
      entityRef: 'resource:default/dry-run',
      ipAddresses: [],
    });
  });
});
