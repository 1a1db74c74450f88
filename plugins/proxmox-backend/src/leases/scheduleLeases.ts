import type {
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { LeaseConfig } from './config';
import { LEASE_TASK_ID, LeaseScheduler } from './LeaseScheduler';

/** Schedules the lease scheduler as a global task, unless `proxmox.leases.enabled` is false. */
export async function scheduleLeases(deps: {
  scheduler: SchedulerService;
  config: LeaseConfig;
  leases: LeaseScheduler;
  logger: LoggerService;
}): Promise<void> {
  if (!deps.config.enabled) {
    deps.logger.info(
      'Lease scheduler disabled (proxmox.leases.enabled: false)',
    );
    return;
  }
  await deps.scheduler.scheduleTask({
    id: LEASE_TASK_ID,
    ...deps.config.schedule,
    scope: 'global',
    fn: async signal => {
      await deps.leases.run(signal);
    },
  });
}
