import fs from 'node:fs';
import path from 'node:path';
import {
  describeIfFile,
  readJson,
  sharedApiDir,
  sleepMs,
  suiteSimulator,
} from './testUtils';

const samplesDir = path.join(sharedApiDir(), 'samples');
const sample = (name: string) =>
  readJson(path.join(samplesDir, name)).response_body;
const subset = () =>
  readJson(path.join(sharedApiDir(), 'subset.json')).endpoints;

const jsonType = (v: unknown) => {
  if (v === null) return 'null';
  return Array.isArray(v) ? 'array' : typeof v;
};

/** key → JSON type, e.g. {memory: 'string', cores: 'number'} */
function shape(o: Record<string, unknown>) {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map(k => [k, jsonType(o[k])]),
  );
}

function pickShape(o: Record<string, unknown>, keys: string[]) {
  return Object.fromEntries(keys.sort().map(k => [k, jsonType(o[k])]));
}

function returnProps(p: string, m = 'GET'): string[] {
  const ret = subset()[p][m].returns;
  const obj = ret.type === 'array' ? ret.items : ret;
  return Object.keys(obj.properties ?? {});
}

describeIfFile(path.join(samplesDir, 'nodes.pve8.go-proxmox-mock.json'))(
  'fidelity with real PVE responses',
  () => {
    const env = suiteSimulator({
      timings: { taskMs: 400, resourcesLagMs: 0, agentIpDelayMs: 0 },
    });

    it('GET /nodes items have the same keys and JSON types', async () => {
      const expected = sample('nodes.pve8.go-proxmox-mock.json').data[0];
      const res = await env.api.get('/nodes');
      expect(res.status).toBe(200);
      for (const item of res.body.data)
        expect(shape(item)).toEqual(shape(expected));
    });

    it('GET /cluster/resources entries match per type (qemu, node, storage)', async () => {
      const expected: Array<Record<string, unknown>> = sample(
        'cluster-resources.pve8.go-proxmox-mock.json',
      ).data;
      const res = await env.api.get('/cluster/resources');
      const ours: Array<Record<string, unknown>> = res.body.data;
      const declared = returnProps('/cluster/resources');
      for (const type of ['qemu', 'node', 'storage']) {
        const theirs = expected.filter(e => e.type === type);
        const mine = ours.filter(
          e => e.type === type && e.status !== 'unknown',
        );
        expect(mine.length).toBeGreaterThan(0);
        const required = Object.keys(theirs[0]).filter(k =>
          theirs.every(e => k in e),
        );
        const union = new Set(theirs.flatMap(e => Object.keys(e)));
        for (const e of mine) {
          expect(pickShape(e, required)).toEqual(
            pickShape(theirs[0], required),
          );
          const extra = Object.keys(e).filter(
            k => !union.has(k) && !declared.includes(k),
          );
          expect(extra).toEqual([]);
        }
      }
      // tags/template types as in the capture
      const tagged = ours.find(e => e.type === 'qemu' && e.tags);
      expect(typeof tagged?.tags).toBe('string');
      expect(
        ours
          .filter(e => e.type === 'qemu' && e.status !== 'unknown')
          .every(e => e.template === 0 || e.template === 1),
      ).toBe(true);
    });

    it('GET /cluster/status has the cluster and node entries of the capture', async () => {
      const expected: Array<Record<string, unknown>> = sample(
        'cluster-status.pve8.go-proxmox-mock.json',
      ).data;
      const res = await env.api.get('/cluster/status');
      const ours: Array<Record<string, unknown>> = res.body.data;
      expect(shape(ours.find(e => e.type === 'cluster')!)).toEqual(
        shape(expected.find(e => e.type === 'cluster')!),
      );
      for (const n of ours.filter(e => e.type === 'node')) {
        expect(shape(n)).toEqual(shape(expected.find(e => e.type === 'node')!));
        expect([0, 1]).toContain(n.online);
        expect([0, 1]).toContain(n.local);
      }
    });

    it('GET /cluster/nextid returns a string; a taken ?vmid= is the documented 400', async () => {
      const ok = await env.api.get('/cluster/nextid');
      expect(jsonType(ok.body.data)).toBe(
        jsonType(sample('cluster-nextid.pve8.go-proxmox-mock.json').data),
      );
      expect(ok.body.data).toMatch(/^\d+$/);
      const conflict = await env.api.get('/cluster/nextid?vmid=100');
      const expected = sample(
        'cluster-nextid-conflict.400.go-proxmox-mock.json',
      );
      expect(conflict.status).toBe(400);
      expect(conflict.body.errors).toEqual({ vmid: 'VM 100 already exists' });
      expect(conflict.body.data).toBeNull();
      expect(
        Object.keys(conflict.body)
          .filter(k => k !== 'message')
          .sort(),
      ).toEqual(Object.keys(expected).sort());
    });

    it('GET qemu config uses PVE 8.4 JSON types (memory string, ints, property strings)', async () => {
      const expected: Record<string, unknown> = readJson(
        path.join(samplesDir, 'unattributed/qemu-config.pve8.4-cloudinit.json'),
      ).response_body.data;
      const res = await env.api.get('/nodes/pve1/qemu/100/config');
      const ours: Record<string, unknown> = res.body.data;
      const common = Object.keys(expected).filter(k => k in ours);
      expect(common.length).toBeGreaterThanOrEqual(15);
      expect(pickShape(ours, common)).toEqual(pickShape(expected, common));
      expect(typeof ours.memory).toBe('string');
      expect(typeof ours.cores).toBe('number');
      expect(ours.digest).toMatch(/^[0-9a-f]{40}$/);
      // the PVE 7 capture differs only in memory (a number before qemu-server 8.0.8)
      const pve7: Record<string, unknown> = sample(
        'qemu-config.pve7.crash-tech.json',
      ).data;
      const common7 = Object.keys(pve7).filter(
        k => k in ours && k !== 'memory',
      );
      expect(pickShape(ours, common7)).toEqual(pickShape(pve7, common7));
      expect(typeof pve7.memory).toBe('number');
    });

    it('GET status/current of a running VM has the keys and types of the capture', async () => {
      const expected: Record<string, unknown> = sample(
        'qemu-status-current.running.pve8.0.go-proxmox-mock.json',
      ).data;
      const res = await env.api.get('/nodes/pve1/qemu/100/status/current');
      const ours: Record<string, unknown> = res.body.data;
      expect(pickShape(ours, Object.keys(expected))).toEqual(shape(expected));
      const declared = returnProps('/nodes/{node}/qemu/{vmid}/status/current');
      expect(
        Object.keys(ours).filter(
          k => !(k in expected) && !declared.includes(k),
        ),
      ).toEqual([]);
      for (const nested of ['ha', 'ballooninfo', 'proxmox-support']) {
        expect(
          pickShape(
            ours[nested] as Record<string, unknown>,
            Object.keys(ours[nested] as object),
          ),
        ).toEqual(
          pickShape(
            expected[nested] as Record<string, unknown>,
            Object.keys(ours[nested] as object),
          ),
        );
      }
      const bs = Object.values(
        ours.blockstat as Record<string, Record<string, unknown>>,
      )[0];
      const ebs = Object.values(
        expected.blockstat as Record<string, Record<string, unknown>>,
      )[0];
      expect(shape(bs)).toEqual(shape(ebs));
    });

    it('task status while running and when stopped matches the capture', async () => {
      const running: Record<string, unknown> = sample(
        'task-status.running.telmate-issue-437.json',
      ).data;
      const post = await env.api.post('/nodes/pve2/qemu/102/config', {
        description: 'fidelity',
      });
      const upid: string = post.body.data;
      expect(upid).toMatch(
        /^UPID:pve2:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:qmconfig:102:root@pam!mycopod:$/,
      );
      const r1 = await env.api.get(
        `/nodes/pve2/tasks/${encodeURIComponent(upid)}/status`,
      );
      // token-started tasks additionally carry `tokenid` (and `user` is the bare user)
      expect(shape(r1.body.data)).toEqual(
        shape({ ...running, tokenid: 'mycopod' }),
      );
      expect(r1.body.data.status).toBe('running');
      expect(r1.body.data.user).toBe('root@pam');
      const stopped = await env.api.waitTask(upid);
      expect(shape(stopped)).toEqual(
        shape({ ...running, tokenid: 'x', exitstatus: 'OK' }),
      );
      expect(stopped.exitstatus).toBe('OK');
    });

    it('sends the response headers of pve-api-daemon', async () => {
      const text = fs.readFileSync(
        path.join(
          samplesDir,
          'task-status.stopped.partial.telmate-issue-437.txt',
        ),
        'utf8',
      );
      const headerNames = [...text.matchAll(/^([A-Za-z-]+): /gm)]
        .map(m => m[1].toLowerCase())
        .filter(h => h !== 'source' && h !== 'kind' && h !== 'note');
      const res = await env.api.get('/version');
      for (const h of headerNames) expect(res.headers[h]).toBeDefined();
      expect(res.headers.server).toBe('pve-api-daemon/3.0');
      expect(res.headers['content-type']).toBe(
        'application/json;charset=UTF-8',
      );
      expect(res.headers.connection).toBe('Keep-Alive');
      expect(res.headers['cache-control']).toBe('max-age=0');
      expect(res.headers.expires).toBe(res.headers.date);
      expect(Number(res.headers['content-length'])).toBe(
        Buffer.byteLength(res.raw),
      );
      await sleepMs(1);
    });
  },
);
