import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { mockCredentials } from '@backstage/backend-test-utils';
import { MycoPodPermissionPolicy } from './policy';

describe('MycoPodPermissionPolicy', () => {
  const policy = new MycoPodPermissionPolicy();
  const user = {
    credentials: mockCredentials.user('user:default/dev'),
    info: { userEntityRef: 'user:default/dev', ownershipEntityRefs: [] },
  };
  const query = (name: string) => ({
    permission: { type: 'basic' as const, name, attributes: {} },
  });

  it.each([
    'catalog.entity.read',
    'catalog.location.create',
    'scaffolder.action.execute',
  ])('allows %s', async name => {
    expect(await policy.handle(query(name), user)).toEqual({
      result: AuthorizeResult.ALLOW,
    });
  });

  it('denies permissions it does not know', async () => {
    expect(await policy.handle(query('proxmox.vm.start'), user)).toEqual({
      result: AuthorizeResult.DENY,
    });
    // a lookalike that only shares a prefix without the dot
    expect(await policy.handle(query('catalogue.read'), user)).toEqual({
      result: AuthorizeResult.DENY,
    });
  });

  it('denies a request without a user', async () => {
    expect(await policy.handle(query('catalog.entity.read'))).toEqual({
      result: AuthorizeResult.DENY,
    });
  });
});

describe('MycoPodPermissionPolicy for VM requests', () => {
  const policy = new MycoPodPermissionPolicy({
    approverGroups: ['group:default/platform-admins'],
  });
  const person = (ref: string, groups: string[]) => ({
    credentials: mockCredentials.user(ref),
    info: { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] },
  });
  const dev = person('user:default/dev', ['group:default/team-a']);
  const admin = person('user:default/admin', ['group:default/platform-admins']);
  const resource = (name: string) => ({
    permission: {
      type: 'resource' as const,
      name,
      attributes: {},
      resourceType: 'proxmox-request',
    },
  });

  it('lets everyone file requests', async () => {
    const create = {
      permission: {
        type: 'basic' as const,
        name: 'proxmox.request.create',
        attributes: { action: 'create' as const },
      },
    };
    expect((await policy.handle(create, dev)).result).toBe(
      AuthorizeResult.ALLOW,
    );
  });

  it('lets a developer read own and owner-group requests only', async () => {
    expect(await policy.handle(resource('proxmox.request.read'), dev)).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'proxmox',
      resourceType: 'proxmox-request',
      conditions: {
        anyOf: [
          expect.objectContaining({
            rule: 'IS_REQUESTER',
            params: { claims: ['user:default/dev'] },
          }),
          expect.objectContaining({
            rule: 'IS_OWNER_MEMBER',
            params: {
              claims: ['user:default/dev', 'group:default/team-a'],
            },
          }),
        ],
      },
    });
  });

  it('lets approvers read everything and decide only on others’ requests', async () => {
    expect(
      (await policy.handle(resource('proxmox.request.read'), admin)).result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      await policy.handle(resource('proxmox.request.approve'), admin),
    ).toEqual(
      expect.objectContaining({
        result: AuthorizeResult.CONDITIONAL,
        conditions: expect.objectContaining({
          rule: 'IS_NOT_REQUESTER',
          params: { claims: ['user:default/admin'] },
        }),
      }),
    );
    expect(
      (await policy.handle(resource('proxmox.request.approve'), dev)).result,
    ).toBe(AuthorizeResult.DENY);
  });

  it('allows self-approval only when configured', async () => {
    const lenient = new MycoPodPermissionPolicy({
      approverGroups: ['group:default/platform-admins'],
      selfApproval: true,
    });
    expect(
      (await lenient.handle(resource('proxmox.request.approve'), admin)).result,
    ).toBe(AuthorizeResult.ALLOW);
  });

  it('lets the requester and approvers cancel', async () => {
    expect(
      (await policy.handle(resource('proxmox.request.cancel'), admin)).result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      await policy.handle(resource('proxmox.request.cancel'), dev),
    ).toEqual(
      expect.objectContaining({
        result: AuthorizeResult.CONDITIONAL,
        conditions: expect.objectContaining({ rule: 'IS_REQUESTER' }),
      }),
    );
  });

  const guest = (name: string) => ({
    permission: {
      type: 'resource' as const,
      name,
      attributes: {},
      resourceType: 'proxmox-guest',
    },
    resourceRef: 'resource:default/lab-100',
  });
  const GUEST_ACTIONS = [
    'proxmox.guest.power',
    'proxmox.guest.snapshot',
    'proxmox.guest.console',
    'proxmox.guest.update',
    'proxmox.guest.delete',
  ];

  it('lets every signed-in user read guests', async () => {
    for (const who of [dev, admin]) {
      expect(await policy.handle(guest('proxmox.guest.read'), who)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
    expect((await policy.handle(guest('proxmox.guest.read'))).result).toBe(
      AuthorizeResult.DENY,
    );
  });

  it.each(GUEST_ACTIONS)(
    'allows %s to approvers on every guest',
    async name => {
      expect(await policy.handle(guest(name), admin)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    },
  );

  it.each(GUEST_ACTIONS)(
    'allows %s to others on the guests their groups own',
    async name => {
      expect(await policy.handle(guest(name), dev)).toEqual({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'proxmox',
        resourceType: 'proxmox-guest',
        conditions: {
          rule: 'IS_GUEST_OWNER',
          resourceType: 'proxmox-guest',
          params: { claims: ['user:default/dev', 'group:default/team-a'] },
        },
      });
      expect((await policy.handle(guest(name))).result).toBe(
        AuthorizeResult.DENY,
      );
    },
  );

  it('uses the configured approver groups and denies unknown guest permissions', async () => {
    const teamAApproves = new MycoPodPermissionPolicy({
      approverGroups: ['group:default/team-a'],
    });
    expect(
      (await teamAApproves.handle(guest('proxmox.guest.power'), dev)).result,
    ).toBe(AuthorizeResult.ALLOW);
    expect(
      (await teamAApproves.handle(guest('proxmox.guest.power'), admin)).result,
    ).toBe(AuthorizeResult.CONDITIONAL);
    expect(
      (await policy.handle(guest('proxmox.guest.teleport'), admin)).result,
    ).toBe(AuthorizeResult.DENY);
    // a guest permission name on a basic (resource-less) permission
    expect(
      (
        await policy.handle(
          {
            permission: {
              type: 'basic' as const,
              name: 'proxmox.guest.power',
              attributes: {},
            },
          },
          admin,
        )
      ).result,
    ).toBe(AuthorizeResult.DENY);
  });
});
