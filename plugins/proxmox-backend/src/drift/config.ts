import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  type SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';

/** `proxmox.drift` with defaults applied. */
export interface DriftConfig {
  enabled: boolean;
  schedule: SchedulerServiceTaskScheduleDefinition;
}

export const DEFAULT_DRIFT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { hours: 1 },
  timeout: { minutes: 30 },
  initialDelay: { minutes: 1 },
  scope: 'global',
};

/**
 * A task schedule under `key` (a `SchedulerServiceTaskScheduleDefinitionConfig`),
 * always of global scope: one replica runs each invocation.
 */
export function readGlobalSchedule(
  config: Config | undefined,
  fallback: SchedulerServiceTaskScheduleDefinition,
): SchedulerServiceTaskScheduleDefinition {
  const schedule = config?.getOptionalConfig('schedule');
  if (!schedule) return fallback;
  return {
    ...readSchedulerServiceTaskScheduleDefinitionFromConfig(schedule),
    scope: 'global',
  };
}

/** Reads `proxmox.drift`; an invalid value fails startup naming the key. */
export function readDriftConfig(config: Config): DriftConfig {
  const drift = config.getOptionalConfig('proxmox.drift');
  return {
    enabled: drift?.getOptionalBoolean('enabled') ?? true,
    schedule: readGlobalSchedule(drift, DEFAULT_DRIFT_SCHEDULE),
  };
}
