/* The executor's cloud-init of a `{ pool }` spec: the allocated address, the
 * pool's gateway and DNS; never DHCP by mistake. */
import { vmSpecSchema } from '@mycopod/plugin-proxmox-common';
import { configUpdate, ipConfig } from '../executor/vmConfig';

const spec = (ipv4: unknown) =>
  vmSpecSchema.parse({
    name: 'web-1',
    cluster: 'lab',
    template: 9000,
    cores: 1,
    memoryMiB: 1024,
    diskGiB: 10,
    network: { bridge: 'vmbr0' },
    cloudInit: { user: 'dev', ipv4, ipv6: 'slaac' },
    owner: 'group:default/team-a',
  });

const POOLED = {
  pool: 'lab',
  address: '10.10.0.150/24',
  gateway: '10.10.0.1',
  dns: { nameservers: ['10.10.0.53', '1.1.1.1'], searchDomain: 'lab.example' },
};

describe('cloud-init of an IP pool address', () => {
  it('writes the allocated address and gateway to ipconfig0', () => {
    expect(ipConfig(spec({ pool: 'lab' }), POOLED)).toBe(
      'ip=10.10.0.150/24,gw=10.10.0.1,ip6=auto',
    );
  });

  it('refuses a pool spec without an allocation', () => {
    expect(() => ipConfig(spec({ pool: 'lab' }))).toThrow(
      'No address of IP pool lab is allocated',
    );
  });

  it("adds the pool's DNS servers and search domain to the config update", () => {
    const update = configUpdate(
      '00000000-0000-4000-8000-000000000001',
      spec({ pool: 'lab' }),
      undefined,
      POOLED,
    );
    expect(update).toMatchObject({
      ipconfig0: 'ip=10.10.0.150/24,gw=10.10.0.1,ip6=auto',
      nameserver: '10.10.0.53 1.1.1.1',
      searchdomain: 'lab.example',
    });
  });

  it('keeps DHCP and static specs as they were', () => {
    const dhcp = configUpdate(
      '00000000-0000-4000-8000-000000000001',
      spec('dhcp'),
      undefined,
    );
    expect(dhcp.ipconfig0).toBe('ip=dhcp,ip6=auto');
    expect(dhcp).not.toHaveProperty('nameserver');
    expect(
      ipConfig(spec({ address: '10.0.0.5/24', gateway: '10.0.0.1' }), POOLED),
    ).toBe('ip=10.0.0.5/24,gw=10.0.0.1,ip6=auto');
  });
});
