/**
 * A Proxmox VE 8.4 API simulator (HTTPS, tasks, locks, faults) for MycoPod
 * development, demos, tests and benchmarks.
 *
 * @packageDocumentation
 */

export * from './schema';
export { startSimulator } from './simulator';
export type { SimulatorOptions, RunningSimulator } from './simulator';
export {
  DEFAULT_TOKEN,
  DEFAULT_USER,
  DEFAULT_TIMINGS,
  TIMING_PROFILES,
} from './context';
export type {
  TimingProfileName,
  SimulatorTimings,
  SimulatorToken,
  SimulatorUser,
  PrivilegeLevel,
} from './context';
export { parseFaultSpec, DEFAULT_STALL_MS } from './faults';
export type { FaultSpec, FaultRouteSpec, FaultKind } from './faults';
export { TASK_FAILURE_MODES } from './taskFailures';
export type { TaskFailureMode } from './taskFailures';
export type { SimGuestInfo, SimGuestFilter } from './control';
export { demoFleet, largeFleet, resolveFleet, buildState } from './state/fleet';
export type {
  FleetSpec,
  FleetClusterSpec,
  FleetGuestSpec,
  FleetStorageSpec,
} from './state/fleet';
export type {
  SimState,
  ClusterState,
  Guest,
  NodeState,
  StorageDef,
} from './state/types';
export { ROUTE_PARAMS } from './routes/params';
export {
  consoleLineBand,
  consoleScreenText,
  renderConsoleScreen,
  vncAuthResponse,
  SCREEN_HEIGHT as CONSOLE_SCREEN_HEIGHT,
  SCREEN_WIDTH as CONSOLE_SCREEN_WIDTH,
} from './console';
export type { ConsoleImage, ConsoleScreenModel } from './console';
export { runCli } from './cli';
