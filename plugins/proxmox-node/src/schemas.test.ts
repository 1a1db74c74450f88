import { z } from 'zod';
import { readSample, sharedDir } from './__testUtils__/shared';
import { ENDPOINTS } from './endpoints';
import * as s from './schemas';

const dir = sharedDir('schemas.test');
const describeShared = dir ? describe : describe.skip;

describeShared(
  'normalisation of real Proxmox responses (shared/pve-api/samples)',
  () => {
    const sample = (name: string) => readSample(dir!, name);

    it('cluster/resources: typed entries, 0/1 → boolean, tags → string[], big counters exact', () => {
      const raw = sample('cluster-resources.pve8.go-proxmox-mock.json').data;
      const list = ENDPOINTS.clusterResources.response.parse(raw);
      expect(list).toHaveLength(raw.length);

      const vm100 = list.find(r => r.id === 'qemu/100');
      expect(vm100).toMatchObject({
        type: 'qemu',
        vmid: 100,
        node: 'node2',
        template: false,
        tags: [],
      });
      const tpl = list.find(r => r.id === 'qemu/101');
      expect(tpl).toMatchObject({
        type: 'qemu',
        template: true,
        name: 'leap154',
      });
      const tagged = list.find(r => r.id === 'qemu/102');
      expect(tagged).toMatchObject({ tags: ['go-proxmox+cloud-init'] });
      // above 2^32: no 32-bit truncation
      expect(tpl && 'maxmem' in tpl && tpl.maxmem).toBe(16777216000);

      const node = list.find(r => r.type === 'node');
      expect(node).toMatchObject({
        type: 'node',
        status: 'online',
        'cgroup-mode': 2,
      });

      const storages = list.filter(r => r.type === 'storage');
      expect(storages.length).toBeGreaterThan(0);
      for (const st of storages) {
        if (st.type !== 'storage') throw new Error('narrowing');
        expect(typeof st.shared).toBe('boolean');
        expect(Array.isArray(st.content)).toBe(true);
      }
      const rawShared = raw.filter(
        (r: any) => r.type === 'storage' && r.shared === 1,
      ).length;
      expect(
        storages.filter(r => r.type === 'storage' && r.shared).length,
      ).toBe(rawShared);
    });

    it('cluster/status: quorate/online/local are booleans', () => {
      const list = ENDPOINTS.clusterStatus.response.parse(
        sample('cluster-status.pve8.go-proxmox-mock.json').data,
      );
      const cluster = list.find(i => i.type === 'cluster');
      expect(cluster).toMatchObject({
        name: 'clustername',
        quorate: true,
        nodes: 4,
      });
      const node1 = list.find(i => i.type === 'node' && i.name === 'node1');
      expect(node1).toMatchObject({
        online: true,
        local: true,
        nodeid: 1,
        ip: '192.168.1.1',
      });
      const node2 = list.find(i => i.type === 'node' && i.name === 'node2');
      expect(node2).toMatchObject({ local: false });
    });

    it('nextid: the string "100" becomes the number 100', () => {
      const raw = sample('cluster-nextid.pve8.go-proxmox-mock.json').data;
      expect(raw).toBe('100');
      expect(ENDPOINTS.nextId.response.parse(raw)).toBe(100);
    });

    it('nodes: numbers preserved, undeclared keys dropped', () => {
      const list = ENDPOINTS.nodes.response.parse(
        sample('nodes.pve8.go-proxmox-mock.json').data,
      );
      expect(list.map(n => n.node)).toEqual([
        'node1',
        'node2',
        'node3',
        'node4',
      ]);
      expect(list[0].maxmem).toBe(33568288768);
      expect(list[0].maxdisk).toBe(940743983104);
      expect(list[0]).not.toHaveProperty('id');
    });

    it('qemu config PVE 7: numeric memory, booleans, agent "0", nets and disks', () => {
      const c = ENDPOINTS.qemuConfigGet.response.parse(
        sample('qemu-config.pve7.crash-tech.json').data,
      );
      expect(c.memory).toBe(8192);
      expect(c.cores).toBe(8);
      expect(c.onboot).toBe(false);
      expect(c.agentEnabled).toBe(false);
      expect(c.nets[0]).toBe('virtio=A2:7B:45:48:9C:E5,bridge=vmbr0,tag=103');
      expect(c.disks).toEqual({
        scsi0: 'local-lvm:vm-107-disk-0,size=32G',
        ide2: 'none,media=cdrom',
      });
      expect(c.raw.kvm).toBe(1);
      expect(c.tags).toEqual([]);
      expect(c.template).toBe(false);
    });

    it('qemu config PVE 8.4: string memory → MiB, agent enabled=1, ipconfig0, cloud-init drive', () => {
      const c = ENDPOINTS.qemuConfigGet.response.parse(
        sample('unattributed/qemu-config.pve8.4-cloudinit.json').data,
      );
      expect(c.memory).toBe(1024);
      expect(typeof c.memory).toBe('number');
      expect(c.agentEnabled).toBe(true);
      expect(c.onboot).toBe(true);
      expect(c.ipconfigs[0]).toBe('ip=10.2.16.80/21,gw=10.2.16.1');
      expect(c.disks.ide2).toBe(
        'ceph-pool-nvme-01:vm-555-cloudinit,media=cdrom',
      );
      expect(c.raw.memory).toBe('1024');
    });

    it('qemu config with URL-encoded sshkeys is decoded', () => {
      const c = ENDPOINTS.qemuConfigGet.response.parse(
        sample('unattributed/qemu-config.pve9.0-cloudinit-ovmf.json').data,
      );
      expect(c.sshkeys).toBe(
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT',
      );
      expect(c.memory).toBe(4096);
      expect(c.disks.efidisk0).toContain('efitype=4m');
    });

    it('status/current: agent and ha.managed become booleans, extra keys ignored', () => {
      const st = ENDPOINTS.qemuStatus.response.parse(
        sample('qemu-status-current.running.pve8.0.go-proxmox-mock.json').data,
      );
      expect(st.status).toBe('running');
      expect(st.agent).toBe(true);
      expect(st.ha).toMatchObject({ managed: false });
      expect(st.maxmem).toBe(2097152000);
      expect(st).not.toHaveProperty('blockstat');
    });

    it('task status: string id preserved, no exitstatus while running', () => {
      const t = ENDPOINTS.taskStatus.response.parse(
        sample('task-status.running.telmate-issue-437.json').data,
      );
      expect(t).toMatchObject({
        id: '113',
        status: 'running',
        pid: 14790,
        starttime: 1637159089,
      });
      expect(t.exitstatus).toBeUndefined();
    });
  },
);

