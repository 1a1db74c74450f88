import { mockServices } from '@backstage/backend-test-utils';
import type { PveNodeResource } from '@mycopod/plugin-proxmox-node';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { InventoryService, OptionsQuery } from './InventoryService';
import {
  callsOf,
  simulatorClusters,
  startDemoSimulator,
} from './__testUtils__/simulator';

jest.setTimeout(60_000);

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const ANY = { templates: ['*'], networks: ['*'], securityGroups: ['*'] };
const CHOICES: OptionsQuery = {
  allowed: ANY,
  sizePresets: [{ name: 'small', cores: 1, memoryMiB: 2048, diskGiB: 16 }],
  lease: { defaultDays: 14, maxDays: 90 },
  limits: { maxCores: 8, maxMemoryMiB: 32768, maxDiskGiB: 500 },
};
const OWNERS = new Map([
  [100, { requestId: 'r-100', owner: 'group:default/team-a' }],
]);

let sim: RunningSimulator;
let clusters: ReturnType<typeof simulatorClusters>;
const logger = mockServices.logger.mock();

function service(over: { cacheTtlMs?: number } = {}) {
  return new InventoryService({
    clusters,
    logger,
    guestOwners: async cluster => (cluster === 'lab' ? OWNERS : new Map()),
    ...over,
  });
}

beforeAll(async () => {
  sim = await startDemoSimulator();
  clusters = simulatorClusters([
    { name: 'lab', sim },
    { name: 'edge', sim },
  ]);
});

afterAll(async () => {
  await clusters?.close();
  await sim?.stop();
});

afterEach(() => sim.setFaults(undefined));

/** The node entries of lab's cluster/resources, read directly. */
async function labNodes(): Promise<PveNodeResource[]> {
  const all = await clusters.get('lab').listClusterResources({ type: 'node' });
  return all.filter((r): r is PveNodeResource => r.type === 'node');
}

describe('getInventory', () => {
  it('lists nodes, templates, guests with owners and firewall groups of every cluster', async () => {
    const inv = await service().getInventory();
    expect(inv.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(inv.generatedAt).getTime()).not.toBeNaN();
    expect(inv.clusters.map(c => c.name)).toEqual(['lab', 'edge']);
    const lab = inv.clusters[0];
    expect(lab.error).toBeUndefined();
    expect(lab.nodes.map(n => n.name)).toEqual(['pve1', 'pve2', 'pve3']);
    // live values (status, usage) are not in the inventory: read live
    expect(lab.nodes[0]).not.toHaveProperty('status');
    expect(lab.nodes[2].maxcpu).toBe(16);
    expect(lab.templates).toEqual([
      { vmid: 9000, name: 'ubuntu-24.04-cloudinit', node: 'pve1' },
      { vmid: 9001, name: 'debian-12-cloudinit', node: 'pve1' },
    ]);
    expect(lab.guests.map(g => [g.vmid, g.name, g.type])).toEqual([
      [100, 'web-01', 'qemu'],
      [101, 'db-01', 'qemu'],
      [102, 'build-runner', 'qemu'],
      [103, 'dns-01', 'lxc'],
    ]);
    expect(lab.guests[0]).not.toHaveProperty('status');
    expect(lab.unparsed).toEqual([]);
    expect(lab.guests[0]).toMatchObject({
      node: 'pve1',
      pool: 'mycopod',
      tags: ['mycopod', 'web'],
      owner: 'group:default/team-a',
      requestId: 'r-100',
    });
    expect(lab.guests[1].owner).toBeUndefined();
    expect(lab.firewallGroups).toEqual([
      { name: 'ssh', comment: 'SSH from the admin network' },
      { name: 'web', comment: 'HTTP/HTTPS ingress' },
    ]);
    const edge = inv.clusters[1];
    expect(edge.nodes.map(n => n.name)).toEqual(['edge1', 'edge2']);
    expect(edge.templates.map(t => t.vmid)).toEqual([9000, 9001]);
  });

  it('makes one cluster/resources call per cluster, shared by concurrent callers and cached', async () => {
    const inventory = service({ cacheTtlMs: 60_000 });
    sim.resetStats();
    const [a, b] = await Promise.all([
      inventory.getInventory(),
      inventory.getInventory(),
    ]);
    const c = await inventory.getInventory();
    expect(a).toBe(b);
    expect(c).toBe(a);
    expect(callsOf(sim, 'GET /cluster/resources')).toBe(2);
    expect(callsOf(sim, 'GET /cluster/firewall/groups')).toBe(2);
    expect(sim.stats().total).toBe(4);
  });

  it('gives the same hash for an unchanged fleet and a new one after a guest is created', async () => {
    const inventory = service({ cacheTtlMs: 0 });
    const first = await inventory.getInventory();
    const second = await inventory.getInventory();
    expect(second).not.toBe(first);
    expect(second.hash).toBe(first.hash);

    const pve = clusters.get('edge');
    const upid = await pve.createVm({
      node: 'edge2',
      vmid: 250,
      name: 'new-guest',
      memory: 1024,
    });
    await pve.waitForTask(upid!, { pollIntervalMs: 10, timeoutMs: 10_000 });
    const third = await inventory.getInventory();
    expect(third.hash).not.toBe(first.hash);
    expect(third.clusters[1].guests.find(g => g.vmid === 250)).toMatchObject({
      node: 'edge2',
      type: 'qemu',
    });

    await pve.deleteVmAndWait(
      { node: 'edge2', vmid: 250, purge: true },
      { wait: { pollIntervalMs: 10, timeoutMs: 10_000 } },
    );
    // after the resources lag the fleet is what it was
    await new Promise(r => setTimeout(r, 100));
    expect((await inventory.getInventory()).hash).toBe(first.hash);
  });

  it('reports a cluster that cannot be read with an error and still returns the others', async () => {
    const broken = await startDemoSimulator({
      faults: { routes: [{ path: '/cluster/resources', rate: 1 }] },
    });
    const mixed = simulatorClusters([
      { name: 'lab', sim },
      { name: 'edge', sim: broken },
    ]);
    try {
      const inv = await new InventoryService({
        clusters: mixed,
        logger,
        guestOwners: async () => new Map(),
      }).getInventory();
      const [lab, edge] = inv.clusters;
      expect(lab.error).toBeUndefined();
      expect(lab.guests).toHaveLength(4);
      expect(edge).toEqual({
        name: 'edge',
        error: expect.stringMatching(/^Could not read the cluster: .*500/),
        nodes: [],
        templates: [],
        guests: [],
        firewallGroups: [],
        unparsed: [],
      });
      expect(JSON.stringify(inv)).not.toContain(broken.token.secret);
      expect(JSON.stringify(inv)).not.toContain(sim.token.secret);
    } finally {
      await mixed.close();
      await broken.stop();
    }
  });

  it('reports a cluster whose guest owners cannot be read with an error', async () => {
    const inv = await new InventoryService({
      clusters,
      logger,
      guestOwners: async cluster => {
        if (cluster === 'edge') throw new Error('database is locked');
        return new Map();
      },
    }).getInventory();
    expect(inv.clusters[0].error).toBeUndefined();
    expect(inv.clusters[1]).toMatchObject({
      error: 'Could not read the owners of the guests',
      guests: [],
    });
  });
});

