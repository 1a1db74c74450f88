import { useEffect, useRef } from 'react';
import { useSignal } from '@backstage/plugin-signals-react';

/**
 * Calls `refresh` whenever a signal arrives on `channel`. Without signals
 * (no signals plugin, or its connection down) it polls every `pollMs`
 * instead; `safetyPollMs` adds a slow poll even with signals, for states
 * whose changes must not be missed.
 */
export function useLiveRefresh(
  channel: string | undefined,
  refresh: () => void,
  options: { pollMs: number; safetyPollMs?: number } = { pollMs: 10_000 },
): { live: boolean } {
  const { lastSignal, isSignalsAvailable } = useSignal(
    channel ?? 'proxmox:none',
  );
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;

  useEffect(() => {
    if (lastSignal && channel) refreshRef.current();
  }, [lastSignal, channel]);

  const interval = isSignalsAvailable ? options.safetyPollMs : options.pollMs;
  useEffect(() => {
    if (!channel || !interval) return undefined;
    const timer = setInterval(() => refreshRef.current(), interval);
    return () => clearInterval(timer);
  }, [channel, interval]);

  return { live: isSignalsAvailable };
}
