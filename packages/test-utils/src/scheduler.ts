/* A scheduler whose tasks run only when the test says so. */
import {
  coreServices,
  createServiceFactory,
  type SchedulerService,
  type ServiceFactory,
  type SchedulerServiceTaskInvocationDefinition,
  type SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';

type ScheduledTask = SchedulerServiceTaskInvocationDefinition &
  SchedulerServiceTaskScheduleDefinition;

/** A scheduler for a test backend plus the handle the test drives it with. */
export interface ManualScheduler {
  /** Install in the test backend's features (replaces the default scheduler). */
  factory: ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
  /** The tasks plugins scheduled, by id, with their schedule. */
  tasks: Map<string, ScheduledTask>;
  /** Runs a scheduled task now and waits for it; throws for an unknown id. */
  run(id: string): Promise<void>;
}

/**
 * A scheduler that records what plugins schedule and never runs anything
 * on its own (not at startup either): the test runs a task with
 * `run(id)`, as one global invocation would, and awaits it.
 */
export function manualScheduler(): ManualScheduler {
  const tasks = new Map<string, ScheduledTask>();
  const controller = new AbortController();
  const run = async (id: string) => {
    const task = tasks.get(id);
    if (!task) {
      throw new Error(
        `No scheduled task '${id}' (scheduled: ${[...tasks.keys()].join(
          ', ',
        )})`,
      );
    }
    await task.fn(controller.signal);
  };
  const service: SchedulerService = {
    async scheduleTask(task) {
      tasks.set(task.id, task);
    },
    createScheduledTaskRunner(schedule) {
      return {
        run: async task => {
          tasks.set(task.id, { ...task, ...schedule });
        },
      };
    },
    triggerTask: run,
    async cancelTask() {},
    async getScheduledTasks() {
      return [...tasks.values()].map(t => ({
        id: t.id,
        scope: t.scope ?? 'global',
        settings: { version: 1 },
      }));
    },
  };
  return {
    factory: createServiceFactory({
      service: coreServices.scheduler,
      deps: { lifecycle: coreServices.lifecycle },
      factory: ({ lifecycle }) => {
        lifecycle.addShutdownHook(() => controller.abort());
        return service;
      },
    }),
    tasks,
    run,
  };
}
