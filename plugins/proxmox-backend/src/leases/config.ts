import type { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { type Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { readGlobalSchedule } from '../drift/config';

/** `proxmox.leases` with defaults applied. */
export interface LeaseConfig {
  enabled: boolean;
  schedule: SchedulerServiceTaskScheduleDefinition;
  /** How long before the end the owner group is warned (ms). */
  warnBeforeMs: number;
  /** How long an expired guest stays (shut down) before it is decommissioned (ms). */
  graceMs: number;
  /** Seconds the guest OS gets to shut down at expiry before a hard stop. */
  shutdownTimeoutSeconds: number;
  /** Leases of guests MycoPod did not create: Proxmox pool → days. */
  byPool: Record<string, number>;
  /** Leases of guests MycoPod did not create: Proxmox tag → days. */
  byTag: Record<string, number>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_LEASE_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 10 },
  timeout: { minutes: 10 },
  initialDelay: { seconds: 30 },
  scope: 'global',
};

function durationMs(
  config: Config | undefined,
  key: string,
  fallbackMs: number,
  min: number,
): number {
  if (!config?.has(key)) return fallbackMs;
  let ms: number;
  try {
    ms = durationToMilliseconds(readDurationFromConfig(config, { key }));
  } catch (e) {
    throw new Error(
      `proxmox.leases.${key}: not a duration (e.g. "3d", "P3D", { days: 3 }): ${e}`,
    );
  }
  if (!Number.isFinite(ms) || ms < min) {
    throw new Error(`proxmox.leases.${key}: must be at least ${min} ms`);
  }
  return ms;
}

function daysByName(config: Config | undefined, key: string) {
  const out: Record<string, number> = {};
  const map = config?.getOptionalConfig(key);
  for (const name of map?.keys() ?? []) {
    const days = map!.getNumber(name);
    if (!Number.isInteger(days) || days < 1) {
      throw new Error(
        `proxmox.leases.${key}.${name}: must be a whole number of days, at least 1`,
      );
    }
    out[name] = days;
  }
  return out;
}

/** Reads `proxmox.leases`; an invalid value fails startup naming the key. */
export function readLeaseConfig(config: Config): LeaseConfig {
  const leases = config.getOptionalConfig('proxmox.leases');
  return {
    enabled: leases?.getOptionalBoolean('enabled') ?? true,
    schedule: readGlobalSchedule(leases, DEFAULT_LEASE_SCHEDULE),
    warnBeforeMs: durationMs(leases, 'warnBefore', 3 * DAY_MS, 0),
    graceMs: durationMs(leases, 'grace', 7 * DAY_MS, 0),
    shutdownTimeoutSeconds: Math.round(
      durationMs(leases, 'shutdownTimeout', 60_000, 1000) / 1000,
    ),
    byPool: daysByName(leases, 'byPool'),
    byTag: daysByName(leases, 'byTag'),
  };
}

/**
 * The days of lease config gives a guest MycoPod did not create: the
 * shortest of its pool's and its tags' entries; undefined when none applies.
 */
export function configuredLeaseDays(
  config: Pick<LeaseConfig, 'byPool' | 'byTag'>,
  guest: { pool?: string; tags: string[] },
): number | undefined {
  const days = [
    ...(guest.pool !== undefined && config.byPool[guest.pool] !== undefined
      ? [config.byPool[guest.pool]]
      : []),
    ...guest.tags
      .filter(t => config.byTag[t] !== undefined)
      .map(t => config.byTag[t]),
  ];
  return days.length ? Math.min(...days) : undefined;
}

export { DAY_MS };
