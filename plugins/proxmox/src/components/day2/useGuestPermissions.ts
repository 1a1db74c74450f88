import { usePermission } from '@backstage/plugin-permission-react';
import {
  guestEntityRef,
  proxmoxGuestConsolePermission,
  proxmoxGuestDeletePermission,
  proxmoxGuestPowerPermission,
  proxmoxGuestSnapshotPermission,
  proxmoxGuestUpdatePermission,
  type GuestAction,
  type GuestLiveStatus,
} from '@mycopod/plugin-proxmox-common';

/** Whether an action's controls show, and whether they may be used. */
export interface ActionGate {
  shown: boolean;
  enabled: boolean;
}

export type GuestGates = Record<GuestAction, ActionGate>;

/**
 * What the signed-in user may do on a guest: each action's permission
 * (resource ref: the guest's entity ref) and the guest endpoint's
 * `allowedActions`. A control shows while its permission is not denied and
 * the endpoint offers the action; it is enabled once the permission allows
 * it. The backend decides anyway.
 */
export function useGuestPermissions(guest: GuestLiveStatus): GuestGates {
  const resourceRef = guestEntityRef(guest.cluster, guest.vmid);
  const power = usePermission({
    permission: proxmoxGuestPowerPermission,
    resourceRef,
  });
  const snapshot = usePermission({
    permission: proxmoxGuestSnapshotPermission,
    resourceRef,
  });
  const openConsole = usePermission({
    permission: proxmoxGuestConsolePermission,
    resourceRef,
  });
  const update = usePermission({
    permission: proxmoxGuestUpdatePermission,
    resourceRef,
  });
  const remove = usePermission({
    permission: proxmoxGuestDeletePermission,
    resourceRef,
  });
  const offered = (action: GuestAction) =>
    guest.allowedActions === undefined || guest.allowedActions.includes(action);
  const gate = (
    action: GuestAction,
    p: { loading: boolean; allowed: boolean },
  ): ActionGate => ({
    shown: offered(action) && (p.loading || p.allowed),
    enabled: offered(action) && p.allowed,
  });
  return {
    power: gate('power', power),
    snapshot: gate('snapshot', snapshot),
    console: gate('console', openConsole),
    resize: gate('resize', update),
    'extend-lease': gate('extend-lease', update),
    reconcile: gate('reconcile', update),
    decommission: gate('decommission', remove),
  };
}
