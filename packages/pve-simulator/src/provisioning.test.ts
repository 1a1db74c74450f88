/*
 * What an exactly-once provisioning executor needs from the simulator: the
 * clone target appears only inside the task, realistic (not always
 * retry-safe) task failures, the task visibility lag and GET /_sim/guests.
 */
import { startSimulator } from './simulator';
import { sleepMs, suiteSimulator, TestClient, waitFor } from './testUtils';

const marker = (id: string) => `mycopod-request: ${id}`;

/** The guests whose description carries `text`, via the control endpoint. */
async function guestsWith(api: TestClient, text: string): Promise<any[]> {
  const r = await api.get(`/_sim/guests?marker=${encodeURIComponent(text)}`);
  expect(r.status).toBe(200);
  return r.body.guests;
}

describe('clone target created inside the qmclone worker', () => {
  const env = suiteSimulator({ timings: { taskStartMs: 150 } });

  it('the target id is free right after dispatch and appears (locked) once the worker runs', async () => {
    const m = marker('5b0e7c1e-0001');
    const res = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 400,
      name: 'exactly-once',
      description: m,
    });
    expect(res.status).toBe(200);
    // not there yet: config missing, nextid offers the id, no guest carries the marker
    const early = await env.api.get('/nodes/pve1/qemu/400/config');
    expect(early.status).toBe(500);
    expect(early.reason).toBe(
      "Configuration file 'nodes/pve1/qemu-server/400.conf' does not exist",
    );
    expect((await env.api.get('/cluster/nextid?vmid=400')).body.data).toBe(
      '400',
    );
    expect(await guestsWith(env.api, m)).toEqual([]);
    // the worker writes the temporary config `lock: clone`
    const locked = await waitFor(async () => {
      const r = await env.api.get('/nodes/pve1/qemu/400/config');
      return r.status === 200 ? r.body.data : undefined;
    });
    expect(locked.lock).toBe('clone');
    expect((await env.api.waitTask(res.body.data)).exitstatus).toBe('OK');
    const [g] = await guestsWith(env.api, m);
    expect(g).toMatchObject({
      cluster: 'lab',
      vmid: 400,
      node: 'pve1',
      name: 'exactly-once',
      description: m,
      status: 'stopped',
      template: false,
    });
    expect(g.lock).toBeUndefined();
  });

  it('a second dispatch onto the same id before the first landed fails inside its task', async () => {
    const m = marker('5b0e7c1e-0002');
    const a = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 401,
      description: m,
    });
    // the sync pre-check passes: the first worker has not written anything yet
    const b = await env.api.post('/nodes/pve1/qemu/9001/clone', {
      newid: 401,
      description: m,
    });
    expect(b.status).toBe(200);
    expect((await env.api.waitTask(a.body.data)).exitstatus).toBe('OK');
    expect((await env.api.waitTask(b.body.data)).exitstatus).toBe(
      "can't lock file '/var/lock/qemu-server/lock-401.conf' - got timeout",
    );
    expect(await guestsWith(env.api, m)).toHaveLength(1);
    // once the first one landed, the pre-check refuses synchronously
    const c = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 401,
    });
    expect(c.reason).toBe(
      'unable to create VM 401: config file already exists',
    );
  });
});

