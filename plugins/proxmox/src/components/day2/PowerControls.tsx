import { useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { Button, Flex, Text } from '@backstage/ui';
import type {
  GuestLiveStatus,
  PowerAction,
} from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../../api';
import { ActionError } from './ActionError';
import { ConfirmDialog } from './ConfirmDialog';
import { TaskProgress } from './TaskProgress';
import type { ActionGate } from './useGuestPermissions';
import { useGuestTask } from './useGuestTask';

const BUTTONS: Array<{ action: PowerAction; label: string; when: string[] }> = [
  { action: 'start', label: 'Start', when: ['stopped'] },
  { action: 'shutdown', label: 'Shut down', when: ['running'] },
  { action: 'reboot', label: 'Reboot', when: ['running'] },
  { action: 'stop', label: 'Stop', when: ['running', 'paused', 'suspended'] },
];

const VERBS: Record<PowerAction, string> = {
  start: 'start the guest',
  shutdown: 'shut the guest down',
  reboot: 'reboot the guest',
  stop: 'stop the guest',
};

/**
 * Start, shut down, reboot and (after a confirmation) stop the guest, each
 * enabled in the power states it applies to, and the progress of the task
 * it started. A shutdown that fails (e.g. the guest OS ignored it until the
 * timeout) offers to force a stop.
 */
export function PowerControls(props: {
  guest: GuestLiveStatus;
  gate: ActionGate;
  onChanged: () => void;
}) {
  const { guest, gate } = props;
  const api = useApi(proxmoxApiRef);
  const followed = useGuestTask(guest.cluster, guest.vmid, props.onChanged);
  const [busy, setBusy] = useState<PowerAction>();
  const [error, setError] = useState<{ action: PowerAction; error: unknown }>();
  const [confirmStop, setConfirmStop] = useState(false);

  if (!gate.shown) return null;

  const run = async (action: PowerAction) => {
    setBusy(action);
    setError(undefined);
    try {
      followed.follow(await api.powerGuest(guest.cluster, guest.vmid, action));
      setConfirmStop(false);
      props.onChanged();
    } catch (e) {
      setError({ action, error: e });
    } finally {
      setBusy(undefined);
    }
  };

  const idle = !busy && !followed.running;
  const usable = (when: string[]) =>
    gate.enabled && idle && !guest.lock && when.includes(guest.status);
  const shutdownFailed =
    followed.task?.status === 'failed' &&
    /shutdown/.test(followed.task.action) &&
    !followed.lost;

  return (
    <Flex direction="column" gap="2" data-testid="power-controls">
      <Flex gap="2" align="center">
        {BUTTONS.map(b => (
          <Button
            key={b.action}
            variant={b.action === 'stop' ? 'secondary' : 'primary'}
            destructive={b.action === 'stop'}
            isDisabled={!usable(b.when)}
            isPending={busy === b.action}
            onPress={() =>
              b.action === 'stop' ? setConfirmStop(true) : run(b.action)
            }
          >
            {b.label}
          </Button>
        ))}
      </Flex>
      {guest.lock ? (
        <Text variant="body-small" color="warning">
          Locked ({guest.lock}): power actions wait until the lock is gone.
        </Text>
      ) : null}
      <TaskProgress followed={followed} />
      {shutdownFailed ? (
        <Flex gap="2" align="center" data-testid="force-stop-offer">
          <Text variant="body-small">
            The guest did not shut down in time. Force it off?
          </Text>
          <Button
            size="small"
            variant="secondary"
            destructive
            isDisabled={!gate.enabled || !idle}
            onPress={() => setConfirmStop(true)}
          >
            Force stop
          </Button>
        </Flex>
      ) : null}
      {error && !confirmStop ? (
        <ActionError error={error.error} what={VERBS[error.action]} />
      ) : null}
      {confirmStop ? (
        <ConfirmDialog
          title={`Stop ${guest.name ?? `VMID ${guest.vmid}`} now?`}
          confirmLabel="Stop now"
          what={VERBS.stop}
          destructive
          busy={busy === 'stop'}
          error={error?.action === 'stop' ? error.error : undefined}
          onConfirm={() => run('stop')}
          onClose={() => {
            setConfirmStop(false);
            setError(undefined);
          }}
        >
          <Text as="p">
            Stopping cuts the power at once, like pulling the plug: what the
            guest has not written to disk is lost. Shut down instead to let its
            operating system end cleanly.
          </Text>
        </ConfirmDialog>
      ) : null}
    </Flex>
  );
}
