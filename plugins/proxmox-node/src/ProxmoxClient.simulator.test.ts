/*
 * Behaviour over real HTTPS between the client and @mycopod/pve-simulator
 * (a PVE 8.4 simulator with tasks, locks and fault injection).
 */
import util from 'node:util';
import { startSimulator } from '@mycopod/pve-simulator';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { CapturedLog, captureLogger } from './__testUtils__/logger';
import { ProxmoxApiError } from './errors';
import { failure } from './__testUtils__/failure';
import { ProxmoxClient, ProxmoxClientOptions } from './ProxmoxClient';

jest.setTimeout(60_000);

const TIMINGS = {
  taskMs: 30,
  cloneMs: 120,
  resizeMs: 30,
  lockWaitMs: 150,
  resourcesLagMs: 100,
  agentIpDelayMs: 150,
  unauthorizedDelayMs: 30,
};
const FAST_RETRY = { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 200 };
const FAST_TASK = {
  pollIntervalMs: 20,
  maxPollIntervalMs: 100,
  timeoutMs: 20_000,
};
const SSH_KEYS = [
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT alice@example.com',
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQ/x+y0z9Wq2bFZ5F8QfU9yJkqB3o5vW8Y7cR2mN1pL bob@example.com',
];

let sim: RunningSimulator;
let logs: CapturedLog[];
let client: ProxmoxClient;
let clusterName: string;
let url: string;
const NODE = 'pve1';
const TEMPLATE = 9000;
const clients: ProxmoxClient[] = [];

