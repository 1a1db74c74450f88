import { mockCredentials } from '@backstage/backend-test-utils';
import type { ActionContext } from '@backstage/plugin-scaffolder-node';
import { DEV } from './testBackend';

/** Task state shared by runs of one task: what its checkpoints stored. */
export type CheckpointStore = Map<string, unknown>;

/**
 * An action context like the scaffolder's: checkpoints are memoised in
 * `store` (a retried run of the same task gets the stored values), the
 * initiator is `user:default/dev`, log lines are collected in `logs`.
 */
export function mockContext(
  input: Record<string, unknown>,
  options: {
    store?: CheckpointStore;
    isDryRun?: boolean;
    signal?: AbortSignal;
    user?: string;
  } = {},
) {
  const store = options.store ?? new Map();
  const logs: string[] = [];
  const log = (level: string) => (message: string) => {
    logs.push(`${level}: ${message}`);
  };
  const logger: any = {
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    debug: log('debug'),
  };
  logger.child = () => logger;
  const outputs: Record<string, unknown> = {};
  const ctx: ActionContext<any, any> = {
    input,
    logger,
    workspacePath: '/tmp/mycopod-test-workspace',
    createTemporaryDirectory: async () => '/tmp/mycopod-test-workspace',
    output: (name, value) => {
      outputs[name as string] = value;
    },
    async checkpoint(opts: any) {
      if (!store.has(opts.key)) {
        store.set(opts.key, (await opts.fn()) ?? {});
      }
      return store.get(opts.key) as any;
    },
    getInitiatorCredentials: async () =>
      mockCredentials.user(options.user ?? DEV),
    task: { id: 'task-1' },
    isDryRun: options.isDryRun,
    signal: options.signal,
    user: { ref: options.user ?? DEV },
    step: { id: 'request', name: 'File the VM request' },
  };
  return { ctx, logs, outputs, store };
}
