import type { Config } from '@backstage/config';

/** Settings of the in-browser console (`proxmox.console`). */
export interface ConsoleConfig {
  /** Offer the console (the ticket route and the WebSocket). */
  enabled: boolean;
  /** How long a ticket may wait for its WebSocket. */
  ticketTtlMs: number;
  /** A session without traffic in either direction for this long ends. */
  idleTimeoutMs: number;
  /** No session lasts longer. */
  maxSessionMs: number;
}

export const DEFAULT_CONSOLE_CONFIG: ConsoleConfig = {
  enabled: true,
  ticketTtlMs: 30_000,
  idleTimeoutMs: 15 * 60_000,
  maxSessionMs: 4 * 60 * 60_000,
};

function duration(
  c: Config | undefined,
  key: keyof ConsoleConfig,
  min: number,
  max: number,
): number {
  const fallback = DEFAULT_CONSOLE_CONFIG[key] as number;
  const value = c?.getOptionalNumber(key);
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `proxmox.console.${key}: must be a whole number of milliseconds from ${min} to ${max}`,
    );
  }
  return value;
}

/** Reads and validates `proxmox.console`; every key is optional. */
export function readConsoleConfig(root: Config): ConsoleConfig {
  const c = root.getOptionalConfig('proxmox.console');
  return {
    enabled: c?.getOptionalBoolean('enabled') ?? DEFAULT_CONSOLE_CONFIG.enabled,
    ticketTtlMs: duration(c, 'ticketTtlMs', 1_000, 30_000),
    idleTimeoutMs: duration(c, 'idleTimeoutMs', 1_000, 24 * 60 * 60_000),
    maxSessionMs: duration(c, 'maxSessionMs', 1_000, 7 * 24 * 60 * 60_000),
  };
}
