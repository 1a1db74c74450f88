import type {
  GuestRequestBody,
  PlanAction,
  PowerAction,
  ProxmoxRequest,
} from '@mycopod/plugin-proxmox-common';
import type { Caller } from '../service/RequestService';

/**
 * Files a day-2 request (resize, decommission, extend-lease) on a guest:
 * the day-2 request service, with its own permission check, policy and
 * findings. `submit: false` keeps it a draft of the plan.
 */
export interface GuestRequestsPort {
  file(
    input: {
      cluster: string;
      vmid: number;
      body: GuestRequestBody;
      submit: boolean;
      planId?: string;
    },
    caller: Caller,
  ): Promise<ProxmoxRequest>;
}

/**
 * Runs an immediate power or snapshot action on a guest as the caller (the
 * guest actions service, with its own permission check); the Proxmox task
 * it started.
 */
export interface GuestActionsPort {
  run(
    caller: Caller,
    target: { cluster: string; vmid: number },
    action: PlanAction,
  ): Promise<{ upid?: string }>;
}

/** The guest action service as the plan needs it (power, snapshot). */
export interface GuestActionService {
  power(
    cluster: string,
    vmid: number,
    body: { action: PowerAction },
    caller: { credentials: Caller['credentials']; actor: string },
  ): Promise<{ upid: string }>;
  createSnapshot(
    cluster: string,
    vmid: number,
    body: { name: string; description?: string; includeRam: boolean },
    caller: { credentials: Caller['credentials']; actor: string },
  ): Promise<{ upid: string }>;
}

/** Runs a plan's confirmed actions through the guest action service. */
export function guestActionsPort(
  service: GuestActionService,
): GuestActionsPort {
  return {
    async run(caller, target, action) {
      const who = { credentials: caller.credentials, actor: caller.userRef };
      const task =
        action.type === 'power'
          ? await service.power(
              target.cluster,
              target.vmid,
              { action: action.action },
              who,
            )
          : await service.createSnapshot(
              target.cluster,
              target.vmid,
              {
                name: action.name,
                ...(action.description
                  ? { description: action.description }
                  : {}),
                includeRam: false,
              },
              who,
            );
      return { upid: task.upid };
    },
  };
}
