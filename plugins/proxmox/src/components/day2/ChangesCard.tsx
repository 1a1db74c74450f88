import { useState } from 'react';
import { Button, Flex, Text } from '@backstage/ui';
import type {
  GuestLiveStatus,
  GuestRequestBody,
} from '@mycopod/plugin-proxmox-common';
import { LiveCard } from '../entity/LiveParts';
import { ActionError } from './ActionError';
import { DecommissionDialog } from './DecommissionDialog';
import { FiledRequest } from './FiledRequest';
import { OpenRequestNote, OpenRequests, hasOpenRequest } from './OpenRequests';
import { ResizeDialog } from './ResizeDialog';
import { useFileGuestRequest } from './useFileGuestRequest';
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
  const requests = useFileGuestRequest(guest);
  const [dialog, setDialog] = useState<'resize' | 'decommission'>();
  const resize = gates.resize;
  const decommission = gates.decommission;
  const blocked = hasOpenRequest(guest);
  if (!resize.shown && !decommission.shown && !guest.openRequests?.length) {
    return null;
  }
  const open = (d: 'resize' | 'decommission') => {
    requests.clearError();
    setDialog(d);
  };
  const file = async (body: GuestRequestBody) => {
    if (await requests.file(body)) {
      setDialog(undefined);
      props.onChanged();
    }
  };
  const close = () => {
    requests.clearError();
    setDialog(undefined);
  };
  return (
    <LiveCard title="Change this guest" testId="guest-changes" state="ready">
      <Flex direction="column" gap="3">
        <Text variant="body-small" color="secondary">
          Resizing and decommissioning are requests: an approver decides, then
          MycoPod carries them out.
        </Text>
        <Flex gap="2">
          {resize.shown ? (
            <Button
              variant="secondary"
              isDisabled={!resize.enabled || blocked || requests.busy}
              onPress={() => open('resize')}
            >
              Resize…
            </Button>
          ) : null}
          {decommission.shown ? (
            <Button
              variant="secondary"
              destructive
              isDisabled={!decommission.enabled || blocked || requests.busy}
              onPress={() => open('decommission')}
            >
              Decommission…
            </Button>
          ) : null}
        </Flex>
        {requests.filed ? <FiledRequest request={requests.filed} /> : null}
        {requests.error && !dialog ? (
          <ActionError
            error={requests.error}
            what="file the request"
            context="request"
          />
        ) : null}
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
          onConfirm={file}
          onClose={close}
        />
      ) : null}
      {dialog === 'decommission' ? (
        <DecommissionDialog
          guest={guest}
          busy={requests.busy}
          error={requests.error}
          onConfirm={file}
          onClose={close}
        />
      ) : null}
    </LiveCard>
  );
}
