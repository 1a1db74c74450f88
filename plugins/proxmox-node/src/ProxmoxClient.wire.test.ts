/*
 * Transport behaviour against a stub pveproxy (plain HTTP + undici Pool):
 * exact wire format, error extraction from reason phrase / body, the retry
 * rule for idempotent vs non-idempotent requests, timeouts and aborts.
 */
import { Pool } from 'undici';
import { captureLogger } from './__testUtils__/logger';
import {
  answerTaskPolls,
  pve,
  startStubServer,
} from './__testUtils__/stubServer';
import { failure } from './__testUtils__/failure';
import { ProxmoxClient } from './ProxmoxClient';

const SECRET = '6f1c2a7e-5b1d-4c3e-9a1f-0d2b3c4d5e6f';
const TOKEN_ID = 'mycopod@pve!backstage';
const UPID =
  'UPID:pve2:00000ACD:00006AE8:679A423B:qmclone:100:mycopod@pve!backstage:';

let stub: Awaited<ReturnType<typeof startStubServer>>;
let pool: Pool;
let client: ProxmoxClient;
const logger = captureLogger();

beforeAll(async () => {
  stub = await startStubServer();
  pool = new Pool(stub.origin, { connections: 4 });
  client = new ProxmoxClient({
    cluster: {
      name: 'stub',
      url: `https://127.0.0.1:${stub.port}`,
      tokenId: TOKEN_ID,
      tokenSecret: SECRET,
      retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
    },
    dispatcher: pool,
    logger,
  });
});

afterAll(async () => {
  await client.close();
  await pool.close();
  await stub.close();
});

describe('wire format', () => {
  it('POST: token header, form body with 1/0 booleans, explicit Content-Length', async () => {
    stub.handle((_r, res) => pve(res, 200, { data: UPID }));
    const upid = await client.cloneVm({
      node: 'pve1',
      vmid: 100,
      newid: 201,
      full: true,
      name: 'web-01',
    });
    expect(upid).toBe(UPID);
    const [r] = stub.requests;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/api2/json/nodes/pve1/qemu/100/clone');
    expect(r.headers.authorization).toBe(`PVEAPIToken=${TOKEN_ID}=${SECRET}`);
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.body)));
    expect(r.headers['transfer-encoding']).toBeUndefined();
    expect(r.headers['accept-encoding']).toBeUndefined();
    expect(r.body).toBe('full=1&name=web-01&newid=201');
  });

  it('POST without parameters still sends Content-Length: 0', async () => {
    stub.handle((_r, res) => pve(res, 200, { data: UPID }));
    await client.startVm({ node: 'pve1', vmid: 100 });
    expect(stub.requests[0].headers['content-length']).toBe('0');
    expect(stub.requests[0].body).toBe('');
  });

  it('DELETE: parameters in the query string, no body', async () => {
    stub.handle((_r, res) => pve(res, 200, { data: UPID }));
    await client.deleteVm({
      node: 'pve1',
      vmid: 100,
      purge: true,
      'destroy-unreferenced-disks': false,
    });
    const [r] = stub.requests;
    expect(r.method).toBe('DELETE');
    expect(r.url).toBe(
      '/api2/json/nodes/pve1/qemu/100?destroy-unreferenced-disks=0&purge=1',
    );
    expect(r.body).toBe('');
    expect(Number(r.headers['content-length'] ?? 0)).toBe(0);
  });

  it('GET with a UPID in the path polls the UPID node', async () => {
    stub.handle((_r, res) =>
      pve(res, 200, {
        data: {
          upid: UPID,
          node: 'pve2',
          type: 'qmclone',
          id: '100',
          user: 'mycopod@pve',
          tokenid: 'backstage',
          status: 'running',
          pid: 2765,
          pstart: 27368,
          starttime: 1738162747,
        },
      }),
    );
    const st = await client.getTaskStatus({ node: 'pve2', upid: UPID });
    expect(st.status).toBe('running');
    expect(decodeURIComponent(stub.requests[0].url)).toBe(
      `/api2/json/nodes/pve2/tasks/${UPID}/status`,
    );
  });

  it('accepts a configured URL ending in /api2/json', async () => {
    const c = new ProxmoxClient({
      cluster: {
        name: 's2',
        url: `https://127.0.0.1:${stub.port}/api2/json/`,
        tokenId: TOKEN_ID,
        tokenSecret: SECRET,
      },
      dispatcher: pool,
    });
    stub.handle((_r, res) =>
      pve(res, 200, {
        data: { version: '8.4.1', release: '8.4', repoid: 'abc' },
      }),
    );
    await expect(c.getVersion()).resolves.toEqual({
      version: '8.4.1',
      release: '8.4',
      repoid: 'abc',
    });
    expect(stub.requests[0].url).toBe('/api2/json/version');
  });
});

