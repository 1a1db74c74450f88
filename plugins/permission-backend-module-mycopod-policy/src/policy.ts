import {
  AuthorizeResult,
  PolicyDecision,
  isPermission,
  isResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  PROXMOX_GUEST_RESOURCE_TYPE,
  PROXMOX_REQUEST_RESOURCE_TYPE,
  createProxmoxGuestConditionalDecision,
  createProxmoxRequestConditionalDecision,
  proxmoxGuestConditions,
  proxmoxRequestApprovePermission,
  proxmoxRequestCancelPermission,
  proxmoxRequestConditions,
  proxmoxGuestConsolePermission,
  proxmoxGuestDeletePermission,
  proxmoxGuestPowerPermission,
  proxmoxGuestReadPermission,
  proxmoxDraftCreatePermission,
  proxmoxGuestSnapshotPermission,
  proxmoxGuestUpdatePermission,
  proxmoxRequestCreatePermission,
  proxmoxRequestReadPermission,
} from '@mycopod/plugin-proxmox-common';
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

/** Guest permissions owners (and approvers) have: the day-2 actions. */
const GUEST_ACTION_PERMISSIONS: ReadonlySet<string> = new Set(
  [
    proxmoxGuestPowerPermission,
    proxmoxGuestSnapshotPermission,
    proxmoxGuestConsolePermission,
    proxmoxGuestUpdatePermission,
    proxmoxGuestDeletePermission,
  ].map(p => p.name),
);

/** Options of {@link MycoPodPermissionPolicy}. */
export interface MycoPodPolicyOptions {
  /** Groups whose members read all requests and decide on others' requests. */
  approverGroups: string[];
  /** May approvers decide on requests they filed themselves (default false). */
  selfApproval?: boolean;
}

/**
 * The MycoPod demo policy.
 *
 * - Requests without a user (should not happen: service principals never
 *   reach the policy) are denied.
 * - Backstage's own permissions are allowed.
 * - MycoPod requests: everyone files requests and reads their own; members
 *   of a request's owner group read it; approvers read all requests and
 *   approve or reject others' requests (their own too with `selfApproval`);
 *   the requester and approvers cancel.
 * - Guests: everyone reads every guest's live status (`proxmox.guest.read`;
 *   everyone browses the fleet in the catalog). Power, snapshot, console,
 *   update (resize, extend-lease, reconcile requests) and delete
 *   (decommission requests): approvers on every guest, everyone else on the
 *   guests their groups own (IS_GUEST_OWNER; guests created outside
 *   MycoPod have no owner, so only approvers act on them).
 * - Anything else (a permission of a plugin this policy does not know) is
 *   denied, so a newly installed plugin is closed until the policy opens it.
 */
export class MycoPodPermissionPolicy implements PermissionPolicy {
  private readonly approverGroups: Set<string>;
  private readonly selfApproval: boolean;

  constructor(
    options: MycoPodPolicyOptions = {
      approverGroups: ['group:default/platform-admins'],
    },
  ) {
    this.approverGroups = new Set(options.approverGroups);
    this.selfApproval = options.selfApproval ?? false;
  }

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
    if (name.startsWith('proxmox.request.')) {
      return this.requestDecision(request, user);
    }
    // LLM drafting: every signed-in user (the drafts are theirs alone)
    if (isPermission(request.permission, proxmoxDraftCreatePermission)) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (name.startsWith('proxmox.guest.')) {
      return this.guestDecision(request, user);
    }
    return { result: AuthorizeResult.DENY };
  }

  private guestDecision(
    request: PolicyQuery,
    user: PolicyQueryUser,
  ): PolicyDecision {
    const { permission } = request;
    if (!isResourcePermission(permission, PROXMOX_GUEST_RESOURCE_TYPE)) {
      return { result: AuthorizeResult.DENY };
    }
    if (permission.name === proxmoxGuestReadPermission.name) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (!GUEST_ACTION_PERMISSIONS.has(permission.name)) {
      return { result: AuthorizeResult.DENY };
    }
    const { userEntityRef, ownershipEntityRefs } = user.info;
    if (ownershipEntityRefs.some(r => this.approverGroups.has(r))) {
      return { result: AuthorizeResult.ALLOW };
    }
    return createProxmoxGuestConditionalDecision(
      permission,
      proxmoxGuestConditions.isGuestOwner({
        claims: [...new Set([userEntityRef, ...ownershipEntityRefs])],
      }),
    );
  }

  private requestDecision(
    request: PolicyQuery,
    user: PolicyQueryUser,
  ): PolicyDecision {
    const { userEntityRef, ownershipEntityRefs } = user.info;
    const approver = ownershipEntityRefs.some(r => this.approverGroups.has(r));
    const { permission } = request;
    if (isPermission(permission, proxmoxRequestCreatePermission)) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (!isResourcePermission(permission, PROXMOX_REQUEST_RESOURCE_TYPE)) {
      return { result: AuthorizeResult.DENY };
    }
    if (isPermission(permission, proxmoxRequestReadPermission)) {
      if (approver) return { result: AuthorizeResult.ALLOW };
      return createProxmoxRequestConditionalDecision(permission, {
        anyOf: [
          proxmoxRequestConditions.isRequester({ claims: [userEntityRef] }),
          proxmoxRequestConditions.isOwnerMember({
            claims: ownershipEntityRefs,
          }),
        ],
      });
    }
    if (isPermission(permission, proxmoxRequestApprovePermission)) {
      if (!approver) return { result: AuthorizeResult.DENY };
      if (this.selfApproval) return { result: AuthorizeResult.ALLOW };
      return createProxmoxRequestConditionalDecision(
        permission,
        proxmoxRequestConditions.isNotRequester({ claims: [userEntityRef] }),
      );
    }
    if (isPermission(permission, proxmoxRequestCancelPermission)) {
      if (approver) return { result: AuthorizeResult.ALLOW };
      return createProxmoxRequestConditionalDecision(
        permission,
        proxmoxRequestConditions.isRequester({ claims: [userEntityRef] }),
      );
    }
    return { result: AuthorizeResult.DENY };
  }
}