describe('getOptions', () => {
  it('lists templates with disk sizes, node capacity, storages, networks and groups of lab', async () => {
    const options = await service().getOptions(CHOICES);
    expect(options.clusters).toEqual([
      { name: 'lab', default: true },
      { name: 'edge', default: false },
    ]);
    expect(options.cluster).toBe('lab');
    expect(options.templates).toEqual([
      {
        vmid: 9000,
        name: 'ubuntu-24.04-cloudinit',
        node: 'pve1',
        diskGiB: 3.5,
        storage: 'local-lvm',
      },
      {
        vmid: 9001,
        name: 'debian-12-cloudinit',
        node: 'pve1',
        diskGiB: 3,
        storage: 'local-lvm',
      },
    ]);

    const live = await labNodes();
    expect(options.nodes.map(n => n.name)).toEqual(['pve1', 'pve2', 'pve3']);
    for (const n of options.nodes) {
      const r = live.find(x => x.node === n.name)!;
      expect(n.online).toBe(true);
      expect(n.maxMemoryMiB).toBe(Math.floor(r.maxmem! / MiB));
      expect(n.freeMemoryMiB).toBe(Math.floor((r.maxmem! - r.mem!) / MiB));
      expect(n.freeMemoryMiB).toBeLessThan(n.maxMemoryMiB);
      expect(n.freeCores).toBeGreaterThan(0);
      expect(n.freeCores).toBeLessThanOrEqual(r.maxcpu!);
    }
    expect(options.nodes[2].maxMemoryMiB).toBe(
      Math.floor(Math.round(128 * GiB * 0.98) / MiB),
    );

    // images storages only: local-lvm per node, nfs-shared once
    expect(options.storages.map(s => [s.name, s.node, s.shared])).toEqual([
      ['local-lvm', 'pve1', false],
      ['local-lvm', 'pve2', false],
      ['local-lvm', 'pve3', false],
      ['nfs-shared', undefined, true],
    ]);
    const nfs = options.storages[3];
    expect(nfs.freeGiB).toBeLessThanOrEqual(4096 - 600);
    expect(nfs.freeGiB).toBeGreaterThan(3000);
    expect(options.storages[0].freeGiB).toBeLessThan(800);
    expect(options.storages[0].freeGiB).toBeGreaterThan(700);

    expect(options.bridges).toEqual(['vmbr0', 'vmbr1']);
    expect(options.vnets).toEqual(['vnet100']);
    expect(options.securityGroups).toEqual(['ssh', 'web']);
    expect(options.sizePresets).toBe(CHOICES.sizePresets);
    expect(options.lease).toBe(CHOICES.lease);
    expect(options.limits).toBe(CHOICES.limits);
  });

  it('answers for another cluster', async () => {
    const options = await service().getOptions({ ...CHOICES, cluster: 'edge' });
    expect(options.cluster).toBe('edge');
    expect(options.nodes.map(n => n.name)).toEqual(['edge1', 'edge2']);
    expect(options.templates.map(t => [t.vmid, t.node])).toEqual([
      [9000, 'edge1'],
      [9001, 'edge1'],
    ]);
    expect(options.bridges).toEqual(['vmbr0']);
    expect(options.vnets).toEqual([]);
  });

  it('filters templates (by name or VMID), networks and security groups by the allow lists', async () => {
    const inventory = service();
    const byName = await inventory.getOptions({
      ...CHOICES,
      allowed: {
        templates: ['ubuntu-24.04-cloudinit'],
        networks: ['vmbr1', 'vnet100'],
        securityGroups: ['web', 'no-such-group'],
      },
    });
    expect(byName.templates.map(t => t.vmid)).toEqual([9000]);
    expect(byName.bridges).toEqual(['vmbr1']);
    expect(byName.vnets).toEqual(['vnet100']);
    expect(byName.securityGroups).toEqual(['web']);

    const byVmid = await inventory.getOptions({
      ...CHOICES,
      allowed: { templates: ['9001'], networks: [], securityGroups: ['*'] },
    });
    expect(byVmid.templates.map(t => t.name)).toEqual(['debian-12-cloudinit']);
    expect(byVmid.bridges).toEqual([]);
    expect(byVmid.vnets).toEqual([]);
    expect(byVmid.securityGroups).toEqual(['ssh', 'web']);
  });

  it('rejects an unknown cluster with NotFoundError', async () => {
    await expect(
      service().getOptions({ ...CHOICES, cluster: 'nowhere' }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: "No Proxmox cluster named 'nowhere' is configured",
    });
  });

  it('shows offline nodes without free capacity and still lists the bridges of the others', async () => {
    sim.setFaults({ offlineNodes: ['lab/pve3'] });
    const options = await service().getOptions(CHOICES);
    expect(options.nodes.find(n => n.name === 'pve3')).toMatchObject({
      online: false,
      freeCores: 0,
      freeMemoryMiB: 0,
    });
    expect(options.bridges).toEqual(['vmbr0', 'vmbr1']);
    expect(options.storages.some(s => s.node === 'pve3')).toBe(false);
  });
});

