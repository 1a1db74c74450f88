import { Flex, Grid, Text } from '@backstage/ui';
import type { GuestLiveStatus } from '@mycopod/plugin-proxmox-common';
import { GuestLiveCard, useGuestLive } from '../entity/GuestStatus';
import { LIVE_REFRESH_MS } from '../entity/useLiveQuery';
import { ChangesCard } from './ChangesCard';
import { DriftCard } from './DriftCard';
import { LeaseCard } from './LeaseCard';
import { PowerCard } from './PowerCard';
import { SnapshotsCard } from './SnapshotsCard';
import { useGuestPermissions } from './useGuestPermissions';

/** The day-2 cards of a guest, each shown as its permission allows. */
function Day2Cards(props: { guest: GuestLiveStatus; onChanged: () => void }) {
  const { guest, onChanged } = props;
  const gates = useGuestPermissions(guest);
  return (
    <>
      <PowerCard guest={guest} gates={gates} onChanged={onChanged} />
      <LeaseCard
        guest={guest}
        gate={gates['extend-lease']}
        onChanged={onChanged}
      />
      <DriftCard guest={guest} gate={gates.reconcile} onChanged={onChanged} />
      <ChangesCard guest={guest} gates={gates} onChanged={onChanged} />
      <SnapshotsCard
        guest={guest}
        gate={gates.snapshot}
        onChanged={onChanged}
      />
    </>
  );
}

/**
 * `entity-content:proxmox/guest`: the Proxmox tab. The live status (loaded
 * once, every 10 s), and what the user may do with the guest: power,
 * console, lease, drift, resize and decommission requests, snapshots.
 */
export function GuestProxmoxContent() {
  const live = useGuestLive();
  const { view } = live;
  return (
    <Flex direction="column" gap="4" p="4">
      <Grid.Root columns={{ initial: '1', md: '2' }} gap="4">
        <Flex direction="column" gap="4">
          <GuestLiveCard live={live} full />
        </Flex>
        <Flex direction="column" gap="4">
          {view.kind === 'ready' ? (
            <Day2Cards guest={view.value} onChanged={live.refresh} />
          ) : null}
        </Flex>
      </Grid.Root>
      <Text as="p" variant="body-small" color="secondary">
        Live from Proxmox through MycoPod, refreshed every{' '}
        {LIVE_REFRESH_MS / 1000} s while this page is visible; nothing of it is
        stored in the catalog.
      </Text>
    </Flex>
  );
}
