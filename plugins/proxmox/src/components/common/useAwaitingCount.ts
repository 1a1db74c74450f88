import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { proxmoxApiRef } from '../../api';
import { useLiveRefresh } from './useLiveRefresh';

const PROBE_LIMIT = 100;

export interface AwaitingCount {
  /** Pending requests the signed-in user may decide; undefined while unknown. */
  count?: number;
  /** More than `count` are waiting. */
  more: boolean;
  refresh: () => void;
}

/**
 * How many pending requests await the signed-in user's decision. The backend
 * answers `view=awaiting-me` with exactly the requests the approve
 * permission's (conditional) decision admits, minus the user's own, so this
 * is the same count whoever the policy makes an approver. Refreshed on the
 * `proxmox:requests` signal, polled without signals.
 */
export function useAwaitingCount(): AwaitingCount {
  const api = useApi(proxmoxApiRef);
  const [state, setState] = useState<{ count?: number; more: boolean }>({
    more: false,
  });
  const gen = useRef(0);
  const refresh = useCallback(() => {
    const g = ++gen.current;
    api
      .listRequests({ view: 'awaiting-me', limit: PROBE_LIMIT })
      .then(list => {
        if (g === gen.current) {
          setState({ count: list.items.length, more: !!list.nextCursor });
        }
      })
      .catch(() => {
        // A badge never breaks the page; the list shows the error.
        if (g === gen.current) setState({ count: undefined, more: false });
      });
  }, [api]);
  useEffect(() => {
    refresh();
  }, [refresh]);
  useLiveRefresh('proxmox:requests', refresh, { pollMs: 30_000 });
  return { ...state, refresh };
}

/** "3", "100+", or "" when none. */
export function formatCount(c: { count?: number; more: boolean }): string {
  if (!c.count) return '';
  return c.more ? `${c.count}+` : String(c.count);
}
