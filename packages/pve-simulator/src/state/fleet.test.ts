import { buildState, demoFleet, resolveFleet } from './fleet';
import { startTestSimulator, TestClient } from '../testUtils';

describe('fleet generator', () => {
  it('builds the demo fleet', () => {
    const st = buildState(demoFleet(), 1);
    expect(st.clusters.map(c => c.name)).toEqual(['lab', 'edge']);
    const lab = st.clusters[0];
    expect([...lab.nodes.keys()]).toEqual(['pve1', 'pve2', 'pve3']);
    expect(lab.guests.get(9000)!.config).toEqual(
      expect.objectContaining({
        name: 'ubuntu-24.04-cloudinit',
        template: '1',
        ide2: 'local-lvm:vm-9000-cloudinit,media=cdrom',
      }),
    );
    expect(lab.guests.get(9001)!.config.name).toBe('debian-12-cloudinit');
    expect([...lab.guests.values()].some(g => g.type === 'lxc')).toBe(true);
    expect(
      [...lab.guests.values()].filter(g => g.status === 'running').length,
    ).toBeGreaterThanOrEqual(2);
    expect([...lab.pools.keys()]).toEqual(['mycopod', 'team-a']);
    expect([...lab.firewallGroups.keys()]).toEqual(['web', 'ssh']);
    expect(
      lab.nodes
        .get('pve1')!
        .network.filter(i => i.type === 'bridge')
        .map(i => i.iface),
    ).toEqual(['vmbr0', 'vmbr1']);
    expect([...lab.vnets.keys()]).toEqual(['vnet100']);
  });

  it('generates 10k guests on one cluster', () => {
    const st = buildState(resolveFleet('large:1x40x10000', 3), 3);
    expect(st.clusters[0].nodes.size).toBe(40);
    expect(st.clusters[0].guests.size).toBe(10000);
    expect(st.clusters[0].volumes.size).toBeGreaterThanOrEqual(10000);
  });

  it('generates large:3x40x10000 as fleet totals, deterministically', () => {
    const st = buildState(resolveFleet('large:3x40x10000', 7), 7);
    expect(st.clusters).toHaveLength(3);
    expect(st.clusters.map(c => c.nodes.size)).toEqual([14, 13, 13]);
    expect(st.clusters.map(c => c.guests.size)).toEqual([3334, 3333, 3333]);
    for (const c of st.clusters) {
      expect(c.guests.get(9000)!.config.template).toBe('1');
    }
    const again = buildState(resolveFleet('large:3x40x10000', 7), 7);
    expect(again.clusters[1].guests.get(3000)!.config).toEqual(
      st.clusters[1].guests.get(3000)!.config,
    );
    const other = buildState(resolveFleet('large:1x40x100', 8), 8);
    expect(other.clusters[0].guests.get(150)!.config.net0).not.toBe(
      st.clusters[0].guests.get(150)!.config.net0,
    );
  });

  it('rejects unknown fleet specs', () => {
    expect(() => resolveFleet('huge', 1)).toThrow("unknown fleet 'huge'");
  });

  it('serves a 10k-guest cluster', async () => {
    const sim = await startTestSimulator({ fleet: 'large:1x40x10000' });
    const api = new TestClient(sim);
    try {
      const res = await api.get('/cluster/resources?type=vm');
      expect(res.body.data).toHaveLength(10000);
      const nodeVms = (await api.get('/nodes/c1-n001/qemu')).body.data;
      expect(nodeVms.length).toBeGreaterThan(200);
    } finally {
      api.close();
      await sim.stop();
    }
  });
});
