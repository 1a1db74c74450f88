/*
 * Clone step primitives over real HTTPS against @mycopod/pve-simulator:
 * a clone request that is applied late (queued in pveproxy → pvedaemon) or
 * whose answer is lost, re-sent to the same VMID, ends in exactly one VM.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { startSimulator } from '@mycopod/pve-simulator';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { failure } from './__testUtils__/failure';
import { ProxmoxClient } from './ProxmoxClient';

jest.setTimeout(60_000);

const NODE = 'pve1';
const TEMPLATE = 9000;
const FAST_TASK = { pollIntervalMs: 20, maxPollIntervalMs: 100 };
const CLONE_ROUTE = '/nodes/{node}/qemu/{vmid}/clone';
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

let sim: RunningSimulator;
let client: ProxmoxClient;
const clients: ProxmoxClient[] = [];
/** Called with every warning of every client (tests hook in here). */
let onWarn: (message: string) => void = () => {};

const logger: LoggerService = {
  error() {},
  info() {},
  debug() {},
  warn(message: string) {
    onWarn(message);
  },
  child() {
    return logger;
  },
};

function makeClient(requestMs = 10_000) {
  const c = new ProxmoxClient({
    cluster: {
      name: sim.clusters[0].name,
      url: sim.clusters[0].url,
      tokenId: sim.token.tokenId,
      tokenSecret: sim.token.secret,
      caCert: sim.caCertPem,
      retry: { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 200 },
      timeouts: { requestMs, connectMs: 2_000, taskMs: 20_000 },
    },
    logger,
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  sim = await startSimulator({
    fleet: 'demo',
    seed: 7,
    timings: {
      taskMs: 30,
      cloneMs: 120,
      resizeMs: 30,
      lockWaitMs: 150,
      resourcesLagMs: 100,
      agentIpDelayMs: 150,
      unauthorizedDelayMs: 30,
    },
  });
  client = makeClient();
});

afterAll(async () => {
  await Promise.all(clients.map(c => c.close()));
  await sim?.stop();
});

afterEach(() => {
  sim.setFaults(undefined);
  onWarn = () => {};
});

/** Guests (qemu, any node) called `name`. */
async function guestsNamed(name: string) {
  const all = await Promise.all(
    ['pve1', 'pve2', 'pve3'].map(node => client.listQemu({ node })),
  );
  return all.flat().filter(q => q.name === name);
}

/** Waits until `vmid` exists unlocked, then lists the guests called `name`. */
async function settled(name: string, vmid: number) {
  for (let i = 0; i < 100; i++) {
    const g = await client.findGuest(vmid, [NODE]);
    if (g && !g.config.lock) {
      await sleep(50); // a late request, if any, ends meanwhile
      return guestsNamed(name);
    }
    await sleep(50);
  }
  throw new Error(`VM ${vmid} stays absent or locked`);
}

async function destroy(vmid: number) {
  const g = await client.findGuest(vmid, [NODE]);
  if (g)
    await client.deleteVmAndWait({ node: g.node, vmid }, { wait: FAST_TASK });
}

const stall = (ms: number) => ({
  routes: [
    {
      method: 'POST',
      path: CLONE_ROUTE,
      rate: 1,
      kinds: ['stall' as const],
      stallMs: ms,
    },
  ],
});

describe('cloneTo: ambiguous dispatch → re-send to the same newid → one VM', () => {
  it('the stalled first request lands after the re-send: it fails, one VM', async () => {
    const newid = await client.allocateVmid({ start: 600 });
    const params = {
      node: NODE,
      vmid: TEMPLATE,
      newid,
      name: 'stall-a',
      description: 'mycopod:req-a',
    };
    sim.setFaults(stall(400));
    const first = await client.cloneTo(params, { timeoutMs: 100 });
    expect(first.outcome).toBe('ambiguous');
    sim.setFaults(undefined);

    const again = await client.cloneTo(params);
    expect(again.outcome).toBe('dispatched');
    if (again.outcome !== 'dispatched') return;
    await client.waitForTask(again.upid, FAST_TASK);
    await sleep(600); // the stalled request is applied meanwhile, and fails

    const list = await settled('stall-a', newid);
    expect(list.map(q => q.vmid)).toEqual([newid]);
    const found = await client.findGuest(newid, [NODE]);
    expect(found?.config).toMatchObject({ description: 'mycopod:req-a' });
    client.releaseVmid(newid);
    await destroy(newid);
  });

  it("the stalled first request lands before the re-send: 'taken', the marker says it is ours", async () => {
    const newid = await client.allocateVmid({ start: 610 });
    const params = {
      node: NODE,
      vmid: TEMPLATE,
      newid,
      name: 'stall-b',
      description: 'mycopod:req-b',
    };
    sim.setFaults(stall(150));
    const first = await client.cloneTo(params, { timeoutMs: 50 });
    expect(first.outcome).toBe('ambiguous');
    sim.setFaults(undefined);
    while (!(await client.findGuest(newid, [NODE]))) await sleep(20);

    const again = await client.cloneTo(params);
    expect(again.outcome).toBe('taken');
    if (again.outcome !== 'taken') return;
    expect(again.error.isAlreadyExists).toBe(true);
    const list = await settled('stall-b', newid);
    expect(list.map(q => q.vmid)).toEqual([newid]);
    const found = await client.findGuest(newid, [NODE]);
    expect(found).toMatchObject({
      node: NODE,
      type: 'qemu',
      config: { name: 'stall-b', description: 'mycopod:req-b' },
    });
    expect(found?.config.lock).toBeUndefined();
    client.releaseVmid(newid);
    await destroy(newid);
  });

  it("'taken' by a foreign guest: findGuest shows it is not ours", async () => {
    const d = await client.cloneTo({
      node: NODE,
      vmid: TEMPLATE,
      newid: 100,
      name: 'mine',
    });
    expect(d.outcome).toBe('taken');
    const g = await client.findGuest(100, [NODE]);
    expect(g?.config.name).toBe('web-01');
  });

  it('an abort while the POST is in flight rejects with kind aborted (and it was applied)', async () => {
    const newid = await client.allocateVmid({ start: 620 });
    sim.setFaults(stall(200));
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('job cancelled')), 50);
    const e = await failure(
      client.cloneTo(
        { node: NODE, vmid: TEMPLATE, newid, name: 'aborted-1' },
        { signal: ac.signal },
      ),
    );
    sim.setFaults(undefined);
    expect(e).toMatchObject({
      kind: 'aborted',
      maybeApplied: true,
      vmid: newid,
    });
    await sleep(300);
    expect((await settled('aborted-1', newid)).map(q => q.vmid)).toEqual([
      newid,
    ]);
    client.releaseVmid(newid);
    await destroy(newid);
  });

  it('a resumed job re-polls a stored UPID, riding out "no such task"', async () => {
    sim.setFaults({ taskVisibilityLagMs: 150 });
    const newid = await client.allocateVmid({ start: 630 });
    const d = await client.cloneTo({
      node: NODE,
      vmid: TEMPLATE,
      newid,
      name: 'resumed',
    });
    if (d.outcome !== 'dispatched') throw new Error(d.outcome);
    const other = makeClient(); // "after a restart"
    const task = await other.waitForTask(d.upid, FAST_TASK);
    expect(task.ok).toBe(true);
    client.releaseVmid(newid);
    await destroy(newid);
  });
});

