import type { Config } from '@backstage/config';

/** One limiter: at most `limit` requests per caller per window. */
export interface RateLimit {
  /** Requests per window; 0 turns the limiter off. */
  limit: number;
  windowSeconds: number;
}

export interface RateLimitsConfig {
  /** Every POST/PUT/PATCH/DELETE under `/api/proxmox`. */
  writes: RateLimit;
  /** Immediate guest actions (power, snapshots), on top of `writes`. */
  actions: RateLimit;
}

export const DEFAULT_RATE_LIMITS: RateLimitsConfig = {
  writes: { limit: 120, windowSeconds: 60 },
  actions: { limit: 30, windowSeconds: 60 },
};

function readOne(config: Config, key: keyof RateLimitsConfig): RateLimit {
  const path = `proxmox.rateLimits.${key}`;
  const c = config.getOptionalConfig(path);
  const fallback = DEFAULT_RATE_LIMITS[key];
  const limit = c?.getOptionalNumber('limit') ?? fallback.limit;
  const windowSeconds =
    c?.getOptionalNumber('windowSeconds') ?? fallback.windowSeconds;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new Error(
      `${path}.limit must be a whole number ≥ 0 (0 turns it off), got ${limit}`,
    );
  }
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1) {
    throw new Error(
      `${path}.windowSeconds must be a whole number of seconds ≥ 1, got ${windowSeconds}`,
    );
  }
  return { limit, windowSeconds };
}

/** `proxmox.rateLimits` with defaults; throws naming the invalid key. */
export function readRateLimitsConfig(config: Config): RateLimitsConfig {
  return {
    writes: readOne(config, 'writes'),
    actions: readOne(config, 'actions'),
  };
}
