import type { ReactNode } from 'react';
import { Flex, Grid, Text } from '@backstage/ui';
import {
  guestSignalChannel,
  type GuestLiveStatus,
} from '@mycopod/plugin-proxmox-common';
import { useLiveRefresh } from '../common/useLiveRefresh';
import { GuestLiveCard, useGuestLive } from '../entity/GuestStatus';
import { LIVE_REFRESH_MS } from '../entity/useLiveQuery';
import { ChangesCard } from './ChangesCard';
import { DriftCard } from './DriftCard';
import { LeaseCard } from './LeaseCard';
import { PowerCard } from './PowerCard';
import { SnapshotsCard } from './SnapshotsCard';
import { useGuestPermissions } from './useGuestPermissions';

function Columns(props: { left: ReactNode; right?: ReactNode }) {
  return (
    <Grid.Root columns={{ initial: '1', md: '2' }} gap="4">
      <Flex direction="column" gap="4">
        {props.left}
      </Flex>
      <Flex direction="column" gap="4">
        {props.right}
      </Flex>
    </Grid.Root>
  );
}

/**
 * The status card with the snapshots under it, and the actions beside it,
 * each card shown as the guest's permissions allow.
 */
function GuestDay2(props: {
  status: ReactNode;
  guest: GuestLiveStatus;
  onChanged: () => void;
}) {
  const { guest, onChanged } = props;
  const gates = useGuestPermissions(guest);
  return (
    <Columns
      left={
        <>
          {props.status}
          <SnapshotsCard
            guest={guest}
            gate={gates.snapshot}
            onChanged={onChanged}
          />
        </>
      }
      right={
        <>
          <PowerCard guest={guest} gates={gates} onChanged={onChanged} />
          <LeaseCard
            guest={guest}
            gate={gates['extend-lease']}
            onChanged={onChanged}
          />
          <DriftCard
            guest={guest}
            gate={gates.reconcile}
            onChanged={onChanged}
          />
          <ChangesCard guest={guest} gates={gates} onChanged={onChanged} />
        </>
      }
    />
  );
}

/**
 * `entity-content:proxmox/guest`: the Proxmox tab. The live status (loaded
 * once, every 10 s), and what the user may do with the guest: power,
 * console, lease, drift, resize and decommission requests, snapshots.
 */
export function GuestProxmoxContent() {
  const live = useGuestLive();
  const { view, where } = live;
  // A task's progress, a request's end, a lease or drift change: reload at
  // once (the 10 s refresh goes on regardless).
  useLiveRefresh(
    where instanceof Error
      ? undefined
      : guestSignalChannel(where.cluster, where.vmid),
    live.refresh,
    { pollMs: 0 },
  );
  const status = <GuestLiveCard live={live} full />;
  return (
    <Flex direction="column" gap="4" p="4">
      {view.kind === 'ready' ? (
        <GuestDay2
          status={status}
          guest={view.value}
          onChanged={live.refresh}
        />
      ) : (
        <Columns left={status} />
      )}
      <Text as="p" variant="body-small" color="secondary">
        Live from Proxmox through MycoPod, refreshed every{' '}
        {LIVE_REFRESH_MS / 1000} s while this page is visible; nothing of it is
        stored in the catalog.
      </Text>
    </Flex>
  );
}
