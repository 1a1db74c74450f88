import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  proxmoxGuestDeletePermission,
  proxmoxGuestPowerPermission,
  proxmoxGuestSnapshotPermission,
  proxmoxGuestUpdatePermission,
} from '@mycopod/plugin-proxmox-common';
import type { ProxmoxGuestResource } from '../permissions/guestRules';

/** What a plan may propose on an existing guest. */
export const GUEST_OPERATIONS = [
  'resize',
  'decommission',
  'extend-lease',
  'power',
  'snapshot',
] as const;
export type GuestOperation = (typeof GUEST_OPERATIONS)[number];

/** The guest permission each operation needs. */
export const GUEST_OPERATION_PERMISSIONS = {
  resize: proxmoxGuestUpdatePermission,
  'extend-lease': proxmoxGuestUpdatePermission,
  decommission: proxmoxGuestDeletePermission,
  power: proxmoxGuestPowerPermission,
  snapshot: proxmoxGuestSnapshotPermission,
} as const;

const PERMISSIONS = [
  proxmoxGuestUpdatePermission,
  proxmoxGuestDeletePermission,
  proxmoxGuestPowerPermission,
  proxmoxGuestSnapshotPermission,
];

/** The operations a user may propose on each of `guests`, in order. */
export type GuestAbilities = (
  credentials: BackstageCredentials,
  guests: ProxmoxGuestResource[],
) => Promise<Array<Set<GuestOperation>>>;

/**
 * One conditional decision per guest permission for the whole fleet (not a
 * permission round trip per guest), applied to each guest with the
 * plugin's own guest rules.
 */
export function createGuestAbilities(
  permissions: PermissionsService,
  authorizer: (
    decision: PolicyDecision,
    resource: ProxmoxGuestResource | undefined,
  ) => boolean,
): GuestAbilities {
  return async (credentials, guests) => {
    const decisions = await permissions.authorizeConditional(
      PERMISSIONS.map(permission => ({ permission })),
      { credentials },
    );
    const byName = new Map(
      PERMISSIONS.map((p, i) => [p.name, decisions[i] as PolicyDecision]),
    );
    return guests.map(guest => {
      const allowed = new Set<GuestOperation>();
      for (const op of GUEST_OPERATIONS) {
        const decision = byName.get(GUEST_OPERATION_PERMISSIONS[op].name)!;
        if (
          decision.result === AuthorizeResult.ALLOW ||
          (decision.result === AuthorizeResult.CONDITIONAL &&
            authorizer(decision, guest))
        ) {
          allowed.add(op);
        }
      }
      return allowed;
    });
  };
}
