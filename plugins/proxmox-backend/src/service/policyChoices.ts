import type {
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  PolicyConfig,
  allowedChoicesFor,
  leaseLimits,
  sizePresets,
} from '../policy';

/**
 * What the policy lets a caller choose in a form: the allow lists of the
 * owner group (or, without one, of every group the caller belongs to),
 * size presets, lease and per-request limits.
 */
export function createPolicyChoices(
  userInfo: UserInfoService,
  policy: PolicyConfig,
) {
  return async (credentials: BackstageCredentials, owner?: string) => {
    let owners = owner ? [owner] : [];
    if (!owner) {
      const info = await userInfo.getUserInfo(credentials);
      owners = info.ownershipEntityRefs.filter(r => r.startsWith('group:'));
    }
    const lists = (owners.length ? owners : ['group:default/none']).map(o =>
      allowedChoicesFor(o, policy),
    );
    const union = (pick: (l: (typeof lists)[number]) => string[]) => [
      ...new Set(lists.flatMap(pick)),
    ];
    return {
      allowed: {
        templates: union(l => l.templates),
        networks: union(l => l.networks),
        securityGroups: union(l => l.securityGroups),
      },
      sizePresets: sizePresets(policy),
      lease: leaseLimits(policy),
      limits: { ...policy.limits },
    };
  };
}
