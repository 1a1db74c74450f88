import { ConfigReader } from '@backstage/config';
import { readIpPoolsConfig } from './IpPoolConfig';
import { formatIpv4 } from './ipv4';

const LAB = {
  name: 'lab-vmbr0',
  cluster: 'lab',
  network: { bridge: 'vmbr0' },
  cidr: '10.10.0.0/24',
  gateway: '10.10.0.1',
  range: { first: '10.10.0.150', last: '10.10.0.159' },
};

function read(ipPools: unknown, clusters = ['lab', 'edge']) {
  return readIpPoolsConfig(
    new ConfigReader(
      ipPools === undefined ? {} : ({ proxmox: { ipPools } } as any),
    ),
    clusters,
  );
}

const BAD: Array<[unknown, string]> = [
  [[{ ...LAB, name: 'bad name' }], 'proxmox.ipPools[0].name'],
  [
    [{ ...LAB, cluster: 'nowhere' }],
    'proxmox.ipPools[0].cluster: no Proxmox cluster named "nowhere"',
  ],
  [
    [{ ...LAB, network: {} }],
    'proxmox.ipPools[0].network: must name either a bridge or an SDN vnet',
  ],
  [
    [{ ...LAB, network: { bridge: 'vmbr0', vnet: 'x' } }],
    'proxmox.ipPools[0].network',
  ],
  [
    [{ ...LAB, network: { vnet: 'Not_A_Vnet' } }],
    'proxmox.ipPools[0].network.vnet',
  ],
  [
    [{ ...LAB, cidr: '10.10.0.0' }],
    'proxmox.ipPools[0].cidr: must be an IPv4 network',
  ],
  [[{ ...LAB, cidr: '10.10.0.7/24' }], 'did you mean 10.10.0.0/24?'],
  [
    [{ ...LAB, gateway: '10.11.0.1' }],
    'proxmox.ipPools[0].gateway: 10.11.0.1 is outside 10.10.0.0/24',
  ],
  [
    [{ ...LAB, gateway: 'router' }],
    'proxmox.ipPools[0].gateway: must be an IPv4 address',
  ],
  [
    [{ ...LAB, range: { first: '10.10.0.9', last: '10.10.0.1' } }],
    'proxmox.ipPools[0].range.last: must not come before first',
  ],
  [
    [
      {
        ...LAB,
        range: [LAB.range, { first: '10.10.1.1', last: '10.10.1.2' }],
      },
    ],
    'proxmox.ipPools[0].range[1].first: 10.10.1.1 is outside',
  ],
  [[{ ...LAB, range: [] }], 'proxmox.ipPools[0].range'],
  [[{ ...LAB, exclude: ['nope'] }], 'proxmox.ipPools[0].exclude[0]'],
  [
    [{ ...LAB, groups: ['user:default/dev'] }],
    'proxmox.ipPools[0].groups[0]: "user:default/dev" is not a group entity ref',
  ],
  [
    [{ ...LAB, dns: { nameservers: ['dns.example'] } }],
    'proxmox.ipPools[0].dns.nameservers[0]',
  ],
  [
    [{ ...LAB, dns: { searchDomain: 'bad domain' } }],
    'proxmox.ipPools[0].dns.searchDomain',
  ],
  [[{ ...LAB, vlan: 5 }], 'proxmox.ipPools[0]'],
  [
    [{ ...LAB, range: { first: '10.10.0.1', last: '10.10.0.1' } }],
    'proxmox.ipPools[0].range: pool "lab-vmbr0" has no address to hand out',
  ],
  [
    [LAB, { ...LAB }],
    'proxmox.ipPools[1].name: pool "lab-vmbr0" is already defined at proxmox.ipPools[0]',
  ],
  [
    [
      LAB,
      {
        ...LAB,
        name: 'any',
        cluster: undefined,
        range: { first: '10.10.0.159', last: '10.10.0.170' },
      },
    ],
    'proxmox.ipPools[1].range: pool "any" shares addresses with pool "lab-vmbr0" on the same bridge vmbr0 (from 10.10.0.159)',
  ],
  [{ name: 'not-a-list' }, 'proxmox.ipPools'],
];

describe('readIpPoolsConfig', () => {
  it('has no pools when proxmox.ipPools is absent', () => {
    expect(read(undefined)).toEqual([]);
  });

  it('reads a pool: ranges less excludes and the gateway, groups normalised', () => {
    const [pool] = read([
      {
        ...LAB,
        range: [
          { first: '10.10.0.1', last: '10.10.0.5' },
          { first: '10.10.0.250', last: '10.10.0.255' },
        ],
        exclude: ['10.10.0.3', { first: '10.10.0.251', last: '10.10.0.252' }],
        groups: ['team-a', 'group:default/Platform-Admins'],
        dns: { nameservers: ['10.10.0.53'], searchDomain: 'lab.example' },
      },
    ]);
    const all: string[] = [];
    for (const i of pool.addresses) {
      for (let v = i.first; v <= i.last; v++) all.push(formatIpv4(v));
    }
    // .1 is the gateway, .3 excluded, .255 the broadcast address
    expect(all).toEqual([
      '10.10.0.2',
      '10.10.0.4',
      '10.10.0.5',
      '10.10.0.250',
      '10.10.0.253',
      '10.10.0.254',
    ]);
    expect(pool).toMatchObject({
      name: 'lab-vmbr0',
      cluster: 'lab',
      network: { bridge: 'vmbr0' },
      cidr: '10.10.0.0/24',
      gateway: '10.10.0.1',
      size: 6,
      groups: ['group:default/team-a', 'group:default/platform-admins'],
      dns: { nameservers: ['10.10.0.53'], searchDomain: 'lab.example' },
    });
  });

  it('allows one pool per network to share addresses with a pool of another network', () => {
    const pools = read([
      LAB,
      { ...LAB, name: 'lab-vmbr1', network: { bridge: 'vmbr1' } },
      { ...LAB, name: 'edge-vmbr0', cluster: 'edge' },
      {
        ...LAB,
        name: 'vnet',
        cluster: undefined,
        network: { vnet: 'vnet100' },
      },
    ]);
    expect(pools.map(p => p.name)).toEqual([
      'lab-vmbr0',
      'lab-vmbr1',
      'edge-vmbr0',
      'vnet',
    ]);
  });

  it.each(BAD.map(([pools, message]) => [message, pools] as const))(
    'rejects it naming %s',
    (message, pools) => {
      expect(() => read(pools)).toThrow(message);
    },
  );
});
