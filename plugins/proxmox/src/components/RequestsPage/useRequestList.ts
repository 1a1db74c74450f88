import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  ProxmoxRequest,
  RequestState,
  RequestView,
} from '@mycopod/plugin-proxmox-common';
import type { ProxmoxApi } from '../../api';

export const PAGE_SIZE = 25;
const MAX_LIMIT = 200;

export interface RequestListState {
  items: ProxmoxRequest[];
  nextCursor?: string;
  loading: boolean;
  loadingMore: boolean;
  error?: unknown;
  loadMore: () => void;
  refresh: () => void;
}

/**
 * One view of `GET /requests`, a page at a time (keyset cursor). A refresh
 * re-reads as many requests as are shown, so live updates keep the pages.
 */
export function useRequestList(
  api: ProxmoxApi,
  view: RequestView,
  states: RequestState[],
): RequestListState {
  const stateKey = states.join(',');
  const [items, setItems] = useState<ProxmoxRequest[]>([]);
  const [nextCursor, setNextCursor] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>();
  const gen = useRef(0);
  const shown = useRef(0);

  const load = useCallback(
    async (limit: number) => {
      const g = ++gen.current;
      try {
        const list = await api.listRequests({
          view,
          state: stateKey ? (stateKey.split(',') as RequestState[]) : undefined,
          limit,
        });
        if (g !== gen.current) return;
        setItems(list.items);
        setNextCursor(list.nextCursor);
        shown.current = list.items.length;
        setError(undefined);
      } catch (e) {
        if (g === gen.current) setError(e);
      } finally {
        if (g === gen.current) setLoading(false);
      }
    },
    [api, view, stateKey],
  );

  useEffect(() => {
    setLoading(true);
    setItems([]);
    setNextCursor(undefined);
    setError(undefined);
    load(PAGE_SIZE);
  }, [load]);

  const refresh = useCallback(() => {
    load(Math.min(MAX_LIMIT, Math.max(PAGE_SIZE, shown.current)));
  }, [load]);

  const loadMore = useCallback(async () => {
    if (!nextCursor) return;
    const g = gen.current;
    setLoadingMore(true);
    try {
      const list = await api.listRequests({
        view,
        state: stateKey ? (stateKey.split(',') as RequestState[]) : undefined,
        cursor: nextCursor,
        limit: PAGE_SIZE,
      });
      if (g !== gen.current) return;
      setItems(prev => {
        const seen = new Set(prev.map(r => r.id));
        const merged = [...prev, ...list.items.filter(r => !seen.has(r.id))];
        shown.current = merged.length;
        return merged;
      });
      setNextCursor(list.nextCursor);
      setError(undefined);
    } catch (e) {
      if (g === gen.current) setError(e);
    } finally {
      setLoadingMore(false);
    }
  }, [api, view, stateKey, nextCursor]);

  return { items, nextCursor, loading, loadingMore, error, loadMore, refresh };
}
