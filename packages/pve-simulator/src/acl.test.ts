/*
 * Path-scoped token privileges (PVE ACLs): what a token without VM.Audit on
 * a guest sees of it, as `pveproxy` answers.
 */
import { parseToken } from './cli';
import type { RunningSimulator } from './simulator';
import { startTestSimulator, TestClient } from './testUtils';

const ADMIN = { tokenId: 'root@pam!mycopod', secret: 'secret-admin' };
const SCOPED = { tokenId: 'catalog@pve!scoped', secret: 'secret-scoped' };
const ROOTAUDIT = { tokenId: 'catalog@pve!all', secret: 'secret-all' };
const NOTHING = { tokenId: 'catalog@pve!none', secret: 'secret-none' };

describe('token ACLs', () => {
  let sim: RunningSimulator;
  let api: TestClient;
  beforeAll(async () => {
    sim = await startTestSimulator({
      tokens: [
        { ...ADMIN, privileges: 'admin' },
        // guest 100 directly, and the pool team-a (guest 102)
        {
          ...SCOPED,
          acl: [
            { path: '/vms/100', privileges: 'readonly' },
            { path: '/pool/team-a', privileges: 'readonly' },
            { path: '/nodes/pve1', privileges: 'readonly' },
            { path: '/storage/local-lvm', privileges: 'readonly' },
          ],
        },
        { ...ROOTAUDIT, acl: [{ path: '/', privileges: 'readonly' }] },
        { ...NOTHING, acl: [] },
      ],
    });
    api = new TestClient(sim);
  });
  afterAll(async () => {
    api.close();
    await sim.stop();
  });

  const resources = async (token: typeof ADMIN) => {
    const res = await api.get('/cluster/resources', { token });
    expect(res.status).toBe(200);
    return res.body.data as Array<Record<string, any>>;
  };
  const vmids = (list: Array<Record<string, any>>) =>
    list.filter(r => r.vmid !== undefined).map(r => r.vmid);

  it('keeps tokens without an ACL global (the admin default token sees all)', async () => {
    expect(sim.token).toEqual(ADMIN);
    expect(vmids(await resources(ADMIN))).toEqual([
      100, 101, 102, 103, 9000, 9001,
    ]);
  });

  it('lists only guests with VM.Audit on /vms/<vmid> or their pool', async () => {
    const list = await resources(SCOPED);
    expect(vmids(list)).toEqual([100, 102]);
    expect(list.find(r => r.vmid === 102)?.pool).toBe('team-a');
    // pools: only team-a (Pool.Audit by the pool grant)
    expect(list.filter(r => r.type === 'pool').map(r => r.pool)).toEqual([
      'team-a',
    ]);
    // nodes are listed, their figures only with Sys.Audit on the node
    const nodes = list.filter(r => r.type === 'node');
    expect(nodes.map(n => n.node)).toEqual(['pve1', 'pve2', 'pve3']);
    expect(nodes[0].maxmem).toBeGreaterThan(0);
    expect(nodes[1].maxmem).toBeUndefined();
    expect(nodes[1].status).toBe('online');
    // storages with Datastore.Audit on /storage/<id> only
    expect(
      new Set(list.filter(r => r.type === 'storage').map(r => r.storage)),
    ).toEqual(new Set(['local-lvm']));
    expect(list.filter(r => r.type === 'sdn')).toEqual([]);
  });

  it('answers 403 for the config and status of a guest it may not audit', async () => {
    const ok = await api.get('/nodes/pve1/qemu/100/config', { token: SCOPED });
    expect(ok.status).toBe(200);
    const pool = await api.get('/nodes/pve2/qemu/102/status/current', {
      token: SCOPED,
    });
    expect(pool.status).toBe(200);
    const denied = await api.get('/nodes/pve2/qemu/101/config', {
      token: SCOPED,
    });
    expect(denied.status).toBe(403);
    expect(denied.reason).toBe('Permission check failed (/vms/101, VM.Audit)');
    const status = await api.get('/nodes/pve2/qemu/101/status/current', {
      token: SCOPED,
    });
    expect(status.status).toBe(403);
    // read-only even where it may audit
    const start = await api.post(
      '/nodes/pve1/qemu/100/status/start',
      {},
      { token: SCOPED },
    );
    expect(start.status).toBe(403);
  });

  it('filters the per-node guest lists', async () => {
    const qemu = await api.get('/nodes/pve2/qemu', { token: SCOPED });
    expect(qemu.body.data.map((g: any) => g.vmid)).toEqual([102]);
    const lxc = await api.get('/nodes/pve3/lxc', { token: SCOPED });
    expect(lxc.body.data).toEqual([]);
    const all = await api.get('/nodes/pve3/lxc', { token: ADMIN });
    expect(all.body.data.map((g: any) => g.vmid)).toEqual([103]);
  });

  it('an ACL on / propagates to everything; an empty ACL sees no guest', async () => {
    const everything = await resources(ROOTAUDIT);
    expect(vmids(everything)).toEqual(vmids(await resources(ADMIN)));
    expect(everything.filter(r => r.type === 'node')[2].maxmem).toBeGreaterThan(
      0,
    );
    const none = await resources(NOTHING);
    expect(vmids(none)).toEqual([]);
    expect(none.filter(r => r.type === 'node')).toHaveLength(3);
    expect(none.filter(r => r.type === 'storage')).toEqual([]);
  });

  it('sees a guest as soon as it moves into an audited pool', async () => {
    const pools = sim.state.clusters[0].pools;
    pools.get('mycopod')!.vms.delete(101);
    pools.get('team-a')!.vms.add(101);
    try {
      expect(vmids(await resources(SCOPED))).toEqual([100, 101, 102]);
    } finally {
      pools.get('team-a')!.vms.delete(101);
      pools.get('mycopod')!.vms.add(101);
    }
  });
});

describe('--token syntax', () => {
  it('parses global levels and ACL grants', () => {
    expect(parseToken('a@pve!x=s1')).toEqual({
      tokenId: 'a@pve!x',
      secret: 's1',
      privileges: 'admin',
    });
    expect(parseToken('a@pve!x=s1:ro').privileges).toBe('readonly');
    expect(parseToken('a@pve!x=s1:audit=/vms/100,/pool/team-a')).toEqual({
      tokenId: 'a@pve!x',
      secret: 's1',
      privileges: 'admin',
      acl: [
        { path: '/vms/100', privileges: 'readonly' },
        { path: '/pool/team-a', privileges: 'readonly' },
      ],
    });
    expect(parseToken('a@pve!x=s1:audit=/:admin=/vms/200').acl).toEqual([
      { path: '/', privileges: 'readonly' },
      { path: '/vms/200', privileges: 'admin' },
    ]);
    expect(() => parseToken('a@pve!x=s1:audit=vms/100')).toThrow(
      /--token expects/,
    );
    expect(() => parseToken('a@pve!x=s1:bogus')).toThrow(/--token expects/);
    expect(() => parseToken('nosecret')).toThrow(/--token expects/);
  });
});
