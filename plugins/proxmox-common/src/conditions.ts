import {
  AuthorizeResult,
  ConditionalPolicyDecision,
  PermissionCondition,
  PermissionCriteria,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  PROXMOX_GUEST_RESOURCE_TYPE,
  PROXMOX_REQUEST_RESOURCE_TYPE,
} from './permissions';
import type { RequestState } from './request';

/**
 * Names of the permission rules of `proxmox-request` resources. The backend
 * implements them (apply and SQL); policies refer to them through
 * {@link proxmoxRequestConditions}.
 */
export const PROXMOX_REQUEST_RULES = {
  isRequester: 'IS_REQUESTER',
  isNotRequester: 'IS_NOT_REQUESTER',
  isOwnerMember: 'IS_OWNER_MEMBER',
  hasState: 'HAS_STATE',
} as const;

type RequestCondition = PermissionCondition<
  typeof PROXMOX_REQUEST_RESOURCE_TYPE
>;

const condition =
  <P extends Record<string, unknown>>(rule: string) =>
  (params: P): RequestCondition => ({
    rule,
    resourceType: PROXMOX_REQUEST_RESOURCE_TYPE,
    params: params as RequestCondition['params'],
  });

/**
 * Conditions on VM requests for a permission policy, e.g.
 * `proxmoxRequestConditions.isRequester({ claims: [userEntityRef] })`.
 * `claims` are entity refs of the user (user ref and ownership refs).
 */
export const proxmoxRequestConditions = {
  /** Filed by one of the claims. */
  isRequester: condition<{ claims: string[] }>(
    PROXMOX_REQUEST_RULES.isRequester,
  ),
  /** Not filed by any of the claims. */
  isNotRequester: condition<{ claims: string[] }>(
    PROXMOX_REQUEST_RULES.isNotRequester,
  ),
  /** Owned (will be owned) by one of the claims. */
  isOwnerMember: condition<{ claims: string[] }>(
    PROXMOX_REQUEST_RULES.isOwnerMember,
  ),
  /** In one of the states. */
  hasState: condition<{ states: RequestState[] }>(
    PROXMOX_REQUEST_RULES.hasState,
  ),
};

/** A conditional decision on a `proxmox-request` permission. */
export function createProxmoxRequestConditionalDecision(
  permission: ResourcePermission<typeof PROXMOX_REQUEST_RESOURCE_TYPE>,
  conditions: PermissionCriteria<RequestCondition>,
): ConditionalPolicyDecision {
  return {
    result: AuthorizeResult.CONDITIONAL,
    pluginId: 'proxmox',
    resourceType: permission.resourceType,
    conditions,
  };
}

/**
 * Names of the permission rules of `proxmox-guest` resources (the backend
 * implements them); policies refer to them through
 * {@link proxmoxGuestConditions}.
 */
export const PROXMOX_GUEST_RULES = {
  isGuestOwner: 'IS_GUEST_OWNER',
} as const;

type GuestCondition = PermissionCondition<typeof PROXMOX_GUEST_RESOURCE_TYPE>;

/**
 * Conditions on guests for a permission policy, e.g.
 * `proxmoxGuestConditions.isGuestOwner({ claims: ownershipEntityRefs })`.
 */
export const proxmoxGuestConditions = {
  /**
   * The guest was requested for one of the claims (user ref and ownership
   * refs); guests created outside MycoPod have no owner and never match.
   */
  isGuestOwner: (params: { claims: string[] }): GuestCondition => ({
    rule: PROXMOX_GUEST_RULES.isGuestOwner,
    resourceType: PROXMOX_GUEST_RESOURCE_TYPE,
    params,
  }),
};

/** A conditional decision on a `proxmox-guest` permission. */
export function createProxmoxGuestConditionalDecision(
  permission: ResourcePermission<typeof PROXMOX_GUEST_RESOURCE_TYPE>,
  conditions: PermissionCriteria<GuestCondition>,
): ConditionalPolicyDecision {
  return {
    result: AuthorizeResult.CONDITIONAL,
    pluginId: 'proxmox',
    resourceType: permission.resourceType,
    conditions,
  };
}