function makeClient(
  over: Partial<ProxmoxClientOptions['cluster']> = {},
  opts: Partial<ProxmoxClientOptions> = {},
) {
  const c = new ProxmoxClient({
    cluster: {
      name: clusterName,
      url,
      tokenId: sim.token.tokenId,
      tokenSecret: sim.token.secret,
      caCert: sim.caCertPem,
      retry: FAST_RETRY,
      timeouts: { requestMs: 10_000, connectMs: 2_000, taskMs: 20_000 },
      ...over,
    } as ProxmoxClientOptions['cluster'],
    logger: captureLogger(logs),
    ...opts,
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  sim = await startSimulator({ fleet: 'demo', seed: 7, timings: TIMINGS });
  clusterName = sim.clusters[0].name;
  url = sim.clusters[0].url;
  logs = [];
  client = makeClient();
});

afterAll(async () => {
  await Promise.all(clients.map(c => c.close()));
  await sim?.stop();
});

afterEach(() => sim.setFaults(undefined));

/** clone → configure → resize → firewall → start → IP → snapshot → stop → delete */
async function lifecycle(c: ProxmoxClient, name: string) {
  const { vmid, node } = await c.cloneWithFreshVmid({
    node: NODE,
    vmid: TEMPLATE,
    name,
    task: FAST_TASK,
  });
  await c.updateVmConfig({
    node,
    vmid,
    cores: 2,
    memory: 2048,
    description: `MycoPod request ${name}`,
    ciuser: 'ubuntu',
    sshkeys: SSH_KEYS,
    ipconfig0: 'ip=dhcp',
    tags: ['MycoPod', 'team-a'],
  });
  const config = await c.getVmConfig({ node, vmid });
  await c.resizeDiskAndWait(
    { node, vmid, disk: 'scsi0', size: '8G' },
    { wait: FAST_TASK },
  );
  await c.ensureVmFirewallGroup({ node, vmid, group: 'web' });
  await c.startVmAndWait({ node, vmid }, { wait: FAST_TASK });
  const ip = await c.waitForGuestIp(
    { node, vmid },
    { timeoutMs: 10_000, pollIntervalMs: 50 },
  );
  await c.createSnapshotAndWait(
    { node, vmid, snapname: 'provisioned', description: 'after provisioning' },
    { wait: FAST_TASK },
  );
  const snapshots = await c.listSnapshots({ node, vmid });
  await c.stopVmAndWait({ node, vmid }, { wait: FAST_TASK });
  await c.deleteVmAndWait(
    { node, vmid, purge: true, 'destroy-unreferenced-disks': true },
    { wait: FAST_TASK },
  );
  const gone = await failure(c.getVmStatus({ node, vmid }));
  return { vmid, node, config, ip, snapshots, gone };
}

describe('reads', () => {
  it('reads version, nodes, cluster, storage, network, SDN, pools, firewall groups', async () => {
    const version = await client.getVersion();
    expect(version.release).toMatch(/^8\./);

    const nodes = await client.listNodes();
    expect(nodes.map(n => n.node).sort()).toEqual(['pve1', 'pve2', 'pve3']);
    const status = await client.getNodeStatus({ node: 'pve3' });
    expect(status.cpuinfo?.cpus).toBe(16);
    expect(typeof status.memory?.total).toBe('number');

    const resources = await client.listClusterResources();
    const types = new Set(resources.map(r => r.type));
    for (const t of ['qemu', 'lxc', 'node', 'storage', 'pool'])
      expect(types).toContain(t);
    const tpl = resources.find(r => r.type === 'qemu' && r.vmid === TEMPLATE);
    expect(tpl).toMatchObject({ template: true, node: NODE });
    expect(tpl && 'tags' in tpl && tpl.tags).toEqual([
      'cloud-init',
      'template',
      'ubuntu',
    ]);
    const vms = await client.listClusterResources({ type: 'vm' });
    expect(vms.every(r => r.type === 'qemu' || r.type === 'lxc')).toBe(true);

    const cs = await client.getClusterStatus();
    expect(cs.find(i => i.type === 'cluster')).toMatchObject({ quorate: true });

    const next = await client.getNextVmid();
    expect(typeof next).toBe('number');
    expect(next).toBeGreaterThanOrEqual(100);

    const qemu = await client.listQemu({ node: 'pve1', full: true });
    expect(qemu.find(q => q.vmid === 100)).toMatchObject({
      name: 'web-01',
      status: 'running',
      template: false,
    });
    const lxc = await client.listLxc({ node: 'pve3' });
    expect(lxc.map(l => l.vmid)).toContain(103);

    const pools = await client.listPools();
    expect(pools.map(p => p.poolid)).toEqual(
      expect.arrayContaining(['mycopod', 'team-a']),
    );
    const storage = await client.listStorage();
    expect(storage.find(s => s.storage === 'nfs-shared')).toMatchObject({
      shared: true,
    });
    const nodeStorage = await client.listNodeStorage({
      node: 'pve1',
      content: ['images'],
      enabled: true,
    });
    expect(nodeStorage.length).toBeGreaterThan(0);
    expect(
      nodeStorage.every(s => s.content.includes('images') && s.enabled),
    ).toBe(true);

    const bridges = await client.listBridges({ node: 'pve1' });
    expect(bridges.map(b => b.iface)).toEqual(
      expect.arrayContaining(['vmbr0', 'vmbr1']),
    );
    const vnets = await client.listSdnVnets();
    expect(vnets.find(v => v.vnet === 'vnet100')).toMatchObject({
      zone: 'labzone',
      tag: 100,
    });

    const groups = await client.listFirewallGroups();
    expect(groups.map(g => g.group)).toContain('web');
    const groupRules = await client.listFirewallGroupRules({ group: 'web' });
    expect(groupRules.length).toBeGreaterThan(0);
    const rules = await client.listVmFirewallRules({ node: 'pve1', vmid: 100 });
    expect(rules).toEqual([
      expect.objectContaining({ type: 'group', action: 'web', enable: true }),
    ]);
    const fw = await client.getVmFirewallOptions({ node: 'pve1', vmid: 100 });
    expect(fw.enable).toBe(true);
  });
});

describe('VM lifecycle', () => {
  it('clone → configure (cloud-init) → resize → firewall → start → IP → snapshot → stop → delete', async () => {
    const r = await lifecycle(client, 'life-01');
    expect(r.vmid).toBeGreaterThanOrEqual(100);
    expect(r.config).toMatchObject({
      name: 'life-01',
      cores: 2,
      memory: 2048,
      ciuser: 'ubuntu',
      sshkeys: SSH_KEYS.join('\n'),
      tags: ['mycopod', 'team-a'], // PVE lower-cases and sorts
      template: false,
    });
    expect(r.config.ipconfigs[0]).toBe('ip=dhcp');
    expect(r.ip.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(r.snapshots.map(s => s.name)).toEqual(['provisioned']);
    expect(r.gone.isNotFound).toBe(true);
  });

  it('rolls back and deletes snapshots, shuts down, and updates config asynchronously', async () => {
    const { vmid, node } = await client.cloneWithFreshVmid({
      node: NODE,
      vmid: TEMPLATE,
      name: 'life-02',
      task: FAST_TASK,
    });
    await client.createSnapshotAndWait(
      { node, vmid, snapname: 'base' },
      { wait: FAST_TASK },
    );
    const upid = await client.updateVmConfigAsync({ node, vmid, cores: 3 });
    if (upid) await client.waitForTask(upid, FAST_TASK);
    expect((await client.getVmConfig({ node, vmid })).cores).toBe(3);
    await client.rollbackSnapshotAndWait(
      { node, vmid, snapname: 'base' },
      { wait: FAST_TASK },
    );
    expect((await client.getVmConfig({ node, vmid })).cores).not.toBe(3);
    await client.deleteSnapshotAndWait(
      { node, vmid, snapname: 'base' },
      { wait: FAST_TASK },
    );
    expect(await client.listSnapshots({ node, vmid })).toEqual([]);
    await client.addVmFirewallRule({
      node,
      vmid,
      type: 'in',
      action: 'ACCEPT',
      proto: 'tcp',
      dport: '22',
      enable: true,
    });
    const [rule] = await client.listVmFirewallRules({ node, vmid });
    expect(rule).toMatchObject({ pos: 0, type: 'in', dport: '22' });
    await client.deleteVmFirewallRule({
      node,
      vmid,
      pos: rule.pos,
      digest: rule.digest,
    });
    expect(await client.listVmFirewallRules({ node, vmid })).toEqual([]);
    await client.startVmAndWait({ node, vmid }, { wait: FAST_TASK });
    // starting twice is fine ("already running" is success for the helper)
    await client.startVmAndWait({ node, vmid }, { wait: FAST_TASK });
    await client.shutdownVmAndWait(
      { node, vmid, forceStop: true, timeout: 5 },
      { wait: FAST_TASK },
    );
    expect((await client.getVmStatus({ node, vmid })).status).toBe('stopped');
    await client.deleteVmAndWait({ node, vmid }, { wait: FAST_TASK });
  });

  it('survives 20 % injected transient faults (500/502/503/595/reset on every route)', async () => {
    sim.setFaults({
      seed: 11,
      routes: [{ rate: 0.2, kinds: ['500', '502', '503', '595', 'reset'] }],
    });
    sim.resetStats();
    const before = logs.length;
    const results = await Promise.all(
      ['faulty-1', 'faulty-2', 'faulty-3'].map(n => lifecycle(client, n)),
    );
    const warnings = logs.slice(before).filter(l => l.level === 'warn');
    results.forEach((r, i) => {
      expect(r.config.name).toBe(`faulty-${i + 1}`);
      expect(r.snapshots.map(x => x.name)).toEqual(['provisioned']);
      expect(r.gone.isNotFound).toBe(true);
    });
    expect(new Set(results.map(r => r.vmid)).size).toBe(3);
    expect(warnings.length).toBeGreaterThanOrEqual(5); // faults were hit and handled
  });

  it('re-dispatches clones whose task failed on a storage lock (Proxmox cleaned up)', async () => {
    sim.setFaults({ seed: 5, taskFailureRate: 0.4 });
    const before = logs.length;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        client.cloneWithFreshVmid({
          node: NODE,
          vmid: TEMPLATE,
          name: `lockfail-${i}`,
          task: FAST_TASK,
        }),
      ),
    );
    sim.setFaults(undefined);
    const redispatched = logs
      .slice(before)
      .filter(l =>
        /failed transiently .*got timeout.*dispatching again/.test(l.message),
      );
    expect(redispatched.length).toBeGreaterThan(0);
    const qemu = await client.listQemu({ node: NODE });
    results.forEach((r, i) =>
      expect(qemu.find(q => q.vmid === r.vmid)?.name).toBe(`lockfail-${i}`),
    );
    // nothing half-cloned is left behind
    expect(qemu.filter(q => q.lock === 'clone')).toEqual([]);
    await Promise.all(
      results.map(r =>
        client.deleteVmAndWait(
          { node: NODE, vmid: r.vmid },
          { wait: FAST_TASK },
        ),
      ),
    );
  });

  it('surfaces Proxmox messages of non-retryable errors', async () => {
    const missing = await failure(
      client.getVmConfig({ node: NODE, vmid: 99999 }),
    );
    expect(missing.status).toBe(500);
    expect(missing.pveMessage).toBe(
      "Configuration file 'nodes/pve1/qemu-server/99999.conf' does not exist",
    );
    expect(missing.attempts).toBe(1);

    const notRunning = await failure(
      client.rebootVm({ node: 'pve2', vmid: 102 }),
    );
    expect(notRunning.pveMessage).toMatch(/VM 102 not running/);
    expect(notRunning.retryable).toBe(false);

    const invalid = await failure(
      client.cloneVm({
        node: NODE,
        vmid: TEMPLATE,
        newid: 150,
        name: 'bad_name',
      }),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.errors?.name).toMatch(/invalid format/);
    expect(invalid.message).toContain('name: invalid format');

    const taken = await failure(client.getNextVmid({ vmid: 100 }));
    expect(taken.status).toBe(400);
    expect(taken.errors?.vmid).toBe('VM 100 already exists');
  });

  it('surfaces the log tail of a failing task', async () => {
    const { vmid, node } = await client.cloneWithFreshVmid({
      node: NODE,
      vmid: TEMPLATE,
      name: 'shrink-01',
      task: FAST_TASK,
    });
    const e = await failure(
      client.resizeDiskAndWait(
        { node, vmid, disk: 'scsi0', size: '1G' },
        { wait: FAST_TASK },
      ),
    );
    expect(e.kind).toBe('task');
    expect(e.exitstatus).toMatch(/shrinking disks is not supported/);
    expect(e.logTail?.[e.logTail.length - 1]).toMatch(
      /^TASK ERROR: .*shrinking disks is not supported/,
    );
    expect(e.upid).toMatch(/^UPID:pve1:.*:resize:/);
    await client.deleteVmAndWait({ node, vmid }, { wait: FAST_TASK });
  });
});