describe('resolveTemplate', () => {
  it('finds a template by name, by VMID and by VMID as a string', async () => {
    const inventory = service();
    const expected = {
      vmid: 9001,
      name: 'debian-12-cloudinit',
      node: 'pve1',
      diskGiB: 3,
      storage: 'local-lvm',
    };
    await expect(
      inventory.resolveTemplate('lab', 'debian-12-cloudinit'),
    ).resolves.toEqual(expected);
    await expect(inventory.resolveTemplate('lab', 9001)).resolves.toEqual(
      expected,
    );
    await expect(inventory.resolveTemplate('lab', '9001')).resolves.toEqual(
      expected,
    );
    await expect(
      inventory.resolveTemplate('edge', 'ubuntu-24.04-cloudinit'),
    ).resolves.toMatchObject({ vmid: 9000, node: 'edge1', diskGiB: 3.5 });
  });

  it('ignores guests that are not templates and unknown names', async () => {
    const inventory = service();
    await expect(
      inventory.resolveTemplate('lab', 100),
    ).resolves.toBeUndefined();
    await expect(
      inventory.resolveTemplate('lab', 'web-01'),
    ).resolves.toBeUndefined();
    await expect(
      inventory.resolveTemplate('lab', 'no-such-template'),
    ).resolves.toBeUndefined();
    await expect(
      inventory.resolveTemplate('nowhere', 9000),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});

describe('choosePlacement', () => {
  async function freeMemory() {
    const nodes = await labNodes();
    return new Map(nodes.map(n => [n.node, (n.maxmem ?? 0) - (n.mem ?? 0)]));
  }

  it('picks the online node with the most free memory when the template is on shared storage', async () => {
    const free = await freeMemory();
    const best = [...free.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const placement = await service({ cacheTtlMs: 0 }).choosePlacement(
      'lab',
      { node: 'pve1', storage: 'nfs-shared' },
      { memoryMiB: 2048 },
    );
    expect(placement).toEqual({ node: best, storage: 'nfs-shared' });
  });

  it('skips offline nodes and nodes without enough free memory', async () => {
    const free = await freeMemory();
    const [first, second] = [...free.entries()].sort((a, b) => b[1] - a[1]);
    sim.setFaults({ offlineNodes: [`lab/${first[0]}`] });
    const inventory = service({ cacheTtlMs: 0 });
    await expect(
      inventory.choosePlacement(
        'lab',
        { node: 'pve1', storage: 'nfs-shared' },
        { memoryMiB: 1024 },
      ),
    ).resolves.toEqual({ node: second[0], storage: 'nfs-shared' });
    await expect(
      inventory.choosePlacement(
        'lab',
        { node: 'pve1', storage: 'nfs-shared' },
        { memoryMiB: 1_048_576 },
      ),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(
        /^No online node of cluster lab has 1048576 MiB of free memory/,
      ),
    });
  });

  it('keeps a clone of a template on local storage on the template node', async () => {
    const inventory = service();
    const template = (await inventory.resolveTemplate('lab', 9000))!;
    await expect(
      inventory.choosePlacement('lab', template, { memoryMiB: 2048 }),
    ).resolves.toEqual({ node: 'pve1', storage: 'local-lvm' });
    // a full clone onto shared storage still reads the disk on pve1
    await expect(
      inventory.choosePlacement('lab', template, {
        storage: 'nfs-shared',
        memoryMiB: 2048,
      }),
    ).resolves.toEqual({ node: 'pve1', storage: 'nfs-shared' });
    await expect(
      inventory.choosePlacement('lab', template, {
        node: 'pve2',
        memoryMiB: 2048,
      }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message:
        "Node 'pve2' cannot reach storage 'local-lvm' of the template (on node 'pve1')",
    });
  });

  it('respects a wanted storage: only nodes that have it and can read the template', async () => {
    const inventory = service({ cacheTtlMs: 0 });
    const shared = { node: 'pve1', storage: 'nfs-shared' };
    const free = await freeMemory();
    const best = [...free.entries()].sort((a, b) => b[1] - a[1])[0][0];
    // every node has its own local-lvm and can read the template on NFS
    await expect(
      inventory.choosePlacement('lab', shared, {
        storage: 'local-lvm',
        memoryMiB: 1024,
      }),
    ).resolves.toEqual({ node: best, storage: 'local-lvm' });
    await expect(
      inventory.choosePlacement('lab', shared, {
        node: 'pve3',
        storage: 'local-lvm',
        memoryMiB: 1024,
      }),
    ).resolves.toEqual({ node: 'pve3', storage: 'local-lvm' });
    // with every node offline nothing fits
    sim.setFaults({ offlineNodes: ['lab/pve1', 'lab/pve2', 'lab/pve3'] });
    await expect(
      inventory.choosePlacement('lab', shared, { memoryMiB: 1024 }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message:
        "No online node of cluster lab can use storage 'nfs-shared' for a clone of the template on node 'pve1'",
    });
  });

  it('honours a wanted node that exists and is online', async () => {
    const inventory = service({ cacheTtlMs: 0 });
    const shared = { node: 'pve1', storage: 'nfs-shared' };
    await expect(
      inventory.choosePlacement('lab', shared, {
        node: 'pve3',
        memoryMiB: 512,
      }),
    ).resolves.toEqual({ node: 'pve3', storage: 'nfs-shared' });
    await expect(
      inventory.choosePlacement('lab', shared, {
        node: 'pve9',
        memoryMiB: 512,
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: "Node 'pve9' does not exist in cluster lab",
    });
    await expect(
      inventory.choosePlacement('lab', shared, {
        node: 'pve3',
        storage: 'no-such-storage',
        memoryMiB: 512,
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: "Storage 'no-such-storage' does not exist in cluster lab",
    });
    sim.setFaults({ offlineNodes: ['lab/pve3'] });
    await expect(
      inventory.choosePlacement('lab', shared, {
        node: 'pve3',
        memoryMiB: 512,
      }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: "Node 'pve3' of cluster lab is offline",
    });
  });
});
