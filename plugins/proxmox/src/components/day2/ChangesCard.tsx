import { Flex, Text } from '@backstage/ui';
import type { GuestLiveStatus } from '@mycopod/plugin-proxmox-common';
import { LiveCard } from '../entity/LiveParts';
import { DecommissionDialog } from './DecommissionDialog';
import { OpenRequestNote, OpenRequests } from './OpenRequests';
import { FilingOutcome, RequestButton } from './RequestControls';
import { ResizeDialog } from './ResizeDialog';
import { useGuestRequestDialog } from './useFileGuestRequest';
import type { GuestGates } from './useGuestPermissions';

/**
 * Requests that change the guest: resize and decommission (each a dialog
 * that files the request and then links to it), and the open ones.
 */
export function ChangesCard(props: {
  guest: GuestLiveStatus;
  gates: GuestGates;
  onChanged: () => void;
}) {
  const { guest, gates } = props;
  const requests = useGuestRequestDialog<'resize' | 'decommission'>(
    guest,
    props.onChanged,
  );
  const { dialog } = requests;
  const resize = gates.resize;
  const decommission = gates.decommission;
  if (!resize.shown && !decommission.shown && !guest.openRequests?.length) {
    return null;
  }
  return (
    <LiveCard title="Change this guest" testId="guest-changes" state="ready">
      <Flex direction="column" gap="3">
        <Text variant="body-small" color="secondary">
          Resizing and decommissioning are requests: an approver decides, then
          MycoPod carries them out.
        </Text>
        <Flex gap="2">
          <RequestButton
            guest={guest}
            gate={resize}
            busy={requests.busy}
            onPress={() => requests.open('resize')}
          >
            Resize…
          </RequestButton>
          <RequestButton
            guest={guest}
            gate={decommission}
            busy={requests.busy}
            destructive
            onPress={() => requests.open('decommission')}
          >
            Decommission…
          </RequestButton>
        </Flex>
        <FilingOutcome filing={requests} what="file the request" />
        <OpenRequests guest={guest} />
        {resize.shown || decommission.shown ? (
          <OpenRequestNote guest={guest} />
        ) : null}
      </Flex>
      {dialog === 'resize' ? (
        <ResizeDialog
          guest={guest}
          busy={requests.busy}
          error={requests.error}
          onConfirm={requests.submit}
          onClose={requests.close}
        />
      ) : null}
      {dialog === 'decommission' ? (
        <DecommissionDialog
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
