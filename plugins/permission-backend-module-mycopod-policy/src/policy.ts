import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';

/**
 * Permission name prefixes of the Backstage plugins installed in the MycoPod
 * demo backend. Their permissions are allowed for every signed-in user, as in
 * a default Backstage app.
 */
export const BACKSTAGE_PERMISSION_PREFIXES: readonly string[] = [
  'catalog.',
  'catalog-entity.',
  'scaffolder.',
  'search.',
  'notifications.',
  'signals.',
  'permission.',
  'user-settings.',
  'auth.',
  'app.',
  'proxy.',
];

/**
 * The MycoPod demo policy.
 *
 * - Requests without a user (should not happen: service principals never
 *   reach the policy) are denied.
 * - Backstage's own permissions are allowed.
 * - Anything else (a permission of a plugin this policy does not know) is
 *   denied, so a newly installed plugin is closed until the policy opens it.
 */
export class MycoPodPermissionPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!user) {
      return { result: AuthorizeResult.DENY };
    }
    const name = request.permission.name;
    if (BACKSTAGE_PERMISSION_PREFIXES.some(prefix => name.startsWith(prefix))) {
      return { result: AuthorizeResult.ALLOW };
    }
    return { result: AuthorizeResult.DENY };
  }
}
