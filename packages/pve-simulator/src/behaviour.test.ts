import type { FleetSpec } from './state/fleet';
import {
  FAST_TIMINGS,
  sleepMs,
  startTestSimulator,
  suiteSimulator,
  TestClient,
} from './testUtils';

const GiB = 1024 ** 3;

/** Resizes a disk of the VM at `vmPath` and waits for the task: its exit status. */
async function resizeDisk(
  api: TestClient,
  vmPath: string,
  disk: string,
  size: string,
): Promise<string> {
  const res = await api.put(`${vmPath}/resize`, { disk, size });
  return (await api.waitTask(res.body.data)).exitstatus;
}

describe('guest lifecycle and PVE semantics', () => {
  const env = suiteSimulator({}, { resetFaults: true });

  it('clone locks the target (lock: clone) and unlocks it when the task ends', async () => {
    const res = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 300,
      name: 'web-300',
    });
    expect(res.status).toBe(200);
    const upid: string = res.body.data;
    expect(upid).toMatch(
      /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmclone:9000:root@pam!mycopod:$/,
    );
    const during = await env.api.get('/nodes/pve1/qemu/300/config');
    expect(during.body.data.lock).toBe('clone');
    expect(
      (await env.api.get('/nodes/pve1/qemu/300/status/current')).body.data.lock,
    ).toBe('clone');
    const status = await env.api.waitTask(upid);
    expect(status.exitstatus).toBe('OK');
    const after = (await env.api.get('/nodes/pve1/qemu/300/config')).body.data;
    expect(after.lock).toBeUndefined();
    expect(after.name).toBe('web-300');
    expect(after.template).toBeUndefined();
    // linked clone of a template, new MAC and smbios uuid
    expect(after.scsi0).toMatch(
      /^local-lvm:base-9000-disk-0\/vm-300-disk-0,iothread=1,size=3584M$/,
    );
    const tpl = (await env.api.get('/nodes/pve1/qemu/9000/config')).body.data;
    expect(after.net0).not.toBe(tpl.net0);
    expect(after.smbios1).not.toBe(tpl.smbios1);
    expect(after.ide2).toBe('local-lvm:vm-300-cloudinit,media=cdrom');
    const log = await env.api.taskLog(upid);
    expect(log).toContain(
      'create linked clone of drive scsi0 (local-lvm:base-9000-disk-0)',
    );
    expect(log[log.length - 1]).toBe('TASK OK');
  });

  it('a config write during a clone waits for the lock and fails with the lock timeout', async () => {
    const res = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 301,
    });
    const t0 = Date.now();
    const put = await env.api.put('/nodes/pve1/qemu/301/config', { cores: 4 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(FAST_TIMINGS.lockWaitMs - 5);
    expect(put.status).toBe(500);
    expect(put.reason).toBe(
      "can't lock file '/var/lock/qemu-server/lock-301.conf' - got timeout",
    );
    expect(put.body).toEqual({ data: null, message: `${put.reason}\n` });
    // async config writes fail the same way (lock taken before the worker is forked)
    const post = await env.api.post('/nodes/pve1/qemu/301/config', {
      cores: 4,
    });
    expect(post.reason).toBe(
      "can't lock file '/var/lock/qemu-server/lock-301.conf' - got timeout",
    );
    await env.api.waitTask(res.body.data);
    const ok = await env.api.put('/nodes/pve1/qemu/301/config', { cores: 4 });
    expect(ok.status).toBe(200);
    expect(
      (await env.api.get('/nodes/pve1/qemu/301/config')).body.data.cores,
    ).toBe(4);
  });

  it('a start issued during a long clone fails inside its task with the lock timeout', async () => {
    const local = await startTestSimulator({
      timings: { cloneMs: 400, lockWaitMs: 50 },
    });
    const c = new TestClient(local);
    try {
      const clone = await c.post('/nodes/pve1/qemu/9001/clone', { newid: 311 });
      const start = await c.post('/nodes/pve1/qemu/311/status/start');
      expect(start.status).toBe(200);
      const st = await c.waitTask(start.body.data);
      expect(st.exitstatus).toBe(
        "can't lock file '/var/lock/qemu-server/lock-311.conf' - got timeout",
      );
      expect((await c.taskLog(start.body.data)).pop()).toBe(
        `TASK ERROR: ${st.exitstatus}`,
      );
      expect((await c.waitTask(clone.body.data)).exitstatus).toBe('OK');
      // after the clone: start works
      const again = await c.post('/nodes/pve1/qemu/311/status/start');
      expect((await c.waitTask(again.body.data)).exitstatus).toBe('OK');
    } finally {
      c.close();
      await local.stop();
    }
  });

  it('an early config write succeeds when the clone finishes within the lock timeout', async () => {
    const local = await startTestSimulator({
      timings: { cloneMs: 80, lockWaitMs: 1000 },
    });
    const c = new TestClient(local);
    try {
      await c.post('/nodes/pve1/qemu/9001/clone', { newid: 310 });
      const t0 = Date.now();
      const put = await c.put('/nodes/pve1/qemu/310/config', { memory: 4096 });
      expect(put.status).toBe(200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
      expect(
        (await c.get('/nodes/pve1/qemu/310/config')).body.data.memory,
      ).toBe('4096');
    } finally {
      c.close();
      await local.stop();
    }
  });

  it('nextid does not reserve; ?vmid= probes; duplicates fail like PVE', async () => {
    const a = (await env.api.get('/cluster/nextid')).body.data;
    const b = (await env.api.get('/cluster/nextid')).body.data;
    expect(a).toBe(b);
    expect((await env.api.get(`/cluster/nextid?vmid=${a}`)).body.data).toBe(a);
    const create = await env.api.post('/nodes/pve1/qemu', {
      vmid: Number(a),
      name: 'created',
      memory: 1024,
      scsi0: 'local-lvm:4',
      net0: 'virtio,bridge=vmbr0',
    });
    expect(create.status).toBe(200);
    expect(create.body.data).toMatch(
      new RegExp(`:qmcreate:${a}:root@pam!mycopod:$`),
    );
    const probe = await env.api.get(`/cluster/nextid?vmid=${a}`);
    expect(probe.status).toBe(400);
    expect(probe.body.errors).toEqual({ vmid: `VM ${a} already exists` });
    expect((await env.api.get('/cluster/nextid')).body.data).not.toBe(a);
    // a second create with the same id (as two clients using one nextid would do)
    const dup = await env.api.post('/nodes/pve1/qemu', { vmid: Number(a) });
    expect(dup.status).toBe(500);
    expect(dup.reason).toBe(
      `unable to create VM ${a} - VM ${a} already exists on node 'pve1'`,
    );
    const dupOther = await env.api.post('/nodes/pve3/qemu', { vmid: 101 });
    expect(dupOther.reason).toBe(
      "unable to create VM 101 - VM 101 already exists on node 'pve2'",
    );
    const st = await env.api.waitTask(create.body.data);
    expect(st.exitstatus).toBe('OK');
    const cfg = (await env.api.get(`/nodes/pve1/qemu/${a}/config`)).body.data;
    expect(cfg.scsi0).toBe(`local-lvm:vm-${a}-disk-0,size=4G`);
    expect(cfg.net0).toMatch(/^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0$/);
    expect(cfg.boot).toBe('order=scsi0;net0');
    // clone onto an existing id: same node → sync 500, other node → failing task
    const sameNode = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 100,
    });
    expect(sameNode.status).toBe(500);
    expect(sameNode.reason).toBe(
      'unable to create VM 100: config file already exists',
    );
    const otherNode = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 101,
    });
    expect(otherNode.status).toBe(200);
    const failed = await env.api.waitTask(otherNode.body.data);
    // the temp config is written before the worker's eval: no "clone failed:" prefix
    expect(failed.exitstatus).toBe(
      "close (rename) atomic file '/etc/pve/nodes/pve1/qemu-server/101.conf' failed: File exists",
    );
    expect(
      (await env.api.get('/nodes/pve2/qemu/101/config')).body.data.name,
    ).toBe('db-01');
  });

  it('cluster/resources lags for new guests (status unknown, no name)', async () => {
    const res = await env.api.post('/nodes/pve2/qemu/9000/clone', {
      newid: 320,
    });
    expect(res.status).toBe(500); // template lives on pve1
    const clone = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 320,
      target: 'pve2',
      full: 1,
      storage: 'nfs-shared',
    });
    expect(clone.status).toBe(500);
    expect(clone.reason).toBe(
      "can't clone VM to node 'pve2' (VM uses local storage)",
    );
    const ok = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 320,
      name: 'lagging',
    });
    await env.api.waitTask(ok.body.data);
    const early = (
      await env.api.get('/cluster/resources?type=vm')
    ).body.data.find((e: any) => e.vmid === 320);
    // only id/vmid/node/type/status plus config-derived lock/tags/pool (no RRD data yet)
    expect(early).toEqual({
      id: 'qemu/320',
      vmid: 320,
      node: 'pve1',
      type: 'qemu',
      status: 'unknown',
      tags: 'cloud-init;template;ubuntu',
    });
    await sleepMs(FAST_TIMINGS.resourcesLagMs + 20);
    const late = (
      await env.api.get('/cluster/resources?type=vm')
    ).body.data.find((e: any) => e.vmid === 320);
    expect(late.name).toBe('lagging');
    expect(late.status).toBe('stopped');
    expect(late.template).toBe(0);
  });

  it('the guest agent reports IPs only some time after start', async () => {
    const notRunning = await env.api.get(
      '/nodes/pve2/qemu/102/agent/network-get-interfaces',
    );
    expect(notRunning.reason).toBe('VM 102 is not running');
    const start = await env.api.post('/nodes/pve2/qemu/102/status/start');
    expect((await env.api.waitTask(start.body.data)).exitstatus).toBe('OK');
    const early = await env.api.get(
      '/nodes/pve2/qemu/102/agent/network-get-interfaces',
    );
    expect(early.status).toBe(500);
    expect(early.reason).toBe('QEMU guest agent is not running');
    await sleepMs(FAST_TIMINGS.agentIpDelayMs + 20);
    const late = await env.api.get(
      '/nodes/pve2/qemu/102/agent/network-get-interfaces',
    );
    expect(late.status).toBe(200);
    const ifaces = late.body.data.result;
    expect(ifaces.map((i: any) => i.name)).toEqual(['lo', 'ens18']);
    const mac = /virtio=([^,]+)/.exec(
      (await env.api.get('/nodes/pve2/qemu/102/config')).body.data.net0,
    )![1];
    expect(ifaces[1]['hardware-address']).toBe(mac.toLowerCase());
    expect(ifaces[1]['ip-addresses'][0]).toEqual(
      expect.objectContaining({ 'ip-address-type': 'ipv4', prefix: 24 }),
    );
    // static ipconfig0 is what the agent reports
    const web = (
      await env.api.get('/nodes/pve1/qemu/100/agent/network-get-interfaces')
    ).body.data.result;
    expect(web[1]['ip-addresses'][0]['ip-address']).toBe('10.10.0.100');
    const again = await env.api.post('/nodes/pve2/qemu/102/status/start');
    expect((await env.api.waitTask(again.body.data)).exitstatus).toBe(
      'VM 102 already running',
    );
    const stop = await env.api.post('/nodes/pve2/qemu/102/status/stop');
    expect((await env.api.waitTask(stop.body.data)).exitstatus).toBe('OK');
    const reboot = await env.api.post('/nodes/pve2/qemu/102/status/reboot');
    expect(reboot.reason).toBe('VM 102 not running');
  });

  it('injected task failures end with an error exitstatus and a log tail, and roll back', async () => {
    env.sim.setFaults({ taskFailureRate: 1 });
    const usedBefore = (
      await env.api.get('/nodes/pve1/storage?storage=local-lvm')
    ).body.data[0].used;
    const res = await env.api.post('/nodes/pve1/qemu/9001/clone', {
      newid: 330,
      full: 1,
    });
    const st = await env.api.waitTask(res.body.data);
    expect(st.exitstatus).toBe(
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    );
    const log = await env.api.taskLog(res.body.data);
    expect(log).toContain(
      'create full clone of drive scsi0 (local-lvm:base-9001-disk-0)',
    );
    expect(log[log.length - 1]).toBe(`TASK ERROR: ${st.exitstatus}`);
    const gone = await env.api.get('/nodes/pve1/qemu/330/config');
    expect(gone.reason).toBe(
      "Configuration file 'nodes/pve1/qemu-server/330.conf' does not exist",
    );
    expect(
      (await env.api.get('/nodes/pve1/storage?storage=local-lvm')).body.data[0]
        .used,
    ).toBe(usedBefore);
    env.sim.setFaults({ taskFailureRate: 0 });
    const ok = await env.api.post('/nodes/pve2/qemu/102/config', {
      description: 'fine',
    });
    expect((await env.api.waitTask(ok.body.data)).exitstatus).toBe('OK');
  });

  it('an offline node answers 595 and shows offline/unknown in listings', async () => {
    env.sim.setFaults({ offlineNodes: ['lab/pve2'] });
    const res = await env.api.get('/nodes/pve2/qemu');
    expect(res.status).toBe(595);
    expect(res.reason).toBe('No route to host');
    expect(res.raw).toBe('');
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(
      (await env.api.post('/nodes/pve2/qemu/102/status/start')).status,
    ).toBe(595);
    expect((await env.api.get('/nodes/pve1/qemu')).status).toBe(200);
    const nodes = (await env.api.get('/nodes')).body.data;
    expect(nodes.find((n: any) => n.node === 'pve2')).toEqual(
      expect.objectContaining({ status: 'offline' }),
    );
    expect(nodes.find((n: any) => n.node === 'pve2').uptime).toBeUndefined();
    const resources = (await env.api.get('/cluster/resources')).body.data;
    expect(resources.find((e: any) => e.id === 'node/pve2').status).toBe(
      'offline',
    );
    expect(resources.find((e: any) => e.id === 'qemu/101').status).toBe(
      'unknown',
    );
    expect(
      resources.find((e: any) => e.id === 'storage/pve2/local-lvm').status,
    ).toBe('unknown');
    const cs = (await env.api.get('/cluster/status')).body.data;
    expect(cs.find((e: any) => e.name === 'pve2').online).toBe(0);
    expect(cs.find((e: any) => e.type === 'cluster').quorate).toBe(1);
    env.sim.setFaults(undefined);
    expect((await env.api.get('/nodes/pve2/qemu')).status).toBe(200);
  });

  it('resize grows (async task), refuses shrinking; tags are normalized', async () => {
    const grow = await env.api.put('/nodes/pve2/qemu/102/resize', {
      disk: 'scsi0',
      size: '+2G',
    });
    expect(grow.body.data).toMatch(/:resize:102:/);
    expect((await env.api.waitTask(grow.body.data)).exitstatus).toBe('OK');
    expect(
      (await env.api.get('/nodes/pve2/qemu/102/config')).body.data.scsi0,
    ).toMatch(/size=34G$/);
    expect(
      await resizeDisk(env.api, '/nodes/pve2/qemu/102', 'scsi0', '10G'),
    ).toBe('shrinking disks is not supported');
    expect(
      await resizeDisk(env.api, '/nodes/pve2/qemu/102', 'scsi5', '+1G'),
    ).toBe("disk 'scsi5' does not exist");
    await env.api.put('/nodes/pve2/qemu/102/config', {
      tags: 'Web,DB;web  ci',
    });
    expect(
      (await env.api.get('/nodes/pve2/qemu/102/config')).body.data.tags,
    ).toBe('ci;db;web');
  });

  it('snapshots: create, list with the current entry, rollback, delete', async () => {
    const create = await env.api.post('/nodes/pve2/qemu/102/snapshot', {
      snapname: 'before',
      description: 'pre-change',
    });
    expect((await env.api.waitTask(create.body.data)).exitstatus).toBe('OK');
    await env.api.put('/nodes/pve2/qemu/102/config', { cores: 8 });
    const list = (await env.api.get('/nodes/pve2/qemu/102/snapshot')).body.data;
    expect(list.map((s: any) => s.name)).toEqual(['before', 'current']);
    expect(list[1]).toEqual(
      expect.objectContaining({
        description: 'You are here!',
        parent: 'before',
        running: 0,
      }),
    );
    const rb = await env.api.post(
      '/nodes/pve2/qemu/102/snapshot/before/rollback',
    );
    expect((await env.api.waitTask(rb.body.data)).exitstatus).toBe('OK');
    expect(
      (await env.api.get('/nodes/pve2/qemu/102/config')).body.data.cores,
    ).toBe(2);
    const dup = await env.api.post('/nodes/pve2/qemu/102/snapshot', {
      snapname: 'before',
    });
    expect((await env.api.waitTask(dup.body.data)).exitstatus).toBe(
      "snapshot name 'before' already used",
    );
    const reserved = await env.api.post('/nodes/pve2/qemu/102/snapshot', {
      snapname: 'current',
    });
    expect(reserved.reason).toBe(
      "unable to use snapshot name 'current' (reserved name)",
    );
    const del = await env.api.del('/nodes/pve2/qemu/102/snapshot/before');
    expect((await env.api.waitTask(del.body.data)).exitstatus).toBe('OK');
    expect(
      (await env.api.get('/nodes/pve2/qemu/102/snapshot')).body.data,
    ).toHaveLength(1);
  });

  it('destroy: refused while running, frees the disks when stopped', async () => {
    const running = await env.api.del('/nodes/pve1/qemu/100');
    expect(running.status).toBe(500);
    expect(running.reason).toBe('VM 100 is running - destroy failed');
    const used0 = (await env.api.get('/nodes/pve1/storage?storage=local-lvm'))
      .body.data[0].used;
    const clone = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 340,
      full: 1,
    });
    await env.api.waitTask(clone.body.data);
    const used1 = (await env.api.get('/nodes/pve1/storage?storage=local-lvm'))
      .body.data[0].used;
    expect(used1 - used0).toBe(3.5 * GiB + 4 * 1024 ** 2);
    const del = await env.api.del(
      '/nodes/pve1/qemu/340?purge=1&destroy-unreferenced-disks=1',
    );
    expect((await env.api.waitTask(del.body.data)).exitstatus).toBe('OK');
    expect(
      (await env.api.get('/nodes/pve1/storage?storage=local-lvm')).body.data[0]
        .used,
    ).toBe(used0);
    expect((await env.api.get('/nodes/pve1/qemu/340/config')).status).toBe(500);
  });

  it('config digest, skiplock, background_delay, template conversion, task list and task stop', async () => {
    const cfg = (await env.api.get('/nodes/pve2/qemu/102/config')).body.data;
    const stale = await env.api.put('/nodes/pve2/qemu/102/config', {
      description: 'a',
      digest: '0'.repeat(40),
    });
    expect(stale.reason).toBe('checksum mismatch (file change by other user?)');
    expect(
      (
        await env.api.put('/nodes/pve2/qemu/102/config', {
          description: 'b',
          digest: cfg.digest,
        })
      ).status,
    ).toBe(200);
    const skip = await env.api.put('/nodes/pve2/qemu/102/config', {
      description: 'c',
      skiplock: 1,
    });
    expect(skip.body.errors).toEqual({
      skiplock: 'Only root may use this option.',
    });
    const none = await env.api.put('/nodes/pve2/qemu/102/config', {});
    expect(none.reason).toBe('no options specified');
    const unknownDelete = await env.api.put('/nodes/pve2/qemu/102/config', {
      delete: 'foo1',
    });
    expect(unknownDelete.body.errors).toEqual({
      delete: "unknown option 'foo1'",
    });
    const bg = await env.api.post('/nodes/pve2/qemu/102/config', {
      description: 'bg',
      background_delay: 5,
    });
    expect(bg.status).toBe(200);
    expect(bg.body.data).toBeNull();

    const tpl = await env.api.post('/nodes/pve2/qemu/102/template');
    expect((await env.api.waitTask(tpl.body.data)).exitstatus).toBe('OK');
    const after = (await env.api.get('/nodes/pve2/qemu/102/config')).body.data;
    expect(after.template).toBe(1);
    expect(after.scsi0).toMatch(/^local-lvm:base-102-disk-0,/);
    const again = await env.api.post('/nodes/pve2/qemu/102/template');
    expect(again.reason).toBe("you can't convert a template to a template");

    const list = await env.api.get('/nodes/pve2/tasks?typefilter=qmtemplate');
    expect(list.body.data.map((t: any) => t.upid)).toEqual([tpl.body.data]);
    expect(list.body.data[0]).toEqual(
      expect.objectContaining({
        status: 'OK',
        type: 'qmtemplate',
        id: '102',
        user: 'root@pam',
        tokenid: 'mycopod',
      }),
    );
    expect(list.body.total).toBe(1);

    const slow = await env.api.post('/nodes/pve1/qemu/9000/clone', {
      newid: 350,
    });
    expect(
      (
        await env.api.del(
          `/nodes/pve1/tasks/${encodeURIComponent(slow.body.data)}`,
        )
      ).status,
    ).toBe(200);
    const stopped = await env.api.waitTask(slow.body.data);
    expect(stopped.exitstatus).toBe('clone failed: received interrupt');
    expect((await env.api.get('/nodes/pve1/qemu/350/config')).status).toBe(500);
    const wrongNode = await env.api.get(
      `/nodes/pve2/tasks/${encodeURIComponent(slow.body.data)}/status`,
    );
    expect(wrongNode.body.errors).toEqual({ upid: 'no such task' });
    const garbage = await env.api.get('/nodes/pve1/tasks/UPID:nope/status');
    expect(garbage.body.errors).toEqual({
      upid: 'unable to parse worker upid',
    });
  });

  it('cloud-init drive on create, cloudinit views and user-data dump', async () => {
    const keys = encodeURIComponent(
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample user@host',
    );
    const create = await env.api.post('/nodes/pve3/qemu', {
      vmid: 360,
      name: 'ci-vm',
      scsi0: 'local-lvm:8',
      ide2: 'local-lvm:cloudinit',
      ciuser: 'ops',
      sshkeys: keys,
      ipconfig0: 'ip=10.1.2.3/24,gw=10.1.2.1',
      net0: 'virtio,bridge=vmbr0',
    });
    expect((await env.api.waitTask(create.body.data)).exitstatus).toBe('OK');
    const cfg = (await env.api.get('/nodes/pve3/qemu/360/config')).body.data;
    expect(cfg.ide2).toBe('local-lvm:vm-360-cloudinit,media=cdrom');
    expect(cfg.sshkeys).toBe(keys);
    const ci = (
      await env.api.get('/nodes/pve3/qemu/360/cloudinit')
    ).body.data.map((e: any) => e.key);
    expect(ci).toEqual(['ciuser', 'ipconfig0', 'name', 'sshkeys']);
    const user = (
      await env.api.get('/nodes/pve3/qemu/360/cloudinit/dump?type=user')
    ).body.data;
    expect(user).toContain('user: ops');
    expect(user).toContain(
      '  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample user@host',
    );
    const second = await env.api.put('/nodes/pve3/qemu/360/config', {
      sata0: 'local-lvm:cloudinit',
    });
    expect(second.status).toBe(400);
    expect(second.body.errors.sata0).toBe(
      "sata0 - cloud-init drive is already attached at 'ide2'\n",
    );
    const badKeys = await env.api.put('/nodes/pve3/qemu/360/config', {
      sshkeys: encodeURIComponent('not a key'),
    });
    expect(badKeys.reason).toBe('SSH public key validation error');
  });

  it('pools, storage, bridges, SDN vnets and firewall', async () => {
    const pools = (await env.api.get('/pools')).body.data;
    expect(pools.map((p: any) => p.poolid)).toEqual(['mycopod', 'team-a']);
    const pool = (await env.api.get('/pools/mycopod')).body.data;
    expect(pool.members.map((m: any) => m.id)).toEqual([
      'qemu/100',
      'qemu/101',
    ]);
    const storage = (await env.api.get('/storage')).body.data;
    expect(storage.find((s: any) => s.storage === 'local-lvm')).toEqual(
      expect.objectContaining({
        type: 'lvmthin',
        content: 'images,rootdir',
        thinpool: 'data',
        vgname: 'pve',
      }),
    );
    // PVE reports `shared: 1` for always-shared types such as nfs.
    expect(storage.find((s: any) => s.storage === 'nfs-shared')).toEqual(
      expect.objectContaining({ type: 'nfs', shared: 1 }),
    );
    const nodeStorage = (
      await env.api.get('/nodes/pve1/storage?content=images')
    ).body.data;
    expect(nodeStorage.map((s: any) => s.storage)).toEqual([
      'local-lvm',
      'nfs-shared',
    ]);
    const bridges = (await env.api.get('/nodes/pve1/network?type=bridge')).body
      .data;
    expect(bridges.map((b: any) => b.iface)).toEqual(['vmbr0', 'vmbr1']);
    const vnets = (await env.api.get('/cluster/sdn/vnets')).body.data;
    expect(vnets).toEqual([
      expect.objectContaining({
        vnet: 'vnet100',
        zone: 'labzone',
        tag: 100,
        type: 'vnet',
      }),
    ]);

    const groups = (await env.api.get('/cluster/firewall/groups')).body.data;
    expect(groups.map((g: any) => g.group)).toEqual(['ssh', 'web']);
    expect(
      (
        await env.api.post('/cluster/firewall/groups', {
          group: 'db',
          comment: 'databases',
        })
      ).status,
    ).toBe(200);
    const dup = await env.api.post('/cluster/firewall/groups', { group: 'db' });
    expect(dup.status).toBe(400);
    expect(dup.body.errors).toEqual({
      group: "Security group 'db' already exists",
    });
    const rule = await env.api.post('/cluster/firewall/groups/db', {
      type: 'in',
      action: 'ACCEPT',
      proto: 'tcp',
      dport: '5432',
      enable: 1,
    });
    expect(rule.status).toBe(200);
    const badRule = await env.api.post('/cluster/firewall/groups/db', {
      type: 'in',
      action: 'ACCEPT',
      dport: '5432',
    });
    expect(badRule.body.errors).toEqual({
      proto: "missing property - 'dport' requires this property",
    });
    const rules = (await env.api.get('/cluster/firewall/groups/db')).body.data;
    expect(rules).toEqual([
      expect.objectContaining({
        pos: 0,
        type: 'in',
        action: 'ACCEPT',
        dport: '5432',
        enable: 1,
      }),
    ]);

    await env.api.post('/nodes/pve1/qemu/100/firewall/rules', {
      type: 'group',
      action: 'db',
      enable: 1,
    });
    const vmRules = (await env.api.get('/nodes/pve1/qemu/100/firewall/rules'))
      .body.data;
    expect(vmRules.map((r: any) => [r.pos, r.type, r.action])).toEqual([
      [0, 'group', 'db'],
      [1, 'group', 'web'],
    ]);
    const stale = await env.api.del(
      `/nodes/pve1/qemu/100/firewall/rules/0?digest=${'0'.repeat(40)}`,
    );
    expect(stale.status).toBe(500);
    const missing = await env.api.del('/nodes/pve1/qemu/100/firewall/rules/5');
    expect(missing.status).toBe(500);
    expect(missing.body.message).toBe('no rule at position 5\n');
    const deleted = await env.api.del(
      `/nodes/pve1/qemu/100/firewall/rules/0?digest=${vmRules[0].digest}`,
    );
    expect(deleted.status).toBe(200);
    expect(
      (await env.api.get('/nodes/pve1/qemu/100/firewall/rules')).body.data.map(
        (r: any) => [r.pos, r.action],
      ),
    ).toEqual([[0, 'web']]);
    await env.api.put('/nodes/pve1/qemu/100/firewall/options', {
      enable: 1,
      policy_in: 'DROP',
    });
    const opts = (await env.api.get('/nodes/pve1/qemu/100/firewall/options'))
      .body.data;
    expect(opts).toEqual(
      expect.objectContaining({ enable: 1, policy_in: 'DROP' }),
    );
    expect(opts.digest).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('storage capacity accounting', () => {
  const fleet: FleetSpec = {
    clusters: [
      {
        name: 'tiny',
        nodes: [{ name: 'n1' }],
        storages: [
          {
            storage: 'local-lvm',
            type: 'lvmthin',
            content: ['images', 'rootdir'],
            capacityGiB: 10,
          },
        ],
        guests: [
          { vmid: 9000, node: 'n1', template: true, diskGiB: 4, name: 'tpl' },
        ],
      },
    ],
  };
  const env = suiteSimulator({ fleet });

  const used = async () =>
    (await env.api.get('/nodes/n1/storage')).body.data[0];

  it('clones and resizes consume space; a full storage fails the task', async () => {
    expect((await used()).used).toBe(4 * GiB);
    const c1 = await env.api.post('/nodes/n1/qemu/9000/clone', {
      newid: 101,
      full: 1,
    });
    expect((await env.api.waitTask(c1.body.data)).exitstatus).toBe('OK');
    expect((await used()).used).toBe(8 * GiB);
    expect((await used()).avail).toBe(2 * GiB);
    const c2 = await env.api.post('/nodes/n1/qemu/9000/clone', {
      newid: 102,
      full: 1,
    });
    const st = await env.api.waitTask(c2.body.data);
    expect(st.exitstatus).toBe(
      'clone failed: lvcreate \'pve/vm-102-disk-0\' error:   Volume group "pve" has insufficient free space (512 extents): 1024 required.',
    );
    expect((await used()).used).toBe(8 * GiB);
    expect(
      await resizeDisk(env.api, '/nodes/n1/qemu/101', 'scsi0', '+3G'),
    ).toBe(
      "lvextend 'pve/vm-101-disk-0' error:   Insufficient free space: 768 extents needed, but only 512 available",
    );
    expect(await resizeDisk(env.api, '/nodes/n1/qemu/101', 'scsi0', '5G')).toBe(
      'OK',
    );
    expect((await used()).used).toBe(9 * GiB);
    const create = await env.api.post('/nodes/n1/qemu', {
      vmid: 200,
      scsi0: 'local-lvm:2',
    });
    const cst = await env.api.waitTask(create.body.data);
    expect(cst.exitstatus).toBe(
      'unable to create VM 200 - lvcreate \'pve/vm-200-disk-0\' error:   Volume group "pve" has insufficient free space (256 extents): 512 required.',
    );
    expect((await env.api.get('/nodes/n1/qemu/200/config')).status).toBe(500);
  });
});