describe('errors', () => {
  it('takes the message from the reason phrase when the body is only {"data":null} (PVE < 8.3)', async () => {
    stub.handle((_r, res) =>
      pve(
        res,
        500,
        { data: null },
        "Configuration file 'nodes/pve1/qemu-server/117.conf' does not exist",
      ),
    );
    const e = await failure(client.getVmConfig({ node: 'pve1', vmid: 117 }));
    expect(e.status).toBe(500);
    expect(e.pveMessage).toBe(
      "Configuration file 'nodes/pve1/qemu-server/117.conf' does not exist",
    );
    expect(e.isNotFound).toBe(true);
    expect(e.retryable).toBe(false);
    expect(stub.requests).toHaveLength(1); // business errors are not retried
    expect(e.method).toBe('GET');
    expect(e.path).toBe('/nodes/pve1/qemu/117/config');
  });

  it('prefers the body "message" and keeps per-parameter errors (400)', async () => {
    stub.handle((_r, res) =>
      pve(
        res,
        400,
        {
          data: null,
          errors: { vmid: 'VM 218 already exists\n' },
          message: 'Parameter verification failed.\n',
        },
        'Parameter verification failed.',
      ),
    );
    const e = await failure(client.getNextVmid({ vmid: 218 }));
    expect(e.status).toBe(400);
    expect(e.pveMessage).toBe('Parameter verification failed.');
    expect(e.errors).toEqual({ vmid: 'VM 218 already exists' });
    expect(e.message).toContain('vmid: VM 218 already exists');
    expect(e.isAlreadyExists).toBe(true);
    expect(stub.requests).toHaveLength(1);
  });

  it('handles HTTP-layer errors with a plain-text body', async () => {
    stub.handle((_r, res) => {
      res.writeHead(501, "Method 'GET /nodes/pve1/foo' not implemented");
      res.end("Method 'GET /nodes/pve1/foo' not implemented\n");
    });
    const e = await failure(client.listNodes());
    expect(e.status).toBe(501);
    expect(e.pveMessage).toBe("Method 'GET /nodes/pve1/foo' not implemented");
    expect(e.retryable).toBe(false);
  });

  it('does not retry 401 (bare response without body)', async () => {
    stub.handle((_r, res) => {
      res.writeHead(401, 'Authentication failed!', {
        connection: 'close',
        'content-length': 0,
      });
      res.end();
    });
    const e = await failure(client.listNodes());
    expect(e.status).toBe(401);
    expect(e.pveMessage).toBe('Authentication failed!');
    expect(e.attempts).toBe(1);
    expect(stub.requests).toHaveLength(1);
  });

  it('does not retry 403', async () => {
    stub.handle((_r, res) =>
      pve(
        res,
        403,
        { data: null },
        'Permission check failed (/vms/100, VM.Audit)',
      ),
    );
    const e = await failure(client.getVmStatus({ node: 'pve1', vmid: 100 }));
    expect(e.status).toBe(403);
    expect(stub.requests).toHaveLength(1);
  });

  it('rejects a 2xx body of the wrong shape as invalid-response (not retried)', async () => {
    stub.handle((_r, res) => pve(res, 200, { data: [{ nope: 1 }] }));
    const e = await failure(client.listNodes());
    expect(e.kind).toBe('invalid-response');
    expect(e.pveMessage).toMatch(/unexpected response shape/);
    expect(stub.requests).toHaveLength(1);
  });
});

