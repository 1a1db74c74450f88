import { useState } from 'react';
import { Text } from '@backstage/ui';
import { ConfirmDialog } from './ConfirmDialog';
import {
  type GuestRequestDialogProps,
  JustificationField,
  withJustification,
} from './RequestControls';

/** Asks before filing a decommission request, with a justification. */
export function DecommissionDialog(props: GuestRequestDialogProps) {
  const { guest } = props;
  const [justification, setJustification] = useState('');
  const name = guest.name ?? `VMID ${guest.vmid}`;
  return (
    <ConfirmDialog
      title={`Decommission ${name}?`}
      confirmLabel="Request decommission"
      what="file the decommission request"
      context="request"
      destructive
      busy={props.busy}
      error={props.error}
      onConfirm={() =>
        props.onConfirm({
          kind: 'decommission',
          ...withJustification(justification),
        })
      }
      onClose={props.onClose}
    >
      <Text as="p">
        Once approved, MycoPod stops {name} (VMID {guest.vmid} on{' '}
        {guest.cluster}), destroys it with its disks and snapshots, and releases
        its VMID and address. Its catalog entity goes away. This cannot be
        undone.
      </Text>
      <JustificationField
        value={justification}
        onChange={setJustification}
        rows={3}
      />
    </ConfirmDialog>
  );
}
