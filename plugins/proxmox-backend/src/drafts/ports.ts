import type {
  GuestRequestBody,
  PlanAction,
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