describe('normalisation primitives', () => {
  it('memory accepts number, numeric string and property string', () => {
    expect(s.pveMemoryMiB.parse(2048)).toBe(2048);
    expect(s.pveMemoryMiB.parse('2048')).toBe(2048);
    expect(s.pveMemoryMiB.parse('current=4096')).toBe(4096);
    expect(s.pveMemoryMiB.safeParse('lots').success).toBe(false);
  });

  it('booleans accept 0/1 numbers and strings and JSON booleans', () => {
    expect(
      [1, 0, '1', '0', true, false].map(v => s.pveBoolean.parse(v)),
    ).toEqual([true, false, true, false, true, false]);
    expect(s.pveBoolean.safeParse('maybe').success).toBe(false);
  });

  it('numbers and integers accept numeric strings, reject garbage', () => {
    expect(s.pveInteger.parse('66624765952')).toBe(66624765952);
    expect(s.pveNumber.parse('0.25')).toBe(0.25);
    expect(s.pveInteger.safeParse('1.5').success).toBe(false);
    expect(s.pveNumber.safeParse('12abc').success).toBe(false);
  });

  it('unknown resource types pass through as "other"', () => {
    const r = z
      .array(s.clusterResourceSchema)
      .parse([{ id: 'network/pve/vmbr0', type: 'network', node: 'pve' }]);
    expect(r[0]).toEqual({
      id: 'network/pve/vmbr0',
      type: 'other',
      pveType: 'network',
      raw: { node: 'pve' },
    });
  });

  it('guests that do not parse are kept apart with a reason, never "other"', () => {
    const r = z.array(s.clusterResourceSchema).parse([
      {
        id: 'qemu/100',
        type: 'qemu',
        vmid: 100,
        node: 'pve',
        status: 'running',
      },
      { id: 'qemu/101', type: 'qemu', vmid: 'abc', node: 'pve' },
      { id: 'lxc/102', type: 'lxc', vmid: 102 },
      { id: 'openvz/103', type: 'openvz', vmid: 103, node: 'pve' },
      { id: 'vm/104', type: 'vm', vmid: '104', node: 'pve' },
      { id: 'network/pve/vmbr0', type: 'network', node: 'pve' },
    ]);
    expect(r.map(e => e.type)).toEqual([
      'qemu',
      'unparsed',
      'unparsed',
      'unparsed',
      'unparsed',
      'other',
    ]);
    expect(r[1]).toMatchObject({
      id: 'qemu/101',
      type: 'unparsed',
      pveType: 'qemu',
      vmid: 101,
      node: 'pve',
      reason: expect.stringContaining('vmid'),
    });
    expect(r[2]).toMatchObject({
      vmid: 102,
      node: undefined,
      reason: expect.stringContaining('node'),
    });
    expect(r[3]).toMatchObject({
      vmid: 103,
      reason: "unsupported guest type 'openvz'",
    });
    expect(r[4]).toMatchObject({ vmid: 104, pveType: 'vm' });
  });

  it('snapshot list drops the "current" pseudo entry', () => {
    const list = s.snapshotListSchema.parse([
      {
        name: 'before-upgrade',
        snaptime: 1700000000,
        description: '',
        vmstate: 0,
      },
      {
        name: 'current',
        description: 'You are here!',
        running: 1,
        parent: 'before-upgrade',
      },
    ]);
    expect(list).toEqual([
      {
        name: 'before-upgrade',
        snaptime: 1700000000,
        description: '',
        vmstate: false,
      },
    ]);
  });

  it('storage.cfg entries: shared from the flag, else from the storage type', () => {
    const list = z.array(s.storageConfigSchema).parse([
      { storage: 'nfs-shared', type: 'nfs', content: 'images,iso' },
      { storage: 'local-lvm', type: 'lvmthin', content: 'images,rootdir' },
      { storage: 'san', type: 'lvm', content: 'images', shared: 1 },
    ]);
    expect(list.map(x => [x.storage, x.shared])).toEqual([
      ['nfs-shared', true],
      ['local-lvm', false],
      ['san', true],
    ]);
    expect(list[0].content).toEqual(['images', 'iso']);
  });

  it('task log envelope keeps total', () => {
    expect(
      s.taskLogEnvelopeSchema.parse({
        data: [{ n: 1, t: 'TASK OK' }],
        total: 1,
      }),
    ).toEqual({ lines: [{ n: 1, t: 'TASK OK' }], total: 1 });
  });

  it('guest agent interfaces are flattened', () => {
    const list = s.agentInterfacesSchema.parse({
      result: [
        {
          name: 'eth0',
          'hardware-address': 'bc:24:11:00:00:01',
          'ip-addresses': [
            { 'ip-address': '10.0.0.5', 'ip-address-type': 'ipv4', prefix: 24 },
            { 'ip-address': 'fe80::1', 'ip-address-type': 'ipv6', prefix: 64 },
          ],
        },
        { name: 'lo' },
      ],
    });
    expect(list[0]).toEqual({
      name: 'eth0',
      mac: 'bc:24:11:00:00:01',
      addresses: [
        { address: '10.0.0.5', family: 'ipv4', prefix: 24 },
        { address: 'fe80::1', family: 'ipv6', prefix: 64 },
      ],
    });
    expect(list[1].addresses).toEqual([]);
  });
});