describe('VMID allocation', () => {
  it('50 concurrent clones of one template get 50 distinct VMIDs without failure', async () => {
    const racer = makeClient({}, { maxConcurrentClonesPerSource: 0 });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        racer.cloneWithFreshVmid({
          node: NODE,
          vmid: TEMPLATE,
          name: `par-${i}`,
          task: FAST_TASK,
        }),
      ),
    );
    const rejected = results.filter(r => r.status === 'rejected');
    expect(rejected).toEqual([]);
    const vmids = results.map(r =>
      r.status === 'fulfilled' ? r.value.vmid : -1,
    );
    expect(new Set(vmids).size).toBe(50);
    // the clones really exist with the requested names
    const qemu = await client.listQemu({ node: NODE });
    for (let i = 0; i < 50; i++) {
      expect(qemu.find(q => q.vmid === vmids[i])?.name).toBe(`par-${i}`);
    }
    await Promise.all(
      vmids.map(vmid =>
        client.deleteVmAndWait({ node: NODE, vmid }, { wait: FAST_TASK }),
      ),
    );
  });

  it('two independent processes (no shared claims) racing for ids still end with distinct VMIDs', async () => {
    const a = makeClient({}, { maxConcurrentClonesPerSource: 0 });
    const b = makeClient({}, { maxConcurrentClonesPerSource: 0 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).cloneWithFreshVmid({
          node: NODE,
          vmid: TEMPLATE,
          name: `race-${i}`,
          task: FAST_TASK,
        }),
      ),
    );
    const vmids = results.map(r => r.vmid);
    expect(new Set(vmids).size).toBe(20);
    const qemu = await client.listQemu({ node: NODE });
    results.forEach((r, i) =>
      expect(qemu.find(q => q.vmid === r.vmid)?.name).toBe(`race-${i}`),
    );
    await Promise.all(
      vmids.map(vmid =>
        client.deleteVmAndWait({ node: NODE, vmid }, { wait: FAST_TASK }),
      ),
    );
  });

  it('allocateVmid skips taken ids, honours reserve() and in-process claims', async () => {
    const first = await client.allocateVmid({ start: 100 });
    expect(first).toBeGreaterThan(103); // 100-103 exist in the demo fleet
    const second = await client.allocateVmid({ start: 100 });
    expect(second).toBeGreaterThan(first); // first is still claimed
    const refused: number[] = [];
    const third = await client.allocateVmid({
      start: 100,
      reserve: async id => {
        if (refused.length < 2) {
          refused.push(id);
          return false;
        }
        return true;
      },
    });
    expect(refused).toHaveLength(2);
    expect(third).toBeGreaterThan(Math.max(...refused));
    for (const id of [first, second, third, ...refused]) client.releaseVmid(id);
    expect(await client.allocateVmid({ start: 100 })).toBe(first);
    client.releaseVmid(first);
  });
});

