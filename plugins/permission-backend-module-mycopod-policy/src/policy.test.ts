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