describe('retry rule: transient && (idempotent || provably not applied)', () => {
  it('retries a mutation after a lock timeout (the handler failed before changing anything)', async () => {
    stub.handle((_r, res, n) =>
      n === 1
        ? pve(
            res,
            500,
            { data: null },
            "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout",
          )
        : pve(res, 200, { data: UPID }),
    );
    await expect(
      client.cloneVm({ node: 'pve1', vmid: 100, newid: 201 }),
    ).resolves.toBe(UPID);
    expect(stub.requests).toHaveLength(2);
    expect(
      logger.logs.some(l => l.level === 'warn' && /retry 1\/3/.test(l.message)),
    ).toBe(true);
  });

  it('retries a mutation after 595 (pveproxy could not reach the node) and 503', async () => {
    stub.handle((_r, res, n) => {
      if (n === 1) {
        res.writeHead(595, 'No route to host', { 'content-length': 0 });
        res.end();
      } else if (n === 2) pve(res, 503, { data: null }, 'Service Unavailable');
      else pve(res, 200, { data: UPID });
    });
    await expect(client.startVm({ node: 'pve1', vmid: 100 })).resolves.toBe(
      UPID,
    );
    expect(stub.requests).toHaveLength(3);
  });

  it('does NOT repeat a non-idempotent POST after 502 (may have been applied)', async () => {
    stub.handle((_r, res) => pve(res, 502, { data: null }, 'Bad Gateway'));
    const e = await failure(
      client.cloneVm({ node: 'pve1', vmid: 100, newid: 201 }),
    );
    expect(e.transient).toBe(true);
    expect(e.maybeApplied).toBe(true);
    expect(e.retryable).toBe(false);
    expect(stub.requests).toHaveLength(1);
  });

  it('retries idempotent requests after 502 and resets until they succeed', async () => {
    stub.handle((_r, res, n) => {
      if (n === 1) pve(res, 502, { data: null }, 'Bad Gateway');
      else if (n === 2) res.socket?.destroy();
      else pve(res, 200, { data: [{ node: 'pve1', status: 'online' }] });
    });
    await expect(client.listNodes()).resolves.toEqual([
      { node: 'pve1', status: 'online' },
    ]);
    expect(stub.requests).toHaveLength(3);
  });

  it('a connection reset on a mutation is ambiguous: not repeated, flagged maybeApplied', async () => {
    stub.handle((_r, res) => res.socket?.destroy());
    const e = await failure(
      client.createSnapshot({ node: 'pve1', vmid: 100, snapname: 's1' }),
    );
    expect(e.kind).toBe('network');
    expect(e.maybeApplied).toBe(true);
    expect(e.retryable).toBe(false);
    expect(stub.requests).toHaveLength(1);
  });

  it('stop and config PUT are idempotent: repeated after a reset', async () => {
    stub.handle((_r, res, n) =>
      n === 1 ? res.socket?.destroy() : pve(res, 200, { data: UPID }),
    );
    await expect(client.stopVm({ node: 'pve1', vmid: 100 })).resolves.toBe(
      UPID,
    );
    expect(stub.requests).toHaveLength(2);
    stub.handle((_r, res, n) =>
      n === 1 ? res.socket?.destroy() : pve(res, 200, { data: null }),
    );
    await expect(
      client.updateVmConfig({ node: 'pve1', vmid: 100, cores: 4 }),
    ).resolves.toBeUndefined();
    expect(stub.requests).toHaveLength(2);
    // ... but not with a digest (a repeat would fail the checksum)
    stub.handle((_r, res) => res.socket?.destroy());
    await failure(
      client.updateVmConfig({
        node: 'pve1',
        vmid: 100,
        cores: 4,
        digest: 'abc',
      }),
    );
    expect(stub.requests).toHaveLength(1);
  });

  it('a config update that allocates a volume is not repeated after a reset', async () => {
    for (const drive of [
      { scsi1: 'local-lvm:32,discard=on' },
      { ide2: 'local-lvm:cloudinit,media=cdrom' },
      { virtio0: 'local-lvm:0,import-from=local:iso/noble.img' },
    ]) {
      stub.handle((_r, res) => res.socket?.destroy());
      const e = await failure(
        client.updateVmConfig({ node: 'pve1', vmid: 100, ...drive }),
      );
      expect(e.idempotent).toBe(false);
      expect(stub.requests).toHaveLength(1);
    }
    // referencing an existing volume is still idempotent
    stub.handle((_r, res, n) =>
      n === 1 ? res.socket?.destroy() : pve(res, 200, { data: null }),
    );
    await client.updateVmConfig({
      node: 'pve1',
      vmid: 100,
      scsi1: 'local-lvm:vm-100-disk-1,discard=on,size=32G',
    });
    expect(stub.requests).toHaveLength(2);
  });

  it('relative resize is not repeated, absolute resize is', async () => {
    stub.handle((_r, res) => res.socket?.destroy());
    await failure(
      client.resizeDisk({
        node: 'pve1',
        vmid: 100,
        disk: 'scsi0',
        size: '+1G',
      }),
    );
    expect(stub.requests).toHaveLength(1);
    stub.handle((_r, res, n) =>
      n === 1 ? res.socket?.destroy() : pve(res, 200, { data: UPID }),
    );
    await expect(
      client.resizeDisk({
        node: 'pve1',
        vmid: 100,
        disk: 'scsi0',
        size: '40G',
      }),
    ).resolves.toBe(UPID);
    expect(stub.requests).toHaveLength(2);
  });

  it('gives up after maxAttempts with the last error', async () => {
    stub.handle((_r, res) =>
      pve(res, 503, { data: null }, 'Service Unavailable'),
    );
    const e = await failure(client.listNodes());
    expect(e.status).toBe(503);
    expect(e.attempts).toBe(4);
    expect(stub.requests).toHaveLength(4);
  });

  it('honours retry: false per call', async () => {
    stub.handle((_r, res) =>
      pve(res, 503, { data: null }, 'Service Unavailable'),
    );
    await failure(client.listNodes({ retry: false }));
    expect(stub.requests).toHaveLength(1);
  });
});