describe('cloneWithFreshVmid over HTTPS', () => {
  it('a stalled (late) clone request: re-sent to the same VMID, exactly one VM', async () => {
    const c = makeClient(150); // requests time out after 150 ms
    sim.setFaults(stall(500));
    onWarn = m => {
      if (/ended ambiguously/.test(m)) sim.setFaults(undefined);
    };
    const before: number[] = [];
    const r = await c.cloneWithFreshVmid({
      node: NODE,
      vmid: TEMPLATE,
      name: 'late-1',
      onBeforeDispatch: async id => {
        before.push(id);
      },
      task: FAST_TASK,
    });
    expect(before).toEqual([r.vmid]);
    await sleep(700);
    expect((await settled('late-1', r.vmid)).map(q => q.vmid)).toEqual([
      r.vmid,
    ]);
    await destroy(r.vmid);
  });

  it('an applied clone whose answer was lost (reset-after) is adopted, not duplicated', async () => {
    sim.setFaults({
      routes: [
        { method: 'POST', path: CLONE_ROUTE, rate: 1, kinds: ['reset-after'] },
      ],
    });
    onWarn = m => {
      if (/ended ambiguously/.test(m)) sim.setFaults(undefined);
    };
    const r = await client.cloneWithFreshVmid({
      node: NODE,
      vmid: TEMPLATE,
      name: 'lost-1',
      description: 'mycopod:req-lost',
      isOurs: cfg => cfg.description === 'mycopod:req-lost',
      task: FAST_TASK,
    });
    expect(r.upid).toBeUndefined(); // adopted
    expect((await settled('lost-1', r.vmid)).map(q => q.vmid)).toEqual([
      r.vmid,
    ]);
    await destroy(r.vmid);
  });
});

describe('findGuest and task failures over HTTPS', () => {
  it('finds guests on the given nodes, via cluster/resources, containers, and absent ids', async () => {
    await expect(client.findGuest(100, ['pve1'])).resolves.toMatchObject({
      node: 'pve1',
      type: 'qemu',
      config: { name: 'web-01' },
    });
    await expect(
      client.findGuest(100, ['pve2'], { withStatus: true }),
    ).resolves.toMatchObject({ node: 'pve1', status: { vmid: 100 } });
    await expect(client.findGuest(103)).resolves.toMatchObject({
      node: 'pve3',
      type: 'lxc',
    });
    await expect(client.findGuest(99_999, ['pve1'])).resolves.toBeNull();
  });

  it('a shutdown that timed out waiting for the guest ("got timeout") is not re-sent', async () => {
    const { vmid, node } = await client.cloneWithFreshVmid({
      node: NODE,
      vmid: TEMPLATE,
      name: 'stubborn',
      task: FAST_TASK,
    });
    await client.startVmAndWait({ node, vmid }, { wait: FAST_TASK });
    sim.setFaults({ taskFailureRate: 1, taskFailureTypes: ['qmshutdown'] });
    sim.resetStats();
    const e = await failure(
      client.shutdownVmAndWait({ node, vmid }, { wait: FAST_TASK }),
    );
    sim.setFaults(undefined);
    expect(e.kind).toBe('task');
    expect(e.hasPveMessage('quit-timeout')).toBe(true);
    expect(e.isLockTimeout).toBe(false);
    expect(
      sim.stats().calls['POST /nodes/{node}/qemu/{vmid}/status/shutdown'],
    ).toBe(1);
    await client.stopVmAndWait({ node, vmid }, { wait: FAST_TASK });
    await destroy(vmid);
  });
});
