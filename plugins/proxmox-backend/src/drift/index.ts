export { compareGuest } from './compareGuest';
export { readDriftConfig } from './config';
export type { DriftConfig } from './config';
export { DRIFT_TASK_ID, DriftScanner } from './DriftScanner';
export type { DriftScanSummary } from './DriftScanner';
export { DriftStore } from './DriftStore';
export { scheduleDrift } from './scheduleDrift';
