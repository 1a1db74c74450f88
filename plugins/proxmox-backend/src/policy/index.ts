export {
  readPolicyConfig,
  normalizeGroupRef,
  POLICY_CONFIG_KEY,
  DEFAULT_QUOTA,
  DEFAULT_SIZE_PRESETS,
} from './config';
export type { PolicyConfig, GroupPolicy, Quota, SizePreset } from './config';
export {
  evaluatePolicy,
  mayApproveOwn,
  leaseLimits,
  sizePresets,
  allowedChoicesFor,
  groupPolicyFor,
  matchesAllowList,
} from './engine';
export type { AllowedChoices } from './engine';
export { evaluateGuestChange, evaluateRequestPolicy } from './day2';
export type { PolicyContext, PolicyPhase, PolicyResult } from './types';
