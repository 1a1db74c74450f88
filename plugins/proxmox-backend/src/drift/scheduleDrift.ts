import type {
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { DriftConfig } from './config';
import { DRIFT_TASK_ID, DriftScanner } from './DriftScanner';

/** Schedules the drift scan as a global task, unless `proxmox.drift.enabled` is false. */
export async function scheduleDrift(deps: {
  scheduler: SchedulerService;
  config: DriftConfig;
  scanner: DriftScanner;
  logger: LoggerService;
}): Promise<void> {
  if (!deps.config.enabled) {
    deps.logger.info('Drift scan disabled (proxmox.drift.enabled: false)');
    return;
  }
  await deps.scheduler.scheduleTask({
    id: DRIFT_TASK_ID,
    ...deps.config.schedule,
    scope: 'global',
    fn: async signal => {
      await deps.scanner.run(signal);
    },
  });
}
