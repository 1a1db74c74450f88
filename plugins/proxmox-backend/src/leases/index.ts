export { readLeaseConfig } from './config';
export type { LeaseConfig } from './config';
export { LeaseNotifier } from './LeaseNotifier';
export { LeaseReader } from './LeaseReader';
export { LEASE_TASK_ID, LeaseScheduler } from './LeaseScheduler';
export type {
  FileDecommission,
  LeaseRunSummary,
  LeaseStep,
} from './LeaseScheduler';
export { LeaseStore } from './LeaseStore';
export { scheduleLeases } from './scheduleLeases';
