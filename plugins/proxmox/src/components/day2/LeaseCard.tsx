import { Flex, Text } from '@backstage/ui';
import type { GuestLiveStatus } from '@mycopod/plugin-proxmox-common';
import { formatTime } from '../common/format';
import { LiveCard } from '../entity/LiveParts';
import { ExtendLeaseDialog } from './ExtendLeaseDialog';
import { RequestAction } from './RequestControls';
import { useGuestRequestDialog } from './useFileGuestRequest';
import type { ActionGate } from './useGuestPermissions';

const STATE_TEXT = {
  active: 'active',
  warned: 'ends soon: the owner group was told',
  expired: 'expired: the guest was shut down',
};

function daysLeft(iso: string): string {
  const ms = new Date(iso).getTime() - Date.now();
  if (Number.isNaN(ms)) return '';
  const days = Math.ceil(ms / 86_400_000);
  if (days < 0) return ` (${-days} day${days === -1 ? '' : 's'} ago)`;
  return ` (in ${days} day${days === 1 ? '' : 's'})`;
}

/** When the guest's lease ends, its state, and an Extend action. */
export function LeaseCard(props: {
  guest: GuestLiveStatus;
  gate: ActionGate;
  onChanged: () => void;
}) {
  const { guest, gate } = props;
  const requests = useGuestRequestDialog<'extend'>(guest, props.onChanged);
  const lease = guest.lease;
  const endsAt = lease?.endsAt ?? guest.leaseEndsAt;
  if (!endsAt && !gate.shown) return null;
  const state = lease?.state ?? 'active';
  return (
    <LiveCard title="Lease" testId="guest-lease-card" state="ready">
      <Flex direction="column" gap="2">
        {endsAt ? (
          <Text as="p">
            Ends{' '}
            <strong data-testid="lease-ends" data-lease-state={state}>
              {formatTime(endsAt)}
            </strong>
            {daysLeft(endsAt)} · {STATE_TEXT[state]}
          </Text>
        ) : (
          <Text as="p" data-testid="lease-ends">
            No lease: the guest runs until it is decommissioned.
          </Text>
        )}
        {lease?.decommissionAt ? (
          <Text as="p" color="danger" data-testid="lease-decommission-at">
            Decommissioned on {formatTime(lease.decommissionAt)} unless the
            lease is extended.
          </Text>
        ) : null}
        <RequestAction
          guest={guest}
          gate={gate}
          filing={requests}
          offered={!!endsAt}
          what="extend the lease"
          onPress={() => requests.open('extend')}
        >
          Extend…
        </RequestAction>
      </Flex>
      {requests.dialog ? (
        <ExtendLeaseDialog
          guest={guest}
          busy={requests.busy}
          error={requests.error}
          onConfirm={requests.submit}
          onClose={requests.close}
        />
      ) : null}
    </LiveCard>
  );
}
