import { useCallback, useRef, useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  guestSignalChannel,
  type GuestTask,
} from '@mycopod/plugin-proxmox-common';
import { ProxmoxApiError, proxmoxApiRef } from '../../api';
import { useLiveRefresh } from '../common/useLiveRefresh';

/** How often a running task is read without signals. */
export const TASK_POLL_MS = 1_000;
/** How often it is read anyway with signals (one may be missed). */
export const TASK_SAFETY_POLL_MS = 3_000;

export interface FollowedTask {
  /** The task as last read; its `status` says running, ok or failed. */
  task?: GuestTask;
  /** Reading its progress failed (the task itself may still run). */
  error?: unknown;
  /** Its progress can no longer be read (403/404): no longer followed. */
  lost: boolean;
  /** True while the task runs and is followed. */
  running: boolean;
  /** Follows a task an action just started (its 202 answer). */
  follow: (task: GuestTask) => void;
}

interface State {
  task?: GuestTask;
  error?: unknown;
  lost: boolean;
}

/**
 * Follows a Proxmox task on a guest until it ends: reads
 * `GET /guests/:cluster/:vmid/tasks/:upid` on every signal of the guest's
 * channel, and polls while signals are unavailable. Calls `onEnded` once
 * when the task is no longer running, or can no longer be read (403/404).
 */
export function useGuestTask(
  cluster: string,
  vmid: number,
  onEnded: (task: GuestTask) => void,
): FollowedTask {
  const api = useApi(proxmoxApiRef);
  const [state, setState] = useState<State>({ lost: false });
  const current = useRef<State>(state);
  const inFlight = useRef(false);
  const onEndedRef = useRef(onEnded);
  onEndedRef.current = onEnded;

  const set = useCallback((next: State) => {
    current.current = next;
    setState(next);
  }, []);

  const follow = useCallback(
    (task: GuestTask) => {
      set({ task, lost: false });
      if (task.status !== 'running') onEndedRef.current(task);
    },
    [set],
  );

  const refresh = useCallback(async () => {
    const { task, lost } = current.current;
    if (!task || task.status !== 'running' || lost || inFlight.current) {
      return;
    }
    inFlight.current = true;
    try {
      const next = await api.getGuestTask(cluster, vmid, task.upid);
      if (current.current.task?.upid !== task.upid) return;
      set({ task: next, lost: false });
      if (next.status !== 'running') onEndedRef.current(next);
    } catch (error) {
      if (current.current.task?.upid !== task.upid) return;
      const final =
        error instanceof ProxmoxApiError &&
        (error.status === 403 || error.status === 404);
      set({ task, error, lost: final });
      if (final) onEndedRef.current(task);
    } finally {
      inFlight.current = false;
    }
  }, [api, cluster, vmid, set]);

  const running = state.task?.status === 'running' && !state.lost;
  useLiveRefresh(
    running ? guestSignalChannel(cluster, vmid) : undefined,
    refresh,
    { pollMs: TASK_POLL_MS, safetyPollMs: TASK_SAFETY_POLL_MS },
  );

  return { ...state, running, follow };
}