describe('injected task failures per task type', () => {
  const env = suiteSimulator({}, { resetFaults: true });

  const failAll = (type: string, modes?: string[]) =>
    env.sim.setFaults({
      taskFailureRate: 1,
      taskFailureTypes: [type],
      ...(modes ? { taskFailureModes: { [type]: modes as any } } : {}),
    });

  it('clone storage-lock and target-lock failures leave nothing behind (retry-safe)', async () => {
    const m = marker('5b0e7c1e-0010');
    failAll('qmclone', ['storage-lock']);
    const a = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 410,
      description: m,
    });
    expect((await env.api.waitTask(a.body.data)).exitstatus).toBe(
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    );
    failAll('qmclone', ['target-lock']);
    const b = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 410,
      description: m,
    });
    expect((await env.api.waitTask(b.body.data)).exitstatus).toBe(
      "can't lock file '/var/lock/qemu-server/lock-410.conf' - got timeout",
    );
    expect(await guestsWith(env.api, m)).toEqual([]);
    expect((await env.api.get('/cluster/nextid?vmid=410')).status).toBe(200);
  });

  it('a clone whose worker died leaves the locked target with its marker', async () => {
    const m = marker('5b0e7c1e-0011');
    failAll('qmclone', ['worker-died']);
    const a = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 411,
      name: 'half',
      description: m,
    });
    const st = await env.api.waitTask(a.body.data);
    expect(st.exitstatus).toBe('unexpected status');
    const log = await env.api.taskLog(a.body.data);
    expect(log.some(l => /^TASK /.test(l))).toBe(false);
    env.sim.setFaults(undefined);
    const left = await guestsWith(env.api, m);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ vmid: 411, lock: 'clone', name: 'half' });
    expect(left[0].config.scsi0).toMatch(/vm-411-disk-0/);
    // not retry-safe: the id is taken and the half-clone is locked
    const again = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 411,
    });
    expect(again.reason).toBe(
      'unable to create VM 411: config file already exists',
    );
    const put = await env.api.put('/nodes/pve1/qemu/411/config', { cores: 2 });
    expect(put.reason).toBe('VM is locked (clone)');
  });

  it('a create whose worker died keeps its config with lock: create', async () => {
    failAll('qmcreate', ['worker-died']);
    const r = await env.api.post('/nodes/pve1/qemu', {
      vmid: 412,
      name: 'created-half',
      scsi0: 'local-lvm:4',
    });
    expect((await env.api.waitTask(r.body.data)).exitstatus).toBe(
      'unexpected status',
    );
    const [g] = env.sim.guests({ cluster: 'lab' }).filter(x => x.vmid === 412);
    expect(g).toMatchObject({ lock: 'create', name: 'created-half' });
  });

  it('a refused shutdown fails again on retry until a forced stop', async () => {
    const vm = '/nodes/pve1/qemu/100';
    failAll('qmshutdown');
    const first = await env.api.post(`${vm}/status/shutdown`);
    const msg = 'VM quit/powerdown failed - got timeout';
    expect((await env.api.waitTask(first.body.data)).exitstatus).toBe(msg);
    env.sim.setFaults(undefined);
    const retry = await env.api.post(`${vm}/status/shutdown`);
    expect((await env.api.waitTask(retry.body.data)).exitstatus).toBe(msg);
    const reboot = await env.api.post(`${vm}/status/reboot`);
    expect((await env.api.waitTask(reboot.body.data)).exitstatus).toBe(msg);
    expect((await env.api.get(`${vm}/status/current`)).body.data.status).toBe(
      'running',
    );
    const forced = await env.api.post(`${vm}/status/shutdown`, {
      forceStop: 1,
    });
    expect((await env.api.waitTask(forced.body.data)).exitstatus).toBe('OK');
    expect(await env.api.taskLog(forced.body.data)).toContain(
      'VM still running - terminating now with SIGTERM',
    );
    expect((await env.api.get(`${vm}/status/current`)).body.data.status).toBe(
      'stopped',
    );
    // after the hard stop the guest behaves again
    const start = await env.api.post(`${vm}/status/start`);
    expect((await env.api.waitTask(start.body.data)).exitstatus).toBe('OK');
    const ok = await env.api.post(`${vm}/status/shutdown`);
    expect((await env.api.waitTask(ok.body.data)).exitstatus).toBe('OK');
  });

  it('a stop with overrule-shutdown aborts the running shutdown and stops the VM', async () => {
    const vm = '/nodes/pve2/qemu/101';
    failAll('qmshutdown');
    const taskMs = env.sim.timings.taskMs;
    env.sim.timings.taskMs = 5_000; // the refused shutdown waits long
    try {
      const shutdown = await env.api.post(`${vm}/status/shutdown`);
      await waitFor(async () => {
        const r = await env.api.get('/nodes/pve2/tasks?source=active&vmid=101');
        return r.body.data.length > 0 ? true : undefined;
      });
      await sleepMs(50); // the worker is in its (long) wait for the guest
      env.sim.setFaults(undefined);
      env.sim.timings.taskMs = taskMs;
      const stop = await env.api.post(`${vm}/status/stop`, {
        'overrule-shutdown': 1,
      });
      expect((await env.api.waitTask(shutdown.body.data)).exitstatus).toBe(
        'received interrupt',
      );
      expect((await env.api.waitTask(stop.body.data)).exitstatus).toBe('OK');
      expect((await env.api.get(`${vm}/status/current`)).body.data.status).toBe(
        'stopped',
      );
    } finally {
      env.sim.timings.taskMs = taskMs;
    }
  });

  it('a start that timed out leaves the VM running; a start that failed does not', async () => {
    const vm = '/nodes/pve2/qemu/102';
    failAll('qmstart', ['start-failed']);
    const a = await env.api.post(`${vm}/status/start`);
    expect((await env.api.waitTask(a.body.data)).exitstatus).toBe(
      'start failed: QEMU exited with code 1',
    );
    expect((await env.api.get(`${vm}/status/current`)).body.data.status).toBe(
      'stopped',
    );
    failAll('qmstart', ['start-timeout']);
    const b = await env.api.post(`${vm}/status/start`);
    expect((await env.api.waitTask(b.body.data)).exitstatus).toMatch(
      /^start failed: command '\/usr\/bin\/kvm -id 102 .*' failed: got timeout$/,
    );
    expect((await env.api.get(`${vm}/status/current`)).body.data.status).toBe(
      'running',
    );
    env.sim.setFaults(undefined);
    const c = await env.api.post(`${vm}/status/start`);
    expect((await env.api.waitTask(c.body.data)).exitstatus).toBe(
      'VM 102 already running',
    );
    const stop = await env.api.post(`${vm}/status/stop`);
    await env.api.waitTask(stop.body.data);
  });

  it('a partial resize grows the volume but not the config; a relative retry grows it again', async () => {
    const vm = '/nodes/pve2/qemu/102';
    const before = (await env.api.get(`${vm}/config`)).body.data.scsi0;
    const size = (s: string) => /size=(\d+)G/.exec(s)?.[1];
    failAll('resize', ['resize-partial']);
    const a = await env.api.put(`${vm}/resize`, { disk: 'scsi0', size: '+1G' });
    expect((await env.api.waitTask(a.body.data)).exitstatus).toMatch(
      /^command '\/usr\/bin\/qemu-img resize .*' failed: got timeout$/,
    );
    expect((await env.api.get(`${vm}/config`)).body.data.scsi0).toBe(before);
    env.sim.setFaults(undefined);
    const b = await env.api.put(`${vm}/resize`, { disk: 'scsi0', size: '+1G' });
    expect((await env.api.waitTask(b.body.data)).exitstatus).toBe('OK');
    const after = (await env.api.get(`${vm}/config`)).body.data.scsi0;
    expect(Number(size(after))).toBe(Number(size(before)) + 2);
  });

  it('rejects unknown modes and task types', () => {
    expect(() =>
      env.sim.setFaults({
        taskFailureRate: 1,
        taskFailureModes: { qmstart: ['worker-died'] },
      }),
    ).toThrow("unknown task failure mode 'worker-died' for 'qmstart'");
    expect(() =>
      env.sim.setFaults({ taskFailureRate: 1, taskFailureTypes: ['qmfoo'] }),
    ).toThrow("unknown task type 'qmfoo'");
  });
});

