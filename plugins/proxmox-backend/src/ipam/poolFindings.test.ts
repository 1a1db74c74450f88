/* The policy engine's findings about `cloudInit.ipv4: { pool }`. */
import { ConfigReader } from '@backstage/config';
import { vmSpecSchema, type VmSpecInput } from '@mycopod/plugin-proxmox-common';
import { evaluatePolicy, readPolicyConfig } from '../policy';
import type { PolicyContext } from '../policy';
import { readIpPoolsConfig } from './IpPoolConfig';
import type { IpPoolFact } from './poolFindings';

const NONE = { count: 0, cores: 0, memoryMiB: 0, diskGiB: 0 };
const policy = readPolicyConfig(new ConfigReader({}));
const [TEAM_POOL] = readIpPoolsConfig(
  new ConfigReader({
    proxmox: {
      ipPools: [
        {
          name: 'team-a-net',
          cluster: 'lab',
          network: { bridge: 'vmbr0' },
          cidr: '10.10.0.0/24',
          gateway: '10.10.0.1',
          range: { first: '10.10.0.150', last: '10.10.0.154' },
          groups: ['team-a'],
        },
      ],
    },
  }),
);

function spec(over: Partial<VmSpecInput> = {}) {
  return vmSpecSchema.parse({
    name: 'web-1',
    cluster: 'lab',
    template: 9000,
    cores: 1,
    memoryMiB: 1024,
    diskGiB: 10,
    network: { bridge: 'vmbr0' },
    cloudInit: { user: 'dev', ipv4: { pool: 'team-a-net' } },
    owner: 'group:default/team-a',
    ...over,
  });
}

function findings(s: ReturnType<typeof spec>, ipPool?: IpPoolFact) {
  const ctx: PolicyContext = {
    phase: 'create',
    requester: 'user:default/dev',
    requesterOwnership: ['user:default/dev', s.owner],
    usage: { committed: NONE, pending: NONE },
    ...(ipPool ? { ipPool } : {}),
  };
  return evaluatePolicy(s, ctx, policy).findings;
}

const fact = (free = 5): IpPoolFact => ({
  name: 'team-a-net',
  pool: TEAM_POOL,
  free,
});

describe('IP pool findings', () => {
  it('none for a usable pool with free addresses, nor for DHCP', () => {
    expect(findings(spec(), fact())).toEqual([]);
    expect(
      findings(spec({ cloudInit: { user: 'dev', ipv4: 'dhcp' } })),
    ).toEqual([]);
  });

  it.each([
    [
      'an unknown pool',
      spec(),
      { name: 'team-a-net', free: 0 },
      'ip-pool.unknown',
      'No IP pool named team-a-net is configured',
    ],
    [
      'no facts at all',
      spec(),
      undefined,
      'ip-pool.unknown',
      'No IP pool named team-a-net is configured',
    ],
    [
      'another network',
      spec({ network: { bridge: 'vmbr1' } }),
      fact(),
      'ip-pool.wrong-network',
      "IP pool team-a-net belongs to bridge vmbr0, not bridge vmbr1; choose a pool of the VM's network",
    ],
    [
      'a vnet',
      spec({ network: { vnet: 'vnet100' } }),
      fact(),
      'ip-pool.wrong-network',
      'not SDN vnet vnet100',
    ],
    [
      'another cluster',
      spec({ cluster: 'edge' }),
      fact(),
      'ip-pool.wrong-cluster',
      'IP pool team-a-net serves cluster lab, not edge',
    ],
    [
      'another group',
      spec({ owner: 'group:default/team-b' }),
      fact(),
      'ip-pool.not-allowed',
      'IP pool team-a-net is not open to team-b (allowed: team-a)',
    ],
    [
      'an exhausted pool',
      spec(),
      fact(0),
      'ip-pool.exhausted',
      'IP pool team-a-net (10.10.0.0/24) has no free address: all 5 are allocated',
    ],
  ] as const)(
    'an error on cloudInit.ipv4.pool for %s',
    (_what, s, f, code, message) => {
      const out = findings(s, f as IpPoolFact | undefined);
      expect(out).toContainEqual(
        expect.objectContaining({
          level: 'error',
          field: 'cloudInit.ipv4.pool',
          code,
        }),
      );
      expect(out.find(x => x.code === code)?.message).toContain(message);
    },
  );
});
