import https from 'node:https';
import { FaultSpec, parseFaultSpec } from './faults';
import { startTestSimulator, suiteSimulator, TestClient } from './testUtils';

describe('parseFaultSpec', () => {
  it('parses the compact CLI syntax', () => {
    expect(
      parseFaultSpec(
        'rate=0.2,kinds=500|595|reset,method=get,path=/cluster/resources,latency=5-50,task-fail=0.05,offline=lab/pve2|pve3,seed=7',
      ),
    ).toEqual({
      routes: [
        {
          rate: 0.2,
          kinds: ['500', '595', 'reset'],
          method: 'GET',
          path: '/cluster/resources',
        },
      ],
      latencyMs: [5, 50],
      taskFailureRate: 0.05,
      offlineNodes: ['lab/pve2', 'pve3'],
      seed: 7,
    });
    expect(parseFaultSpec('latency=10')).toEqual({ latencyMs: [10, 10] });
  });
  it('parses JSON and rejects invalid specs', () => {
    expect(parseFaultSpec('{"taskFailureRate":1}')).toEqual({
      taskFailureRate: 1,
    });
    expect(() => parseFaultSpec('rate=2')).toThrow(
      'fault rate must be within [0, 1]',
    );
    expect(() => parseFaultSpec('kinds=404,rate=0.1')).toThrow(
      "unknown fault kind '404'",
    );
    expect(() => parseFaultSpec('bogus=1')).toThrow(
      "unknown fault key 'bogus'",
    );
    expect(() => parseFaultSpec('latency=9-1')).toThrow('latency');
  });
});

describe('fault injection over HTTPS', () => {
  const env = suiteSimulator({}, { resetFaults: true });

  /** outcome of one request: status code or 'reset' */
  const outcome = async (path: string): Promise<string> => {
    try {
      const r = await env.api.get(path);
      return String(r.status);
    } catch (e) {
      return /ECONNRESET|socket hang up/.test(String(e))
        ? 'reset'
        : `error ${String(e)}`;
    }
  };

  const sequence = async (spec: FaultSpec, n = 40) => {
    env.sim.setFaults(spec);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await outcome('/version'));
    return out;
  };

  it('is deterministic for a seed (same seed → same sequence)', async () => {
    const spec = (seed: number): FaultSpec => ({
      seed,
      routes: [
        {
          method: 'GET',
          path: '/version',
          rate: 0.5,
          kinds: ['500', '502', '503', '595', 'reset'],
        },
      ],
    });
    const a = await sequence(spec(42));
    const b = await sequence(spec(42));
    const c = await sequence(spec(43));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a)).toEqual(
      new Set(['200', '500', '502', '503', '595', 'reset']),
    );
    // other routes are not affected
    env.sim.setFaults(spec(42));
    for (let i = 0; i < 5; i++) expect(await outcome('/nodes')).toBe('200');
  });

  it('answers injected errors like PVE (reason phrases, 595 without body)', async () => {
    env.sim.setFaults({
      routes: [{ path: '/nodes/{node}/qemu', rate: 1, kinds: ['595'] }],
    });
    const r = await env.api.get('/nodes/pve1/qemu');
    expect(r.status).toBe(595);
    expect(r.reason).toBe('No route to host');
    expect(r.raw).toBe('');
    env.sim.setFaults({ routes: [{ path: /^\/nodes\/pve1\//, rate: 1 }] });
    const e = await env.api.get('/nodes/pve1/qemu');
    expect(e.status).toBe(500);
    expect(e.body).toEqual({ data: null, message: 'Internal Server Error\n' });
    expect((await env.api.get('/nodes/pve2/qemu')).status).toBe(200);
  });

  it('adds latency', async () => {
    env.sim.setFaults({ latencyMs: [60, 60] });
    const t0 = Date.now();
    await env.api.get('/version');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
  });

  it('exposes stats and faults on the control endpoint', async () => {
    await env.api.request('POST', '/_sim/reset-stats');
    await env.api.get('/nodes/pve1/qemu/100/config');
    await env.api.get('/nodes/pve1/qemu/100/config');
    await env.api.get('/nodes/pve2/qemu/101/config');
    await env.api.get('/cluster/resources?type=vm');
    const stats = (await env.api.get('/_sim/stats')).body;
    expect(stats).toEqual({
      calls: {
        'GET /cluster/resources': 1,
        'GET /nodes/{node}/qemu/{vmid}/config': 3,
      },
      total: 4,
    });
    expect(env.sim.stats().calls['GET /nodes/{node}/qemu/{vmid}/config']).toBe(
      3,
    );
    const set = await env.api.request('POST', '/_sim/faults', {
      body: 'offline=pve3,task-fail=0.5',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(set.status).toBe(200);
    expect(env.sim.getFaults()).toEqual({
      offlineNodes: ['pve3'],
      taskFailureRate: 0.5,
    });
    expect((await env.api.get('/nodes/pve3/lxc')).status).toBe(595);
    const bad = await env.api.request('POST', '/_sim/faults', {
      json: { taskFailureRate: 3 },
    });
    expect(bad.status).toBe(400);
    await env.api.request('DELETE', '/_sim/faults');
    expect((await env.api.get('/nodes/pve3/lxc')).status).toBe(200);
    env.sim.resetStats();
    expect(env.sim.stats()).toEqual({ calls: {}, total: 0 });
  });

  it('serves each cluster on its own port with the shared CA', async () => {
    expect(env.sim.clusters.map(c => c.name)).toEqual(['lab', 'edge']);
    expect(env.sim.clusters[0].port).not.toBe(env.sim.clusters[1].port);
    const edge = new TestClient(env.sim, env.sim.clusters[1].url);
    try {
      const nodes = (await edge.get('/nodes')).body.data.map(
        (n: any) => n.node,
      );
      expect(nodes).toEqual(['edge1', 'edge2']);
    } finally {
      edge.close();
    }
  });
});

describe('base port', () => {
  it('listens on port + i for cluster i', async () => {
    const free = await new Promise<number>(resolve => {
      const s = https.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const sim = await startTestSimulator({ port: free });
    try {
      expect(sim.clusters.map(c => c.port)).toEqual([free, free + 1]);
      expect(sim.clusters[1].url).toBe(`https://127.0.0.1:${free + 1}`);
    } finally {
      await sim.stop();
    }
  });
});
