import { ConfigReader } from '@backstage/config';
import { DEFAULT_CONSOLE_CONFIG, readConsoleConfig } from './config';

const read = (console: Record<string, number | boolean>) =>
  readConsoleConfig(new ConfigReader({ proxmox: { console } }));

describe('readConsoleConfig', () => {
  it('defaults: on, 30 s tickets, 15 min idle, 4 h sessions', () => {
    expect(readConsoleConfig(new ConfigReader({}))).toEqual(
      DEFAULT_CONSOLE_CONFIG,
    );
    expect(DEFAULT_CONSOLE_CONFIG).toEqual({
      enabled: true,
      ticketTtlMs: 30_000,
      idleTimeoutMs: 900_000,
      maxSessionMs: 14_400_000,
    });
  });

  it('reads every key', () => {
    expect(
      read({
        enabled: false,
        ticketTtlMs: 5_000,
        idleTimeoutMs: 60_000,
        maxSessionMs: 600_000,
      }),
    ).toEqual({
      enabled: false,
      ticketTtlMs: 5_000,
      idleTimeoutMs: 60_000,
      maxSessionMs: 600_000,
    });
  });

  it.each([
    [{ ticketTtlMs: 60_000 }, 'proxmox.console.ticketTtlMs'],
    [{ ticketTtlMs: 0 }, 'proxmox.console.ticketTtlMs'],
    [{ idleTimeoutMs: 1.5 }, 'proxmox.console.idleTimeoutMs'],
    [{ maxSessionMs: -1 }, 'proxmox.console.maxSessionMs'],
  ])('refuses %j naming the key', (value, key) => {
    expect(() => read(value)).toThrow(key);
  });
});