describe('task visibility lag', () => {
  const env = suiteSimulator({}, { resetFaults: true });

  it('answers 400 "no such task" for a fresh UPID until the lag passed', async () => {
    env.sim.setFaults({ taskVisibilityLagMs: 200 });
    const r = await env.api.post('/nodes/pve2/qemu/101/status/shutdown');
    const upid: string = r.body.data;
    const path = `/nodes/pve2/tasks/${encodeURIComponent(upid)}/status`;
    const early = await env.api.get(path);
    expect(early.status).toBe(400);
    expect(early.body.errors).toEqual({ upid: 'no such task' });
    const list = await env.api.get('/nodes/pve2/tasks?source=all');
    expect(list.body.data.map((t: any) => t.upid)).not.toContain(upid);
    const later = await waitFor(async () => {
      const x = await env.api.get(path);
      return x.status === 200 ? x : undefined;
    });
    expect(later.body.data.upid).toBe(upid);
    expect((await env.api.waitTask(upid)).exitstatus).toBe('OK');
  });

  it('is off by default', async () => {
    const r = await env.api.post('/nodes/pve2/qemu/101/status/start');
    const st = await env.api.get(
      `/nodes/pve2/tasks/${encodeURIComponent(r.body.data)}/status`,
    );
    expect(st.status).toBe(200);
    await env.api.waitTask(r.body.data);
  });
});

describe('GET /_sim/guests and timing profiles', () => {
  const env = suiteSimulator();

  it('lists every guest of the fleet, filterable by cluster and marker', async () => {
    const all = (await env.api.get('/_sim/guests')).body;
    expect(all.total).toBe(all.guests.length);
    expect(new Set(all.guests.map((g: any) => g.cluster))).toEqual(
      new Set(['lab', 'edge']),
    );
    const lab = (await env.api.get('/_sim/guests?cluster=lab')).body.guests;
    const web = lab.find((g: any) => g.vmid === 100);
    expect(web).toMatchObject({
      cluster: 'lab',
      vmid: 100,
      type: 'qemu',
      node: 'pve1',
      name: 'web-01',
      status: 'running',
      template: false,
    });
    expect(Array.isArray(web.tags)).toBe(true);
    expect(web.config.name).toBe('web-01');
    expect(lab.find((g: any) => g.vmid === 103)).toMatchObject({
      type: 'lxc',
      name: 'dns-01',
    });
    expect(lab.find((g: any) => g.vmid === 9000).template).toBe(true);
    await env.api.put('/nodes/pve2/qemu/102/config', {
      description: `${marker('5b0e7c1e-0030')}\nbuild box`,
      tags: 'b;a',
    });
    const hit = await guestsWith(env.api, marker('5b0e7c1e-0030'));
    expect(hit.map((g: any) => [g.vmid, g.tags])).toEqual([[102, ['a', 'b']]]);
    expect(env.sim.guests({ marker: marker('5b0e7c1e-0030') })).toEqual(hit);
  });

  it('the demo profile is fast but realistic; explicit timings override it', async () => {
    const demo = await startSimulator({
      timingProfile: 'demo',
      timings: { agentIpDelayMs: 2000 },
    });
    try {
      expect(demo.timings).toEqual({
        taskMs: 1000,
        cloneMs: 3000,
        resizeMs: 1000,
        lockWaitMs: 10000,
        resourcesLagMs: 3000,
        agentIpDelayMs: 2000,
        unauthorizedDelayMs: 3000,
        taskStartMs: 200,
      });
    } finally {
      await demo.stop();
    }
  });
});
