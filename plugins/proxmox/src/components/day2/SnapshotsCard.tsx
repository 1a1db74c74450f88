import { useCallback, useEffect, useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { Button, Flex, Text } from '@backstage/ui';
import type {
  CreateSnapshotBody,
  GuestLiveStatus,
  GuestSnapshot,
  GuestTask,
} from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../../api';
import { ErrorPanel } from '../common/ErrorPanel';
import { LiveCard } from '../entity/LiveParts';
import { ActionError } from './ActionError';
import { ConfirmDialog } from './ConfirmDialog';
import { CreateSnapshotDialog } from './CreateSnapshotDialog';
import { SnapshotsTable } from './SnapshotsTable';
import { TaskProgress } from './TaskProgress';
import type { ActionGate } from './useGuestPermissions';
import { useGuestTask } from './useGuestTask';

type Pending =
  | { op: 'create' }
  | { op: 'rollback'; name: string }
  | { op: 'delete'; name: string };

const WHAT: Record<Pending['op'], string> = {
  create: 'take the snapshot',
  rollback: 'roll back to the snapshot',
  delete: 'delete the snapshot',
};

/** What a rollback or a delete asks first, for the guest and snapshot named. */
const QUESTIONS = {
  rollback: (guest: string, snapshot: string) => ({
    title: `Roll ${guest} back to ${snapshot}?`,
    confirmLabel: 'Roll back',
    body: (
      <Text as="p">
        The disks return to the state of snapshot <code>{snapshot}</code>:
        everything written since is lost. Without RAM in the snapshot the guest
        is stopped afterwards; start it again.
      </Text>
    ),
  }),
  delete: (_guest: string, snapshot: string) => ({
    title: `Delete snapshot ${snapshot}?`,
    confirmLabel: 'Delete snapshot',
    body: (
      <Text as="p">
        The snapshot is removed for good; the guest itself stays as it is.
      </Text>
    ),
  }),
};

function useSnapshots(cluster: string, vmid: number, load: boolean) {
  const api = useApi(proxmoxApiRef);
  const [snapshots, setSnapshots] = useState<GuestSnapshot[]>();
  const [error, setError] = useState<unknown>();
  const refresh = useCallback(async () => {
    try {
      const items = await api.listSnapshots(cluster, vmid);
      // Proxmox lists the present state as a pseudo-snapshot "current".
      setSnapshots(items.filter(s => s.name !== 'current'));
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }, [api, cluster, vmid]);
  useEffect(() => {
    if (load) refresh();
  }, [load, refresh]);
  return { snapshots, error, refresh };
}

/**
 * The guest's snapshots: take one (name, description, RAM), roll back to
 * one or delete one (both after a confirmation), with the task's progress.
 */
export function SnapshotsCard(props: {
  guest: GuestLiveStatus;
  gate: ActionGate;
  onChanged: () => void;
}) {
  const { guest, gate } = props;
  const api = useApi(proxmoxApiRef);
  const list = useSnapshots(guest.cluster, guest.vmid, gate.enabled);
  const { refresh: refreshList } = list;
  const { onChanged } = props;
  const onEnded = useCallback(
    (_task: GuestTask) => {
      refreshList();
      onChanged();
    },
    [refreshList, onChanged],
  );
  const followed = useGuestTask(guest.cluster, guest.vmid, onEnded);
  const [pending, setPending] = useState<Pending>();
  const [label, setLabel] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  if (!gate.shown) return null;

  const start = async (p: Pending, body?: CreateSnapshotBody) => {
    setBusy(true);
    setError(undefined);
    try {
      let task: GuestTask;
      if (p.op === 'create') {
        task = await api.createSnapshot(guest.cluster, guest.vmid, body!);
        setLabel(`Snapshot ${body!.name}`);
      } else if (p.op === 'rollback') {
        task = await api.rollbackSnapshot(guest.cluster, guest.vmid, p.name);
        setLabel(`Rollback to ${p.name}`);
      } else {
        task = await api.deleteSnapshot(guest.cluster, guest.vmid, p.name);
        setLabel(`Delete snapshot ${p.name}`);
      }
      followed.follow(task);
      setPending(undefined);
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const ask = (p: Pending) => {
    setError(undefined);
    setPending(p);
  };
  const close = () => {
    setPending(undefined);
    setError(undefined);
  };
  const enabled = gate.enabled && !busy && !followed.running;
  const name = guest.name ?? `VMID ${guest.vmid}`;
  const question =
    pending?.op === 'rollback' || pending?.op === 'delete'
      ? QUESTIONS[pending.op](name, pending.name)
      : undefined;
  let listState: 'ready' | 'error' | 'loading' = 'loading';
  if (list.snapshots) listState = 'ready';
  else if (list.error) listState = 'error';

  return (
    <LiveCard title="Snapshots" testId="guest-snapshots" state={listState}>
      <Flex direction="column" gap="3">
        <Flex justify="between" align="center">
          <Text variant="body-small" color="secondary">
            A snapshot keeps the disks (and optionally the RAM) as they are now,
            to roll back to later.
          </Text>
          <Button
            variant="primary"
            isDisabled={!enabled}
            onPress={() => ask({ op: 'create' })}
          >
            Take snapshot
          </Button>
        </Flex>
        {list.error ? (
          <ErrorPanel error={list.error} title="Could not list the snapshots" />
        ) : null}
        {list.snapshots ? (
          <SnapshotsTable
            snapshots={list.snapshots}
            enabled={enabled}
            onRollback={n => ask({ op: 'rollback', name: n })}
            onDelete={n => ask({ op: 'delete', name: n })}
          />
        ) : null}
        {!list.snapshots && !list.error ? (
          <Text as="p" color="secondary">
            Loading the snapshots…
          </Text>
        ) : null}
        <TaskProgress followed={followed} label={label} />
        {error && !pending ? (
          <ActionError error={error} what="change the snapshots" />
        ) : null}
      </Flex>
      {pending?.op === 'create' ? (
        <CreateSnapshotDialog
          guest={guest}
          busy={busy}
          error={error}
          onConfirm={body => start(pending, body)}
          onClose={close}
        />
      ) : null}
      {question && pending ? (
        <ConfirmDialog
          title={question.title}
          confirmLabel={question.confirmLabel}
          what={WHAT[pending.op]}
          destructive
          busy={busy}
          error={error}
          onConfirm={() => start(pending)}
          onClose={close}
        >
          {question.body}
        </ConfirmDialog>
      ) : null}
    </LiveCard>
  );
}
