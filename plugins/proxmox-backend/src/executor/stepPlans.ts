import {
  stepsOf,
  type ProvisioningStep,
  type RequestKind,
} from '@mycopod/plugin-proxmox-common';
import { allocateVmid, clone, waitClone } from './cloneSteps';
import {
  applyConfig,
  destroyGuest,
  extendLease,
  reconcileFirewall,
  releaseGuest,
  stopGuest,
} from './day2Steps';
import { configure, firewall, resizeDisk, start, waitIp } from './guestSteps';
import type { Step } from './types';

/**
 * The step functions of each request kind, in the order of `REQUEST_STEPS`
 * (proxmox-common), `done` apart. A step of the same name may differ by
 * kind (a create attaches its security groups, a reconcile also removes
 * those it did not declare).
 */
export const STEP_PLANS: {
  [K in RequestKind]: Partial<Record<ProvisioningStep, Step>>;
} = {
  create: {
    'allocate-vmid': allocateVmid,
    clone,
    'wait-clone': waitClone,
    configure,
    'resize-disk': resizeDisk,
    firewall,
    start,
    'wait-ip': waitIp,
  },
  resize: { 'apply-config': applyConfig, 'resize-disk': resizeDisk },
  reconcile: {
    'apply-config': applyConfig,
    'resize-disk': resizeDisk,
    firewall: reconcileFirewall,
  },
  decommission: {
    stop: stopGuest,
    destroy: destroyGuest,
    release: releaseGuest,
  },
  'extend-lease': { 'extend-lease': extendLease },
};

/** The step function of a kind's step (throws for a step it does not have). */
export function stepOf(kind: RequestKind, step: ProvisioningStep): Step {
  const fn = STEP_PLANS[kind]?.[step];
  if (!fn) throw new Error(`A ${kind} job has no step ${step}`);
  return fn;
}

/** The step after `step` in its kind's list (`done` after the last). */
export function nextStep(
  kind: RequestKind,
  step: ProvisioningStep,
): ProvisioningStep {
  const steps = stepsOf(kind);
  return steps[Math.min(steps.indexOf(step) + 1, steps.length - 1)];
}

/** Does going from `from` to `to` move forward in the kind's list? */
export function isForward(
  kind: RequestKind,
  from: ProvisioningStep,
  to: ProvisioningStep,
): boolean {
  const steps = stepsOf(kind);
  return steps.indexOf(to) > steps.indexOf(from);
}
