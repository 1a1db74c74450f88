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

/** The owner group, or without one every group the caller belongs to. */
export async function ownerGroupsOf(
  userInfo: UserInfoService,
  credentials: BackstageCredentials,
  owner?: string,
): Promise<string[]> {
  if (owner) return [owner];
  const info = await userInfo.getUserInfo(credentials);
  return info.ownershipEntityRefs.filter(r => r.startsWith('group:'));
}

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
    const owners = await ownerGroupsOf(userInfo, credentials, owner);
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
