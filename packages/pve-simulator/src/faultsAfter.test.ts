/*
 * Faults that strike after the handler applied the change (reset-after,
 * 5xx-after) or delay it (stall), set at runtime through /_sim/faults.
 */
import { FaultKind, FaultSpec, parseFaultSpec } from './faults';
import { outcomeOf, suiteSimulator, waitFor } from './testUtils';

describe('parseFaultSpec: after-handler kinds and task failure settings', () => {
  it('parses the compact syntax', () => {
    expect(
      parseFaultSpec(
        'rate=0.5,kinds=reset-after|5xx-after|stall,method=post,path=/nodes/{node}/qemu/{vmid}/clone,stall=2000,task-lag=300,task-fail=0.1,task-fail-types=qmclone|qmstart,task-fail-modes=qmclone:worker-died|storage-lock;qmstart:start-timeout',
      ),
    ).toEqual({
      routes: [
        {
          rate: 0.5,
          kinds: ['reset-after', '5xx-after', 'stall'],
          method: 'POST',
          path: '/nodes/{node}/qemu/{vmid}/clone',
        },
      ],
      stallMs: 2000,
      taskVisibilityLagMs: 300,
      taskFailureRate: 0.1,
      taskFailureTypes: ['qmclone', 'qmstart'],
      taskFailureModes: {
        qmclone: ['worker-died', 'storage-lock'],
        qmstart: ['start-timeout'],
      },
    });
  });

  it('rejects bad values', () => {
    expect(() => parseFaultSpec('stall=-1')).toThrow('stallMs');
    expect(() => parseFaultSpec('task-lag=x')).toThrow('taskVisibilityLagMs');
    expect(() => parseFaultSpec('task-fail-modes=qmclone')).toThrow(
      'invalid task-fail-modes',
    );
    expect(() => parseFaultSpec('kinds=5xx-before,rate=1')).toThrow(
      "unknown fault kind '5xx-before'",
    );
  });
});

describe('after-handler faults over HTTPS', () => {
  const env = suiteSimulator({}, { resetFaults: true });

  const cloneRule = (kinds: FaultKind[]): FaultSpec => ({
    seed: 1,
    routes: [
      {
        method: 'POST',
        path: '/nodes/{node}/qemu/{vmid}/clone',
        rate: 1,
        kinds,
      },
    ],
  });

  /** guests carrying the marker, via the control endpoint */
  const marked = async (m: string) =>
    (await env.api.get(`/_sim/guests?marker=${encodeURIComponent(m)}`)).body
      .guests as any[];

  /** waits until exactly one guest carries the marker and it is unlocked */
  const landed = (m: string) =>
    waitFor(async () => {
      const g = await marked(m);
      return g.length === 1 && !g[0].lock ? g : undefined;
    });

  it('reset-after: the clone runs although the connection was reset', async () => {
    const m = 'mycopod-request: 00000000-0000-4000-8000-000000000001';
    const set = await env.api.request('POST', '/_sim/faults', {
      json: cloneRule(['reset-after']),
    });
    expect(set.status).toBe(200);
    expect((await env.api.get('/_sim/faults')).body.routes[0].kinds).toEqual([
      'reset-after',
    ]);
    const r = await outcomeOf(
      env.api.post('/nodes/pve1/qemu/9000/clone', {
        newid: 500,
        description: m,
      }),
    );
    expect(r.error).toMatch(/ECONNRESET|socket hang up/);
    const [g] = await landed(m);
    expect(g.vmid).toBe(500);
    const tasks = await env.api.get(
      '/nodes/pve1/tasks?source=all&typefilter=qmclone&vmid=9000',
    );
    expect(tasks.body.data.length).toBeGreaterThanOrEqual(1);
  });

  it('5xx-after: 500/502/503 although the change was applied (deterministic per seed)', async () => {
    const spec = (seed: number): FaultSpec => ({
      seed,
      routes: [
        {
          method: 'PUT',
          path: '/nodes/{node}/qemu/{vmid}/config',
          rate: 1,
          kinds: ['5xx-after'],
        },
      ],
    });
    const run = async (seed: number) => {
      env.sim.setFaults(spec(seed));
      const out: number[] = [];
      for (let i = 0; i < 12; i++) {
        const r = await env.api.put('/nodes/pve1/qemu/100/config', {
          description: `attempt ${seed}-${i}`,
        });
        out.push(r.status);
        const cfg = await env.api.get('/nodes/pve1/qemu/100/config');
        expect(cfg.body.data.description).toBe(`attempt ${seed}-${i}`);
      }
      return out;
    };
    const a = await run(3);
    const b = await run(3);
    expect(a).toEqual(b);
    expect(new Set(a)).toEqual(new Set([500, 502, 503]));
  });

  it('stall: a client that timed out sees nothing yet; the clone appears afterwards', async () => {
    const m = 'mycopod-request: 00000000-0000-4000-8000-000000000002';
    await env.api.request('POST', '/_sim/faults', {
      body: 'rate=1,kinds=stall,method=POST,path=/nodes/{node}/qemu/{vmid}/clone,stall=300',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(env.sim.getFaults().stallMs).toBe(300);
    const t0 = Date.now();
    const r = await outcomeOf(
      env.api.post(
        '/nodes/pve1/qemu/9000/clone',
        { newid: 501, description: m },
        { timeoutMs: 100 },
      ),
    );
    expect(r.error).toMatch(/client timeout/);
    expect(await marked(m)).toEqual([]);
    expect((await env.api.get('/cluster/nextid?vmid=501')).body.data).toBe(
      '501',
    );
    await env.api.request('DELETE', '/_sim/faults');
    const [g] = await landed(m);
    expect(g.vmid).toBe(501);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('stall: a patient client gets the answer after the delay', async () => {
    env.sim.setFaults({
      routes: [{ method: 'GET', path: '/version', rate: 1, kinds: ['stall'] }],
      stallMs: 150,
    });
    const t0 = Date.now();
    const r = await env.api.get('/version');
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    // a rule's own stallMs wins
    env.sim.setFaults({
      routes: [
        {
          method: 'GET',
          path: '/version',
          rate: 1,
          kinds: ['stall'],
          stallMs: 10,
        },
      ],
      stallMs: 5000,
    });
    const t1 = Date.now();
    expect((await env.api.get('/version')).status).toBe(200);
    expect(Date.now() - t1).toBeLessThan(2000);
  });
});