describe('TLS', () => {
  it('trusting the simulator CA works (every other test), not trusting it fails without retries', async () => {
    const untrusted = makeClient({ caCert: undefined });
    const e = await failure(untrusted.getVersion());
    expect(e.kind).toBe('network');
    expect(e.code).toMatch(/CERT|SIGNATURE|ISSUER/);
    expect(e.transient).toBe(false);
    expect(e.attempts).toBe(1);
  });

  it('tlsVerify: false works and is logged as a warning', async () => {
    const before = logs.length;
    const insecure = makeClient({ caCert: undefined, tlsVerify: false });
    expect(
      logs
        .slice(before)
        .some(
          l =>
            l.level === 'warn' &&
            /TLS certificate verification is DISABLED/.test(l.message),
        ),
    ).toBe(true);
    await expect(insecure.getVersion()).resolves.toMatchObject({
      release: expect.stringMatching(/^8\./),
    });
  });
});

describe('secret hygiene', () => {
  it('the token secret never appears in logs, error messages, String/JSON/stack/inspect', async () => {
    const secret = sim.token.secret;
    const wrong = 'f00dbabe-dead-beef-cafe-0123456789ab';
    const captured: unknown[] = [];
    const catchAll = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        captured.push(e);
      }
    };
    // a client with the real secret, failing in many ways
    const c = makeClient({
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
    });
    await catchAll(c.getVmConfig({ node: NODE, vmid: 99999 })); // 500
    await catchAll(c.getNextVmid({ vmid: 100 })); // 400 with errors
    await catchAll(
      c.cloneVm({ node: NODE, vmid: TEMPLATE, newid: 150, name: 'bad_name' }),
    ); // 400
    await catchAll(c.getVersion({ timeoutMs: 1 })); // timeout
    sim.setFaults({ seed: 3, routes: [{ rate: 1, kinds: ['reset'] }] });
    await catchAll(c.startVm({ node: NODE, vmid: 100 })); // reset on a mutation
    sim.setFaults({ seed: 3, routes: [{ rate: 1, kinds: ['502'] }] });
    await catchAll(c.listNodes()); // 502 until attempts exhausted
    sim.setFaults(undefined);
    await catchAll(makeClient({ caCert: undefined }).getVersion()); // TLS failure
    await catchAll(makeClient({ url: 'https://127.0.0.1:9' }).getVersion()); // connection refused
    const { vmid } = await c.cloneWithFreshVmid({
      node: NODE,
      vmid: TEMPLATE,
      name: 'hyg-01',
      task: FAST_TASK,
    });
    await catchAll(
      c.resizeDiskAndWait(
        { node: NODE, vmid, disk: 'scsi0', size: '1G' },
        { wait: FAST_TASK },
      ),
    ); // task failure
    await c.deleteVmAndWait({ node: NODE, vmid }, { wait: FAST_TASK });
    // a client with a wrong secret: 401 (its own secret must not leak either)
    const bad = makeClient({ tokenSecret: wrong });
    await catchAll(bad.listNodes());

    expect(captured.length).toBe(10);
    const texts: string[] = [];
    for (const e of captured) {
      expect(e).toBeInstanceOf(ProxmoxApiError);
      const err = e as ProxmoxApiError;
      texts.push(
        err.message,
        String(err),
        JSON.stringify(err),
        err.stack ?? '',
        util.inspect(err, { depth: 5 }),
      );
    }
    for (const l of logs) texts.push(l.message, JSON.stringify(l.meta ?? {}));
    texts.push(JSON.stringify(c), util.inspect(c, { depth: 5 }));
    const all = texts.join('\n');
    expect(all).toContain('Authentication failed'); // the 401 is in there
    expect(all).toContain('shrinking disks is not supported');
    expect(all).not.toContain(secret);
    expect(all).not.toContain(wrong);
    expect(all).not.toContain(encodeURIComponent(secret));
  });
});
