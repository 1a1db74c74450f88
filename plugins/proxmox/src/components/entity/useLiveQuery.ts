import { useCallback, useEffect, useRef, useState } from 'react';

/** Default refresh of live Proxmox facts on an open entity page. */
export const LIVE_REFRESH_MS = 10_000;

export interface LiveQueryState<T> {
  /** The last answer; kept while a refresh runs or after it fails. */
  value?: T;
  /** The error of the last attempt, cleared by the next success. */
  error?: unknown;
  /** True until the first answer or error. */
  loading: boolean;
  /** When the last answer arrived (ms since epoch). */
  updatedAt?: number;
}

/** The state, and a way to load again now (e.g. after an action). */
export type LiveQuery<T> = LiveQueryState<T> & { refresh: () => void };

function pageHidden(): boolean {
  return (
    typeof document !== 'undefined' && document.visibilityState === 'hidden'
  );
}

/**
 * Loads `load()` on mount and again `intervalMs` after each answer, while
 * the page is visible: polling pauses while the tab is hidden (and loads at
 * once when it shows again) and stops on unmount. A new `key` starts over.
 * Requests never overlap. Nothing is cached beyond the component.
 */
export function useLiveQuery<T>(
  key: string | undefined,
  load: () => Promise<T>,
  intervalMs: number = LIVE_REFRESH_MS,
): LiveQuery<T> {
  const [state, setState] = useState<LiveQueryState<T>>({ loading: !!key });
  const loadRef = useRef(load);
  loadRef.current = load;
  const kick = useRef<() => void>(() => {});

  useEffect(() => {
    if (!key) return undefined;
    let active = true;
    let inFlight = false;
    let again = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      if (active && !pageHidden() && !timer) {
        timer = setTimeout(tick, intervalMs);
      }
    };
    async function tick() {
      timer = undefined;
      if (!active || inFlight || pageHidden()) return;
      inFlight = true;
      try {
        const value = await loadRef.current();
        if (active) setState({ value, loading: false, updatedAt: Date.now() });
      } catch (error) {
        if (active) setState(s => ({ ...s, error, loading: false }));
      } finally {
        inFlight = false;
        if (again && active) {
          again = false;
          tick();
        } else {
          schedule();
        }
      }
    }
    // Loads now; during a load, once more right after it.
    kick.current = () => {
      if (!active) return;
      if (inFlight) {
        again = true;
        return;
      }
      if (timer) clearTimeout(timer);
      tick();
    };
    const onVisibility = () => {
      if (pageHidden()) {
        if (timer) clearTimeout(timer);
        timer = undefined;
      } else if (!timer && !inFlight) {
        tick();
      }
    };
    setState({ loading: true });
    tick();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      active = false;
      kick.current = () => {};
      if (timer) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [key, intervalMs]);

  const refresh = useCallback(() => kick.current(), []);
  return { ...state, refresh };
}