describe('timeouts and aborts', () => {
  it('times out a hanging request per attempt and retries idempotent ones', async () => {
    stub.handle(() => {
      /* never answer */
    });
    const t0 = Date.now();
    const e = await failure(
      client.listNodes({ timeoutMs: 150, retry: { maxAttempts: 2 } }),
    );
    expect(e.kind).toBe('timeout');
    expect(e.attempts).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    // generous bound: two 150 ms timeouts, not a hang
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a per-call timeout longer than the pool timeouts is honoured', async () => {
    const shortPool = new Pool(stub.origin, {
      connections: 1,
      headersTimeout: 100,
      bodyTimeout: 100,
    });
    const c = new ProxmoxClient({
      cluster: {
        name: 'stub',
        url: `https://127.0.0.1:${stub.port}`,
        tokenId: TOKEN_ID,
        tokenSecret: SECRET,
      },
      dispatcher: shortPool,
    });
    try {
      // undici's timers tick coarsely (~1 s): answer well after the pool's
      // 100 ms headers timeout has certainly fired
      stub.handle((_r, res) => {
        setTimeout(() => pve(res, 200, { data: [] }), 2_500);
      });
      await expect(
        c.listNodes({ timeoutMs: 10_000, retry: false }),
      ).resolves.toEqual([]);
    } finally {
      await shortPool.close();
    }
  });

  it('aborts with the caller signal reason, also during backoff', async () => {
    stub.handle((_r, res) =>
      pve(res, 503, { data: null }, 'Service Unavailable'),
    );
    const ac = new AbortController();
    const reason = new Error('caller gave up');
    const p = client.listNodes({
      signal: ac.signal,
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    setTimeout(() => ac.abort(reason), 100);
    const t0 = Date.now();
    await expect(p).rejects.toBe(reason);
    // far below the 60 s backoff: the abort cut the wait short
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('an already aborted signal sends nothing', async () => {
    stub.handle((_r, res) => pve(res, 200, { data: [] }));
    await expect(
      client.listNodes({ signal: AbortSignal.abort(new Error('no')) }),
    ).rejects.toThrow('no');
    expect(stub.requests).toHaveLength(0);
  });
});

describe('waitForTask', () => {
  function taskStatus(status: string, exitstatus?: string) {
    return {
      data: {
        upid: UPID,
        node: 'pve2',
        type: 'qmclone',
        id: '100',
        user: 'mycopod@pve',
        status,
        pid: 1,
        pstart: 2,
        starttime: 3,
        ...(exitstatus ? { exitstatus } : {}),
      },
    };
  }
  const logLines = (n: number, last: string) =>
    Array.from({ length: n }, (_, i) => ({
      n: i + 1,
      t: i === n - 1 ? last : `line ${i + 1}`,
    }));

  it('tolerates the transient 400 "no such task", polls the UPID node, returns the log tail', async () => {
    stub.handle((r, res, n) => {
      if (r.url.includes('/log')) {
        const u = new URL(r.url, 'http://x');
        const start = Number(u.searchParams.get('start'));
        const limit = Number(u.searchParams.get('limit'));
        const all = logLines(30, 'TASK OK');
        pve(res, 200, {
          data: all.slice(start, start + limit),
          total: all.length,
        });
      } else if (n === 1) {
        pve(
          res,
          400,
          { data: null, errors: { upid: 'no such task' } },
          'Parameter verification failed.',
        );
      } else if (n === 2) pve(res, 200, taskStatus('running'));
      else pve(res, 200, taskStatus('stopped', 'OK'));
    });
    const result = await client.waitForTask(UPID, {
      pollIntervalMs: 10,
      logLines: 5,
    });
    expect(result).toMatchObject({
      ok: true,
      exitstatus: 'OK',
      node: 'pve2',
      type: 'qmclone',
      id: '100',
      warnings: 0,
    });
    expect(result.logTail).toEqual([
      'line 26',
      'line 27',
      'line 28',
      'line 29',
      'TASK OK',
    ]);
    expect(
      stub.requests.every(r =>
        r.url.startsWith('/api2/json/nodes/pve2/tasks/'),
      ),
    ).toBe(true);
  });

  it('treats WARNINGS: n as success', async () => {
    stub.handle((r, res) =>
      r.url.includes('/log')
        ? pve(res, 200, {
            data: [
              { n: 1, t: 'WARN: foo' },
              { n: 2, t: 'TASK WARNINGS: 1' },
            ],
            total: 2,
          })
        : pve(res, 200, taskStatus('stopped', 'WARNINGS: 1')),
    );
    const result = await client.waitForTask(UPID, { pollIntervalMs: 10 });
    expect(result).toMatchObject({
      ok: true,
      warnings: 1,
      logTail: ['WARN: foo', 'TASK WARNINGS: 1'],
    });
  });

  it('logOnSuccess: false reads the log only of a failed task', async () => {
    let exit = 'OK';
    stub.handle((r, res) =>
      r.url.includes('/log')
        ? pve(res, 200, { data: [{ n: 1, t: `TASK ${exit}` }], total: 1 })
        : pve(res, 200, taskStatus('stopped', exit)),
    );
    const ok = await client.waitForTask(UPID, {
      pollIntervalMs: 10,
      logOnSuccess: false,
    });
    expect(ok).toMatchObject({ ok: true, logTail: [] });
    expect(stub.requests.some(r => r.url.includes('/log'))).toBe(false);
    exit = 'ERROR: boom';
    const e = await failure(
      client.waitForTask(UPID, { pollIntervalMs: 10, logOnSuccess: false }),
    );
    expect(e.kind).toBe('task');
    expect(e.logTail).toEqual(['TASK ERROR: boom']);
  });

  it('a failing task throws ProxmoxApiError(kind task) with exit status and log tail', async () => {
    const exit =
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout";
    stub.handle((r, res) =>
      r.url.includes('/log')
        ? pve(res, 200, {
            data: [
              {
                n: 1,
                t: 'create full clone of drive scsi0 (local-lvm:base-100-disk-0)',
              },
              { n: 2, t: `TASK ERROR: ${exit}` },
            ],
            total: 2,
          })
        : pve(res, 200, taskStatus('stopped', exit)),
    );
    const e = await failure(client.waitForTask(UPID, { pollIntervalMs: 10 }));
    expect(e.kind).toBe('task');
    expect(e.exitstatus).toBe(exit);
    expect(e.upid).toBe(UPID);
    expect(e.logTail).toEqual([
      'create full clone of drive scsi0 (local-lvm:base-100-disk-0)',
      `TASK ERROR: ${exit}`,
    ]);
    expect(e.message).toContain(exit);
    expect(e.isLockTimeout).toBe(true);
    // or as a value
    const r = await client.waitForTask(UPID, {
      pollIntervalMs: 10,
      throwOnFailure: false,
    });
    expect(r.ok).toBe(false);
  });

  it('a finished task is not turned into an error when its log cannot be read', async () => {
    stub.handle((r, res) =>
      r.url.includes('/log')
        ? pve(res, 503, { data: null }, 'Service Unavailable')
        : pve(res, 200, taskStatus('stopped', 'OK')),
    );
    const result = await client.waitForTask(UPID, { pollIntervalMs: 10 });
    expect(result).toMatchObject({ ok: true, exitstatus: 'OK', logTail: [] });
    expect(stub.requests.filter(r => r.url.includes('/log'))).toHaveLength(4);
  });

  it('gives up on "no such task" after the grace period', async () => {
    stub.handle((_r, res) =>
      pve(
        res,
        400,
        { data: null, errors: { upid: 'no such task' } },
        'Parameter verification failed.',
      ),
    );
    const e = await failure(
      client.waitForTask(UPID, { pollIntervalMs: 10, notFoundGraceMs: 100 }),
    );
    expect(e.status).toBe(400);
    expect(e.errors).toEqual({ upid: 'no such task' });
  });

  it('enforces the overall timeout and aborts on the caller signal', async () => {
    stub.handle((r, res) =>
      r.url.includes('/log')
        ? pve(res, 200, {
            data: [{ n: 1, t: 'transferred 1 GiB of 32 GiB (3.13%)' }],
            total: 1,
          })
        : pve(res, 200, taskStatus('running')),
    );
    const e = await failure(
      client.waitForTask(UPID, { pollIntervalMs: 20, timeoutMs: 200 }),
    );
    expect(e.kind).toBe('timeout');
    expect(e.upid).toBe(UPID);
    expect(e.logTail).toEqual(['transferred 1 GiB of 32 GiB (3.13%)']);

    const ac = new AbortController();
    const p = client.waitForTask(UPID, {
      pollIntervalMs: 20,
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(new Error('shutdown')), 60);
    await expect(p).rejects.toThrow('shutdown');
  });

  it('rejects an invalid UPID without sending anything', async () => {
    stub.handle((_r, res) => pve(res, 200, { data: null }));
    await expect(client.waitForTask('not-a-upid')).rejects.toThrow(TypeError);
    expect(stub.requests).toHaveLength(0);
  });
});

describe('lifecycle helpers reconcile ambiguous failures instead of blindly repeating', () => {
  const TASK_UPID =
    'UPID:pve1:00000ACD:00006AE8:679A423B:qmstart:100:mycopod@pve!backstage:';
  const wait = { wait: { pollIntervalMs: 5 } };
  const posts = () => stub.requests.filter(r => r.method !== 'GET').length;

  it('startVmAndWait: ambiguous 502, VM found running → done without a second start', async () => {
    stub.handle((r, res) => {
      if (r.method === 'POST')
        return pve(res, 502, { data: null }, 'Bad Gateway');
      if (r.url.endsWith('/status/current'))
        return pve(res, 200, { data: { vmid: 100, status: 'running' } });
      return pve(res, 501, { data: null }, 'unexpected');
    });
    await expect(
      client.startVmAndWait({ node: 'pve1', vmid: 100, timeout: 30 }, wait),
    ).resolves.toBeNull();
    expect(posts()).toBe(1);
  });

  it('startVmAndWait: ambiguous reset, VM still stopped → start again; "already running" counts as success', async () => {
    let n = 0;
    stub.handle((r, res) => {
      if (answerTaskPolls(r, res, TASK_UPID, 'VM 100 already running'))
        return undefined;
      if (r.method === 'POST')
        return ++n === 1
          ? res.socket?.destroy()
          : pve(res, 200, { data: TASK_UPID });
      if (r.url.endsWith('/status/current'))
        return pve(res, 200, { data: { vmid: 100, status: 'stopped' } });
      return pve(res, 501, { data: null }, 'unexpected');
    });
    const result = await client.startVmAndWait(
      { node: 'pve1', vmid: 100 },
      wait,
    );
    expect(result).toMatchObject({
      ok: true,
      exitstatus: 'VM 100 already running',
    });
    expect(posts()).toBe(2);
  });

  it('createSnapshotAndWait: ambiguous failure, snapshot exists → done', async () => {
    stub.handle((r, res) => {
      if (r.method === 'POST') return res.socket?.destroy();
      if (r.url.endsWith('/status/current'))
        return pve(res, 200, { data: { vmid: 100, status: 'stopped' } });
      if (r.url.endsWith('/snapshot')) {
        return pve(res, 200, {
          data: [
            { name: 's1', snaptime: 1 },
            { name: 'current', parent: 's1', running: 0 },
          ],
        });
      }
      return pve(res, 501, { data: null }, 'unexpected');
    });
    await expect(
      client.createSnapshotAndWait(
        { node: 'pve1', vmid: 100, snapname: 's1', description: 'x' },
        wait,
      ),
    ).resolves.toBeNull();
    expect(posts()).toBe(1);
  });

  it('deleteSnapshotAndWait: ambiguous failure, snapshot gone → done', async () => {
    stub.handle((r, res) => {
      if (r.method === 'DELETE')
        return pve(res, 502, { data: null }, 'Bad Gateway');
      if (r.url.endsWith('/status/current'))
        return pve(res, 200, { data: { vmid: 100, status: 'stopped' } });
      if (r.url.endsWith('/snapshot'))
        return pve(res, 200, { data: [{ name: 'current', running: 0 }] });
      return pve(res, 501, { data: null }, 'unexpected');
    });
    await expect(
      client.deleteSnapshotAndWait(
        { node: 'pve1', vmid: 100, snapname: 's1', force: true },
        wait,
      ),
    ).resolves.toBeNull();
    expect(posts()).toBe(1);
  });

  it('deleteVmAndWait: ambiguous failure, VM gone → done', async () => {
    stub.handle((r, res) => {
      if (r.method === 'DELETE')
        return pve(res, 502, { data: null }, 'Bad Gateway');
      if (r.url.endsWith('/status/current')) {
        return pve(
          res,
          500,
          { data: null },
          "Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist",
        );
      }
      return pve(res, 501, { data: null }, 'unexpected');
    });
    await expect(
      client.deleteVmAndWait({ node: 'pve1', vmid: 100, purge: true }, wait),
    ).resolves.toBeNull();
    expect(posts()).toBe(1);
  });

  it('tasks that failed on a lock are dispatched again (nothing was applied)', async () => {
    let n = 0;
    stub.handle((r, res) => {
      const exitstatus =
        n === 1
          ? "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout"
          : 'OK';
      if (answerTaskPolls(r, res, TASK_UPID, exitstatus)) return undefined;
      if (r.method === 'PUT') {
        n++;
        return pve(res, 200, { data: TASK_UPID });
      }
      return pve(res, 501, { data: null }, 'unexpected');
    });
    await expect(
      client.resizeDiskAndWait(
        { node: 'pve1', vmid: 100, disk: 'scsi0', size: '10G' },
        wait,
      ),
    ).resolves.toMatchObject({ ok: true });
    expect(n).toBe(2);
  });

  it('ensureVmFirewallGroup: ambiguous POST, rule present afterwards → added once', async () => {
    let posted = 0;
    stub.handle((r, res) => {
      if (r.method === 'POST') {
        posted++;
        return res.socket?.destroy();
      }
      if (r.url.endsWith('/firewall/rules')) {
        return pve(res, 200, {
          data: posted
            ? [{ pos: 0, type: 'group', action: 'web', enable: 1 }]
            : [],
        });
      }
      return pve(res, 501, { data: null }, 'unexpected');
    });
    await expect(
      client.ensureVmFirewallGroup({ node: 'pve1', vmid: 100, group: 'web' }),
    ).resolves.toEqual({ added: true });
    expect(posted).toBe(1);
    // and a second call is a no-op
    await expect(
      client.ensureVmFirewallGroup({ node: 'pve1', vmid: 100, group: 'web' }),
    ).resolves.toEqual({ added: false });
    expect(posted).toBe(1);
  });
});
