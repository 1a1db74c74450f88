import { Flex, Text } from '@backstage/ui';
import { errorMessages } from '../../api';
import { formatTime } from '../common/format';
import type { FollowedTask } from './useGuestTask';

/** Proxmox task types in words. */
const ACTION_LABELS: Record<string, string> = {
  start: 'Start',
  qmstart: 'Start',
  vzstart: 'Start',
  shutdown: 'Shutdown',
  qmshutdown: 'Shutdown',
  vzshutdown: 'Shutdown',
  stop: 'Stop',
  qmstop: 'Stop',
  vzstop: 'Stop',
  reboot: 'Reboot',
  qmreboot: 'Reboot',
  vzreboot: 'Reboot',
  snapshot: 'Snapshot',
  qmsnapshot: 'Snapshot',
  vzsnapshot: 'Snapshot',
  rollback: 'Rollback',
  qmrollback: 'Rollback',
  vzrollback: 'Rollback',
  delsnapshot: 'Delete snapshot',
  qmdelsnapshot: 'Delete snapshot',
  vzdelsnapshot: 'Delete snapshot',
};

const MARKS = { running: '▶', ok: '✓', failed: '✗', unknown: '?' };

/**
 * A followed task: running, done or failed, and on failure Proxmox's exit
 * status and the last lines of the task log. `label` names it better than
 * its type (e.g. "Snapshot before-upgrade").
 */
export function TaskProgress(props: {
  followed: Pick<FollowedTask, 'task' | 'error' | 'lost'>;
  label?: string;
}) {
  const { task, error, lost } = props.followed;
  if (!task) return null;
  const status = lost ? 'unknown' : task.status;
  const label = props.label ?? ACTION_LABELS[task.action] ?? task.action;
  let text: string;
  if (status === 'running') text = `${label}: running…`;
  else if (status === 'ok') text = `${label}: done`;
  else if (status === 'failed') {
    text = `${label} failed${task.exitStatus ? `: ${task.exitStatus}` : ''}`;
  } else text = `${label}: progress unknown`;
  const COLORS = { failed: 'danger', ok: 'success' } as const;
  const color =
    status === 'failed' || status === 'ok' ? COLORS[status] : undefined;
  return (
    <div
      data-testid="guest-task"
      data-status={status}
      data-action={task.action}
      data-upid={task.upid}
      role="status"
      style={{
        padding: '6px 10px',
        borderRadius: 4,
        background: 'var(--bui-bg-neutral-2, rgba(0, 0, 0, 0.05))',
      }}
    >
      <Flex direction="column" gap="1">
        <Text weight="bold" color={color}>
          <span aria-hidden>{MARKS[status]}</span> {text}
        </Text>
        <Text variant="body-x-small" color="secondary">
          Task {task.upid} · started {formatTime(task.startedAt)}
          {task.endedAt ? ` · ended ${formatTime(task.endedAt)}` : ''}
        </Text>
        {error ? (
          <Text
            variant="body-small"
            color="warning"
            data-testid="guest-task-error"
          >
            Could not read its progress: {errorMessages(error).join('; ')}
          </Text>
        ) : null}
        {status === 'failed' && task.logTail?.length ? (
          <pre
            data-testid="guest-task-log"
            style={{
              maxHeight: 200,
              overflow: 'auto',
              fontSize: 12,
              margin: 0,
            }}
          >
            {task.logTail.join('\n')}
          </pre>
        ) : null}
      </Flex>
    </div>
  );
}
