/*
 * Clone step primitives and cloneWithFreshVmid against a stub pveproxy:
 * exact request sequences for cloneTo outcomes, same-newid re-sends after
 * ambiguous failures, adoption by marker, findGuest and aborts.
 */
import type { ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { captureLogger } from './__testUtils__/logger';
import {
  answerTaskPolls,
  pve,
  startStubServer,
  StubRequest,
} from './__testUtils__/stubServer';
import { failure } from './__testUtils__/failure';
import { ProxmoxApiError } from './errors';
import { ProxmoxClient } from './ProxmoxClient';

const CLONE_UPID =
  'UPID:pve1:00000ACD:00006AE8:679A423B:qmclone:9000:mycopod@pve!backstage:';
const EXISTS = (id: number | string) =>
  `unable to create VM ${id}: config file already exists`;
const MISSING = (node: string, id: number | string) =>
  `Configuration file 'nodes/${node}/qemu-server/${id}.conf' does not exist`;

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
      tokenId: 'mycopod@pve!backstage',
      tokenSecret: '6f1c2a7e-5b1d-4c3e-9a1f-0d2b3c4d5e6f',
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

/** Answers /cluster/nextid with `first`, a `?vmid=` probe as free; false otherwise. */
function answerNextid(r: StubRequest, res: ServerResponse, first: number) {
  if (r.url === '/api2/json/cluster/nextid') {
    pve(res, 200, { data: String(first) });
    return true;
  }
  if (r.url.startsWith('/api2/json/cluster/nextid?vmid=')) {
    pve(res, 200, { data: r.url.split('=')[1] });
    return true;
  }
  return false;
}
/** The `newid` of a clone POST; undefined for any other request. */
const cloneNewid = (r: StubRequest) =>
  r.method === 'POST' && r.url.endsWith('/clone')
    ? new URLSearchParams(r.body).get('newid')!
    : undefined;
const configOf = (r: StubRequest) =>
  /^\/api2\/json\/nodes\/([^/]+)\/qemu\/(\d+)\/config$/.exec(r.url);
const POSTED = () => stub.requests.map(cloneNewid).filter(Boolean);

describe('cloneTo', () => {
  const params = { node: 'pve1', vmid: 9000, newid: 150, name: 'web-01' };

  it('dispatched: returns the UPID of the qmclone task', async () => {
    stub.handle((_r, res) => pve(res, 200, { data: CLONE_UPID }));
    stub.handle((r, res) =>
      answerTaskPolls(r, res, CLONE_UPID)
        ? undefined
        : pve(res, 200, { data: CLONE_UPID }),
    );
    await expect(client.cloneTo(params)).resolves.toEqual({
      outcome: 'dispatched',
      upid: CLONE_UPID,
    });
  });

  it("taken: PVE says the VMID exists (500 'config file already exists')", async () => {
    stub.handle((_r, res) => pve(res, 500, { data: null }, EXISTS(150)));
    const d = await client.cloneTo(params);
    expect(d.outcome).toBe('taken');
    expect(d.outcome !== 'dispatched' && d.error.vmid).toBe(150);
    expect(POSTED()).toEqual(['150']); // not retried
  });

  it.each([
    ['reset', (res: ServerResponse) => res.socket?.destroy()],
    ['502', (res: ServerResponse) => pve(res, 502, undefined, 'Bad Gateway')],
    ['596', (res: ServerResponse) => pve(res, 596, undefined, 'Broken pipe')],
  ])(
    'ambiguous after a %s: not re-sent internally, error carries newid',
    async (_kind, answer) => {
      stub.handle((_r, res) => answer(res));
      const d = await client.cloneTo(params);
      expect(d.outcome).toBe('ambiguous');
      if (d.outcome !== 'ambiguous') return;
      expect(d.error.maybeApplied).toBe(true);
      expect(d.error.vmid).toBe(150);
      expect(POSTED()).toEqual(['150']);
    },
  );

  it('re-sends internally only what provably was not applied (595, 503, lock timeout)', async () => {
    stub.handle((_r, res, n) => {
      if (n === 1) return pve(res, 595, undefined, 'No route to host');
      if (n === 2) return pve(res, 503, { data: null }, 'Service Unavailable');
      if (n === 3)
        return pve(
          res,
          500,
          { data: null },
          "can't lock file '/var/lock/qemu-server/lock-9000.conf' - got timeout",
        );
      return pve(res, 200, { data: CLONE_UPID });
    });
    const d = await client.cloneTo(params, { retry: { maxAttempts: 4 } });
    expect(d).toEqual({ outcome: 'dispatched', upid: CLONE_UPID });
    expect(POSTED()).toEqual(['150', '150', '150', '150']);
  });

  it('a permanent error is thrown', async () => {
    stub.handle((_r, res) =>
      pve(
        res,
        400,
        { data: null, errors: { name: 'invalid format' } },
        'Parameter verification failed.',
      ),
    );
    const e = await failure(client.cloneTo(params));
    expect(e.status).toBe(400);
  });

  it('abort while the POST is in flight → kind aborted, maybeApplied, vmid = newid', async () => {
    stub.handle(() => {
      /* never answer */
    });
    const ac = new AbortController();
    const p = client.cloneTo(params, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('job cancelled')), 100);
    const e = await failure(p);
    expect(e).toBeInstanceOf(ProxmoxApiError);
    expect(e).toMatchObject({
      kind: 'aborted',
      maybeApplied: true,
      vmid: 150,
      transient: false,
    });
    expect(e.message).toContain('job cancelled');
  });

  it('an already aborted signal sends nothing and rejects with its reason', async () => {
    stub.handle((_r, res) => pve(res, 200, { data: CLONE_UPID }));
    const reason = new Error('not now');
    await expect(
      client.cloneTo(params, { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    expect(stub.requests).toHaveLength(0);
  });
});

describe('findGuest', () => {
  const resources = [
    { id: 'qemu/300', type: 'qemu', vmid: 300, node: 'pve3', name: 'far' },
    {
      id: 'lxc/301',
      type: 'lxc',
      vmid: 301,
      node: 'pve2',
      name: 'ct',
      tags: 'a;b',
    },
  ];
  function fleet(r: StubRequest, res: ServerResponse) {
    if (r.url === '/api2/json/cluster/resources?type=vm')
      return pve(res, 200, { data: resources });
    const m = configOf(r);
    if (m && m[1] === 'pve3' && m[2] === '300')
      return pve(res, 200, {
        data: { name: 'far', description: 'mycopod:req-1', tags: 'x' },
      });
    if (m && m[1] === 'pve1' && m[2] === '200')
      return pve(res, 200, { data: { name: 'near', lock: 'clone' } });
    if (m) return pve(res, 500, { data: null }, MISSING(m[1], m[2]));
    return pve(res, 501, { data: null }, 'unexpected');
  }

  it('checks the given nodes first (no cluster/resources needed)', async () => {
    stub.handle(fleet);
    await expect(client.findGuest(200, ['pve1'])).resolves.toMatchObject({
      node: 'pve1',
      type: 'qemu',
      config: { name: 'near', lock: 'clone' },
    });
    expect(stub.requests.map(r => r.url)).toEqual([
      '/api2/json/nodes/pve1/qemu/200/config',
    ]);
  });

  it('falls back to /cluster/resources and reads the config there', async () => {
    stub.handle(fleet);
    const g = await client.findGuest(300, ['pve1', 'pve2']);
    expect(g).toMatchObject({
      node: 'pve3',
      type: 'qemu',
      config: { name: 'far', description: 'mycopod:req-1', tags: ['x'] },
    });
  });

  it('reports containers and absent ids', async () => {
    stub.handle(fleet);
    await expect(client.findGuest(301)).resolves.toMatchObject({
      node: 'pve2',
      type: 'lxc',
      config: { name: 'ct', tags: ['a', 'b'] },
    });
    await expect(client.findGuest(399, ['pve1'])).resolves.toBeNull();
  });

  it('throws when absence cannot be proven (given node offline, guest not listed)', async () => {
    stub.handle((r, res) =>
      configOf(r)
        ? pve(res, 595, undefined, 'No route to host')
        : pve(res, 200, { data: [] }),
    );
    const e = await failure(
      client.findGuest(200, ['pve1'], { retry: { maxAttempts: 1 } }),
    );
    expect(e.status).toBe(595);
  });
});

describe('cloneWithFreshVmid: ambiguous clone → same newid', () => {
  it('re-sends to the same VMID; "already exists" → adopts our clone once its lock clears', async () => {
    let configReads = 0;
    const before: number[] = [];
    stub.handle((r, res) => {
      if (answerNextid(r, res, 150)) return undefined;
      const newid = cloneNewid(r);
      if (newid) {
        // the first response is lost, the first request was applied
        return POSTED().length === 1
          ? res.socket?.destroy()
          : pve(res, 500, { data: null }, EXISTS(newid));
      }
      if (configOf(r)) {
        configReads++;
        return pve(res, 200, {
          data:
            configReads < 3
              ? { lock: 'clone' }
              : { name: 'web-01', description: 'req 7' },
        });
      }
      return pve(res, 501, { data: null }, 'unexpected');
    });
    const result = await client.cloneWithFreshVmid({
      node: 'pve1',
      vmid: 9000,
      name: 'web-01',
      onBeforeDispatch: async id => {
        before.push(id);
      },
      task: { pollIntervalMs: 5 },
    });
    expect(result).toEqual({ vmid: 150, node: 'pve1' });
    expect(POSTED()).toEqual(['150', '150']);
    expect(before).toEqual([150]);
    expect(configReads).toBeGreaterThanOrEqual(3); // waited for the clone lock
  });

  it('follows a cross-node clone from the source node (while copying) to the target node', async () => {
    let sourceReads = 0;
    stub.handle((r, res) => {
      if (answerNextid(r, res, 152)) return undefined;
      const newid = cloneNewid(r);
      if (newid)
        return POSTED().length === 1
          ? res.socket?.destroy()
          : pve(res, 500, { data: null }, EXISTS(newid));
      const m = configOf(r);
      if (m?.[1] === 'pve1') {
        sourceReads++;
        return sourceReads < 3
          ? pve(res, 200, { data: { lock: 'clone' } })
          : pve(res, 500, { data: null }, MISSING('pve1', 152));
      }
      if (m?.[1] === 'pve2')
        return sourceReads < 3
          ? pve(res, 500, { data: null }, MISSING('pve2', 152))
          : pve(res, 200, { data: { name: 'web-03' } });
      return pve(res, 501, { data: null }, 'unexpected');
    });
    const result = await client.cloneWithFreshVmid({
      node: 'pve1',
      vmid: 9000,
      target: 'pve2',
      name: 'web-03',
      task: { pollIntervalMs: 5 },
    });
    expect(result).toEqual({ vmid: 152, node: 'pve2' });
    expect(POSTED()).toEqual(['152', '152']);
  });

  it('re-sends to the same VMID when the ambiguous clone left nothing behind', async () => {
    stub.handle((r, res) => {
      if (answerNextid(r, res, 151)) return undefined;
      if (cloneNewid(r))
        return POSTED().length === 1
          ? pve(res, 502, { data: null }, 'Bad Gateway')
          : pve(res, 200, { data: CLONE_UPID });
      if (answerTaskPolls(r, res, CLONE_UPID)) return undefined;
      if (r.url.endsWith('/status/current'))
        return pve(res, 200, {
          data: { vmid: 151, status: 'stopped', name: 'web-02' },
        });
      return pve(res, 501, { data: null }, 'unexpected');
    });
    const dispatched: unknown[] = [];
    const result = await client.cloneWithFreshVmid({
      node: 'pve1',
      vmid: 9000,
      name: 'web-02',
      onDispatched: info => {
        dispatched.push(info);
      },
      task: { pollIntervalMs: 5 },
    });
    expect(result).toMatchObject({ vmid: 151, upid: CLONE_UPID });
    expect(POSTED()).toEqual(['151', '151']);
    expect(dispatched).toEqual([{ vmid: 151, upid: CLONE_UPID }]);
  });

  it('adopts only a guest carrying our marker (isOurs); someone else’s → next VMID', async () => {
    stub.handle((r, res) => {
      if (answerNextid(r, res, 160)) return undefined;
      const newid = cloneNewid(r);
      if (newid === '160')
        return POSTED().length === 1
          ? res.socket?.destroy()
          : pve(res, 500, { data: null }, EXISTS(newid));
      if (newid) return pve(res, 200, { data: CLONE_UPID });
      if (answerTaskPolls(r, res, CLONE_UPID)) return undefined;
      const m = configOf(r);
      if (m?.[2] === '160')
        return pve(res, 200, {
          data: { name: 'web-01', description: 'created by request 8' },
        });
      if (r.url.endsWith('/status/current'))
        return pve(res, 200, { data: { vmid: 161, status: 'stopped' } });
      return pve(res, 501, { data: null }, 'unexpected');
    });
    const result = await client.cloneWithFreshVmid({
      node: 'pve1',
      vmid: 9000,
      name: 'web-01', // same name, but not our marker
      description: 'created by request 7',
      isOurs: c => c.description === 'created by request 7',
      task: { pollIntervalMs: 5 },
    });
    expect(result.vmid).toBe(161);
    expect(POSTED()).toEqual(['160', '160', '161']);
  });

  it('allocateVmid: the candidate /cluster/nextid returned is not probed again; later ones are', async () => {
    stub.handle((r, res) =>
      answerNextid(r, res, 180)
        ? undefined
        : pve(res, 501, { data: null }, 'unexpected'),
    );
    const first = await client.allocateVmid();
    expect(first).toBe(180);
    expect(stub.requests.map(r => r.url)).toEqual([
      '/api2/json/cluster/nextid',
    ]);
    // 180 is claimed in this process: the next candidate is probed
    await expect(client.allocateVmid()).resolves.toBe(181);
    expect(stub.requests.map(r => r.url).slice(1)).toEqual([
      '/api2/json/cluster/nextid',
      '/api2/json/cluster/nextid?vmid=181',
    ]);
    client.releaseVmid(180);
    client.releaseVmid(181);
  });

  it('moves to the next id when another system took the probed id (no earlier ambiguity)', async () => {
    stub.handle((r, res) => {
      if (answerNextid(r, res, 170)) return undefined;
      const newid = cloneNewid(r);
      if (newid === '170') return pve(res, 500, { data: null }, EXISTS(170));
      if (newid) return pve(res, 200, { data: CLONE_UPID });
      if (answerTaskPolls(r, res, CLONE_UPID)) return undefined;
      if (r.url.endsWith('/status/current'))
        return pve(res, 200, { data: { vmid: 171, status: 'stopped' } });
      return pve(res, 501, { data: null }, 'unexpected');
    });
    const result = await client.cloneWithFreshVmid({
      node: 'pve1',
      vmid: 9000,
      name: 'x',
      task: { pollIntervalMs: 5 },
    });
    expect(result.vmid).toBe(171);
    expect(POSTED()).toEqual(['170', '171']);
    // "taken" without an earlier ambiguous request: nothing is adopted
    expect(stub.requests.some(r => configOf(r))).toBe(false);
  });

  it('moves to the next id when the clone task fails because the id appeared on another node', async () => {
    const FAILED_UPID = CLONE_UPID.replace('679A423B', '679A423C');
    stub.handle((r, res) => {
      if (answerNextid(r, res, 180)) return undefined;
      const newid = cloneNewid(r);
      if (newid)
        return pve(res, 200, {
          data: newid === '180' ? FAILED_UPID : CLONE_UPID,
        });
      if (r.url.includes('679A423C'))
        return answerTaskPolls(
          r,
          res,
          FAILED_UPID,
          "clone failed: close (rename) atomic file '/etc/pve/nodes/pve1/qemu-server/180.conf' failed: File exists",
        );
      if (answerTaskPolls(r, res, CLONE_UPID)) return undefined;
      if (r.url.endsWith('/status/current'))
        return pve(res, 200, { data: { vmid: 181, status: 'stopped' } });
      return pve(res, 501, { data: null }, 'unexpected');
    });
    const result = await client.cloneWithFreshVmid({
      node: 'pve1',
      vmid: 9000,
      name: 'x',
      task: { pollIntervalMs: 5 },
    });
    expect(result.vmid).toBe(181);
    expect(POSTED()).toEqual(['180', '181']);
  });

  it('an abort after an ambiguous dispatch rejects with kind aborted and the VMID', async () => {
    stub.handle((r, res) => {
      if (answerNextid(r, res, 190)) return undefined;
      if (cloneNewid(r)) return res.socket?.destroy();
      return pve(res, 501, { data: null }, 'unexpected');
    });
    const ac = new AbortController();
    const slow = new ProxmoxClient({
      cluster: {
        name: 'stub',
        url: `https://127.0.0.1:${stub.port}`,
        tokenId: 'mycopod@pve!backstage',
        tokenSecret: '6f1c2a7e-5b1d-4c3e-9a1f-0d2b3c4d5e6f',
        retry: { maxAttempts: 2, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      },
      dispatcher: pool,
    });
    const p = slow.cloneWithFreshVmid({
      node: 'pve1',
      vmid: 9000,
      name: 'x',
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(new Error('shutdown')), 200);
    const e = await failure(p);
    expect(e).toMatchObject({ kind: 'aborted', vmid: 190, maybeApplied: true });
    expect(POSTED()).toEqual(['190']);
    // the claim is kept: this process will not hand out 190 again
    await expect(slow.allocateVmid({ start: 190 })).resolves.toBe(191);
  });
});
