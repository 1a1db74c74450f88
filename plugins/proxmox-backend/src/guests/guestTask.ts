import type { GuestTask } from '@mycopod/plugin-proxmox-common';
import {
  type ParsedUpid,
  isTaskExitOk,
  tryParseUpid,
} from '@mycopod/plugin-proxmox-node';

/** Proxmox worker types → the action names of {@link GuestTask}. */
const ACTION_OF_TYPE: Record<string, string> = {
  qmstart: 'start',
  qmshutdown: 'shutdown',
  qmstop: 'stop',
  qmreboot: 'reboot',
  qmsnapshot: 'snapshot',
  qmrollback: 'rollback',
  qmdelsnapshot: 'delsnapshot',
};

/** The action a task of this worker type performs (`qmstart` → `start`). */
export function actionOfTaskType(type: string): string {
  return ACTION_OF_TYPE[type] ?? type;
}

/** The UPID of a task on guest `vmid`, or undefined for anything else. */
export function parseGuestUpid(
  upid: string,
  vmid: number,
): ParsedUpid | undefined {
  const parsed = tryParseUpid(upid);
  return parsed && parsed.id === String(vmid) ? parsed : undefined;
}

/** A task's state as the API answers it. */
export function guestTaskOf(
  cluster: string,
  vmid: number,
  upid: ParsedUpid,
  state: {
    status: string;
    exitstatus?: string;
    endedAt?: string;
    logTail?: string[];
  },
): GuestTask {
  const running = state.status === 'running';
  let status: GuestTask['status'] = 'running';
  if (!running) status = isTaskExitOk(state.exitstatus) ? 'ok' : 'failed';
  return {
    upid: upid.upid,
    cluster,
    vmid,
    action: actionOfTaskType(upid.type),
    status,
    ...(!running && state.exitstatus ? { exitStatus: state.exitstatus } : {}),
    startedAt: new Date(upid.starttime * 1000).toISOString(),
    ...(state.endedAt ? { endedAt: state.endedAt } : {}),
    ...(state.logTail?.length ? { logTail: state.logTail } : {}),
  };
}
