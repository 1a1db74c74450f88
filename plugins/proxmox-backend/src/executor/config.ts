import type { Config } from '@backstage/config';

/** Settings of the provisioning executor (`proxmox.executor`). */
export interface ExecutorConfig {
  /** Claim and run jobs in this backend instance. */
  enabled: boolean;
  /** How often the queue is polled. */
  pollIntervalMs: number;
  /** How long a claim lives without a heartbeat. */
  leaseMs: number;
  concurrency: {
    /** Jobs of one cluster running at once in this instance. */
    perCluster: number;
    /** Jobs cloning one source template running at once in this instance. */
    perTemplate: number;
  };
  /** Claims of a job at one step before a transient failure becomes final. */
  maxAttempts: number;
  /** Backoff between attempts of a job (equal jitter, exponential). */
  retry: { baseDelayMs: number; maxDelayMs: number };
  stepTimeouts: {
    /** The clone task. */
    cloneMs: number;
    /** Other tasks (resize, start, unlock). */
    taskMs: number;
    /** The guest agent reporting an IP address. */
    ipMs: number;
  };
  /**
   * `required`: no IP within `stepTimeouts.ipMs` fails the request;
   * `best-effort`: the request becomes ready without one (noted).
   */
  ipWait: 'required' | 'best-effort';
}

export const DEFAULT_EXECUTOR_CONFIG: ExecutorConfig = {
  enabled: true,
  pollIntervalMs: 1000,
  leaseMs: 30_000,
  concurrency: { perCluster: 8, perTemplate: 4 },
  maxAttempts: 5,
  retry: { baseDelayMs: 2000, maxDelayMs: 60_000 },
  stepTimeouts: { cloneMs: 600_000, taskMs: 300_000, ipMs: 120_000 },
  ipWait: 'best-effort',
};

function positive(
  config: Config | undefined,
  key: string,
  fallback: number,
  min = 1,
): number {
  const value = config?.getOptionalNumber(key);
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new Error(
      `proxmox.executor.${key}: must be an integer of at least ${min}`,
    );
  }
  return value;
}

/** Reads and validates `proxmox.executor`; every key is optional. */
export function readExecutorConfig(root: Config): ExecutorConfig {
  const c = root.getOptionalConfig('proxmox.executor');
  const d = DEFAULT_EXECUTOR_CONFIG;
  const ipWait = c?.getOptionalString('ipWait') ?? d.ipWait;
  if (ipWait !== 'required' && ipWait !== 'best-effort') {
    throw new Error(
      `proxmox.executor.ipWait: must be 'required' or 'best-effort'`,
    );
  }
  const leaseMs = positive(c, 'leaseMs', d.leaseMs, 1000);
  const retry = {
    baseDelayMs: positive(c, 'retry.baseDelayMs', d.retry.baseDelayMs, 0),
    maxDelayMs: positive(c, 'retry.maxDelayMs', d.retry.maxDelayMs, 0),
  };
  if (retry.maxDelayMs < retry.baseDelayMs) {
    throw new Error(
      'proxmox.executor.retry.maxDelayMs: must not be below retry.baseDelayMs',
    );
  }
  return {
    enabled: c?.getOptionalBoolean('enabled') ?? d.enabled,
    pollIntervalMs: positive(c, 'pollIntervalMs', d.pollIntervalMs, 10),
    leaseMs,
    concurrency: {
      perCluster: positive(
        c,
        'concurrency.perCluster',
        d.concurrency.perCluster,
      ),
      perTemplate: positive(
        c,
        'concurrency.perTemplate',
        d.concurrency.perTemplate,
      ),
    },
    maxAttempts: positive(c, 'maxAttempts', d.maxAttempts),
    retry,
    stepTimeouts: {
      cloneMs: positive(c, 'stepTimeouts.cloneMs', d.stepTimeouts.cloneMs, 100),
      taskMs: positive(c, 'stepTimeouts.taskMs', d.stepTimeouts.taskMs, 100),
      ipMs: positive(c, 'stepTimeouts.ipMs', d.stepTimeouts.ipMs, 100),
    },
    ipWait,
  };
}
