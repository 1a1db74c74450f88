import {
  REQUEST_STATES,
  TRANSITIONS,
  eventsFrom,
  findTransition,
  guestEntityName,
  ipv4PoolOf,
  isTerminalState,
  listRequestsQuerySchema,
  nodeEntityName,
  parseRequestMarker,
  rejectBodySchema,
  requestMarker,
  securityGroupEntityName,
  templateEntityName,
  vmSpecFromForm,
  vmSpecSchema,
} from '.';

const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT dev@example.com';
const spec = {
  name: 'web-01',
  cluster: 'lab',
  template: 'ubuntu-24.04-cloudinit',
  cores: 2,
  memoryMiB: 2048,
  diskGiB: 20,
  network: { bridge: 'vmbr0' },
  cloudInit: { user: 'ubuntu', sshKeys: [KEY], ipv4: 'dhcp' },
  owner: 'group:default/team-a',
};

describe('vmSpecSchema', () => {
  it('accepts a minimal spec and applies defaults', () => {
    const parsed = vmSpecSchema.parse(spec);
    expect(parsed.securityGroups).toEqual([]);
    expect(parsed.tags).toEqual([]);
  });

  it.each([
    ['name', 'Web_01', 'name'],
    ['name', '-web', 'name'],
    ['name', 'a'.repeat(64), 'name'],
    ['cores', 0, 'cores'],
    ['cores', 129, 'cores'],
    ['cores', 1.5, 'cores'],
    ['memoryMiB', 511, 'memoryMiB'],
    ['diskGiB', 0, 'diskGiB'],
    ['owner', 'team-a', 'owner'],
    ['owner', 'user:default/dev', 'owner'],
    ['network', { bridge: 'vmbr0', vnet: 'vnet1' }, 'network'],
    ['template', 99, 'template'],
  ])('rejects %s = %j with a message on that field', (key, value, path) => {
    const result = vmSpecSchema.safeParse({ ...spec, [key]: value });
    expect(result.success).toBe(false);
    expect(result.error!.issues.some(i => i.path[0] === path)).toBe(true);
  });

  it('checks cloud-init addresses and keys', () => {
    const bad = (cloudInit: object) =>
      vmSpecSchema.safeParse({
        ...spec,
        cloudInit: { ...spec.cloudInit, ...cloudInit },
      }).success;
    expect(bad({ ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1' } })).toBe(
      true,
    );
    expect(bad({ ipv4: { address: '10.0.0.5', gateway: '10.0.0.1' } })).toBe(
      false,
    );
    expect(
      bad({ ipv4: { address: '300.0.0.5/24', gateway: '10.0.0.1' } }),
    ).toBe(false);
    expect(bad({ ipv6: 'slaac' })).toBe(true);
    expect(
      bad({ ipv6: { address: '2001:db8::5/64', gateway: '2001:db8::1' } }),
    ).toBe(true);
    expect(bad({ sshKeys: ['not a key'] })).toBe(false);
    expect(bad({ user: 'Root' })).toBe(false);
  });

  it('takes an IP pool by name, strictly, besides dhcp and static', () => {
    const ok = (ipv4: unknown) =>
      vmSpecSchema.safeParse({
        ...spec,
        cloudInit: { ...spec.cloudInit, ipv4 },
      }).success;
    expect(ok({ pool: 'lab-vmbr0' })).toBe(true);
    expect(ipv4PoolOf(vmSpecSchema.parse(spec).cloudInit.ipv4)).toBeUndefined();
    expect(ipv4PoolOf({ pool: 'lab-vmbr0' })).toBe('lab-vmbr0');
    expect(ipv4PoolOf({ address: '10.0.0.5/24', gateway: '10.0.0.1' })).toBe(
      undefined,
    );
    expect(ok({ pool: '' })).toBe(false);
    expect(ok({ pool: 'bad name' })).toBe(false);
    // a pool with an address is neither shape
    expect(
      ok({ pool: 'lab', address: '10.0.0.5/24', gateway: '10.0.0.1' }),
    ).toBe(false);
    expect(ok({ pool: 'lab', gateway: '10.0.0.1' })).toBe(false);
  });

  it('rejects unknown fields (strict)', () => {
    expect(vmSpecSchema.safeParse({ ...spec, sudo: true }).success).toBe(false);
  });
});

describe('the state machine table', () => {
  it('has only known states and no transition out of a terminal state', () => {
    for (const t of TRANSITIONS) {
      expect(REQUEST_STATES).toContain(t.from);
      expect(REQUEST_STATES).toContain(t.to);
      expect(isTerminalState(t.from)).toBe(false);
    }
  });

  it('reaches ready only through approval and provisioning', () => {
    expect(findTransition('pending', 'approve', 'approver')?.to).toBe(
      'approved',
    );
    expect(findTransition('pending', 'approve', 'requester')).toBeUndefined();
    expect(findTransition('approved', 'start', 'system')?.to).toBe(
      'provisioning',
    );
    expect(findTransition('provisioning', 'succeed', 'system')?.to).toBe(
      'ready',
    );
    expect(findTransition('pending', 'succeed')).toBeUndefined();
    expect(findTransition('ready', 'approve')).toBeUndefined();
  });

  it('lists what each actor may do', () => {
    expect(eventsFrom('pending', 'approver').sort()).toEqual([
      'approve',
      'cancel',
      'reject',
    ]);
    expect(eventsFrom('pending', 'requester')).toEqual(['cancel']);
    expect(eventsFrom('provisioning', 'requester')).toEqual([]);
  });
});

describe('markers and names', () => {
  it('round-trips the request marker inside a longer description', () => {
    const id = '0b7c3f7e-2c1a-4b8e-9f00-1234567890ab';
    expect(parseRequestMarker(`web server\n${requestMarker(id)}\nmore`)).toBe(
      id,
    );
    expect(parseRequestMarker('mycopod-request: not-a-uuid')).toBeUndefined();
    expect(parseRequestMarker(undefined)).toBeUndefined();
  });

  it('makes stable, valid entity names', () => {
    expect(guestEntityName('lab', 104)).toBe('lab-104');
    expect(nodeEntityName('Lab.EU', 'pve1')).toBe('lab-eu-pve1');
    expect(templateEntityName('lab', 9000)).toBe('lab-template-9000');
    expect(securityGroupEntityName('lab', 'web_ssh')).toBe('lab-sg-web-ssh');
    const long = guestEntityName('c'.repeat(80), 123);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
  });
});

describe('API schemas', () => {
  it('parses list queries with defaults and state lists', () => {
    expect(listRequestsQuerySchema.parse({})).toEqual({
      view: 'mine',
      limit: 50,
    });
    expect(
      listRequestsQuerySchema.parse({ state: 'pending,ready', limit: '7' }),
    ).toEqual({
      view: 'mine',
      state: ['pending', 'ready'],
      limit: 7,
    });
    expect(listRequestsQuerySchema.safeParse({ state: 'happy' }).success).toBe(
      false,
    );
  });

  it('requires a reason to reject', () => {
    expect(rejectBodySchema.safeParse({ comment: '  ' }).success).toBe(false);
    expect(rejectBodySchema.safeParse({ comment: 'too big' }).success).toBe(
      true,
    );
  });
});

describe('vmSpecFromForm', () => {
  it('maps the form to a valid spec and drops empty optional values', () => {
    const mapped = vmSpecFromForm({
      name: 'web-01',
      cluster: 'lab',
      template: 'ubuntu-24.04-cloudinit',
      node: '',
      size: { preset: 'small', cores: 2, memoryMiB: 2048, diskGiB: 20 },
      network: { bridge: 'vmbr0' },
      user: 'ubuntu',
      sshKeys: [KEY],
      ipv4: 'dhcp',
      owner: 'group:default/team-a',
      leaseDays: undefined,
    });
    expect(mapped).not.toHaveProperty('node');
    expect(mapped).not.toHaveProperty('leaseDays');
    expect(vmSpecSchema.safeParse(mapped).success).toBe(true);
  });

  it('maps an IP pool choice to cloudInit.ipv4 as it is', () => {
    const mapped = vmSpecFromForm({
      name: 'web-01',
      cluster: 'lab',
      template: 9000,
      size: { cores: 1, memoryMiB: 1024, diskGiB: 10 },
      network: { bridge: 'vmbr0' },
      user: 'ubuntu',
      ipv4: { pool: 'lab-vmbr0' },
      owner: 'group:default/team-a',
    });
    expect(mapped.cloudInit?.ipv4).toEqual({ pool: 'lab-vmbr0' });
    expect(vmSpecSchema.safeParse(mapped).success).toBe(true);
  });
});
