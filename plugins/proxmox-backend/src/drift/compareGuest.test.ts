import { vmSpecSchema } from '@mycopod/plugin-proxmox-common';
import { ENDPOINTS } from '@mycopod/plugin-proxmox-node';
import { labSpec } from '@mycopod/test-utils';
import { compareGuest } from './compareGuest';

const spec = vmSpecSchema.parse(
  labSpec({
    cores: 2,
    memoryMiB: 2048,
    diskGiB: 40,
    network: { bridge: 'vmbr0' },
    securityGroups: ['web', 'ssh'],
    tags: ['team-a'],
  }),
);

/** A config as Proxmox answers it for a guest made from `spec`. */
const config = (over: Record<string, string | number> = {}) =>
  ENDPOINTS.qemuConfigGet.response.parse({
    name: 'web-42',
    cores: 2,
    memory: '2048',
    boot: 'order=scsi0;net0',
    scsi0: 'local-lvm:vm-120-disk-0,size=40G',
    ide2: 'local-lvm:vm-120-cloudinit,media=cdrom',
    net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1',
    tags: 'mycopod;team-a',
    ...over,
  });

const rules = (...groups: string[]) =>
  ENDPOINTS.qemuFirewallRules.response.parse(
    groups.map((action, pos) => ({ pos, type: 'group', action, enable: 1 })),
  );

describe('compareGuest', () => {
  it('finds nothing when the guest is as declared', () => {
    expect(
      compareGuest(spec, {
        config: config(),
        firewallRules: rules('ssh', 'web'),
      }),
    ).toEqual([]);
  });

  it('reports each changed field with the declared and the actual value', () => {
    const findings = compareGuest(spec, {
      config: config({
        cores: 4,
        memory: '4096',
        scsi0: 'local-lvm:vm-120-disk-0,size=50G',
        net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr1,tag=20,firewall=1',
        tags: 'mycopod;team-a;hand-made',
      }),
      firewallRules: rules('web'),
    });
    expect(findings).toEqual([
      { field: 'cores', declared: 2, actual: 4 },
      { field: 'memoryMiB', declared: 2048, actual: 4096 },
      { field: 'diskGiB', declared: 40, actual: 50 },
      {
        field: 'network',
        declared: { bridge: 'vmbr0' },
        actual: { bridge: 'vmbr1', vlan: 20 },
      },
      { field: 'securityGroups', declared: ['ssh', 'web'], actual: ['web'] },
      {
        field: 'tags',
        declared: ['mycopod', 'team-a'],
        actual: ['hand-made', 'mycopod', 'team-a'],
      },
    ]);
  });

  it('compares a vnet and VLAN in the shape of the declaration', () => {
    const vnet = { ...spec, network: { vnet: 'vnet100' }, vlan: 30 };
    const live = (net0: string) => ({
      config: config({ net0 }),
      firewallRules: rules('ssh', 'web'),
    });
    expect(compareGuest(vnet, live('virtio,bridge=vnet100,tag=30'))).toEqual(
      [],
    );
    expect(compareGuest(vnet, live('virtio,bridge=vnet100'))).toEqual([
      {
        field: 'network',
        declared: { vnet: 'vnet100', vlan: 30 },
        actual: { vnet: 'vnet100' },
      },
    ]);
  });

  it('counts only enabled group rules, and a missing NIC or disk as null', () => {
    const raw = ENDPOINTS.qemuFirewallRules.response.parse([
      { pos: 0, type: 'group', action: 'web', enable: 1 },
      { pos: 1, type: 'group', action: 'ssh', enable: 0 },
      { pos: 2, type: 'in', action: 'ACCEPT', enable: 1, dport: '22' },
    ]);
    const bare = ENDPOINTS.qemuConfigGet.response.parse({
      cores: 2,
      memory: 2048,
      tags: 'mycopod;team-a',
    });
    expect(compareGuest(spec, { config: bare, firewallRules: raw })).toEqual([
      { field: 'diskGiB', declared: 40, actual: null },
      { field: 'network', declared: { bridge: 'vmbr0' }, actual: null },
      { field: 'securityGroups', declared: ['ssh', 'web'], actual: ['web'] },
    ]);
  });

  it("uses Proxmox's defaults for cores and memory a config leaves out", () => {
    const small = { ...spec, cores: 1, memoryMiB: 512 };
    const { cores: _c, memory: _m, ...rest } = config().raw;
    expect(
      compareGuest(small, {
        config: ENDPOINTS.qemuConfigGet.response.parse(rest),
        firewallRules: rules('ssh', 'web'),
      }),
    ).toEqual([]);
  });
});
