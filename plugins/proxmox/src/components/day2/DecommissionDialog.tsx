import { useState } from 'react';
import { Text, TextAreaField } from '@backstage/ui';
import type {
  GuestLiveStatus,
  GuestRequestBody,
} from '@mycopod/plugin-proxmox-common';
import { ConfirmDialog } from './ConfirmDialog';

/** Asks before filing a decommission request, with a justification. */
export function DecommissionDialog(props: {
  guest: GuestLiveStatus;
  busy: boolean;
  error?: unknown;
  onConfirm: (body: GuestRequestBody) => void;
  onClose: () => void;
}) {
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
          ...(justification.trim()
            ? { justification: justification.trim() }
            : {}),
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
      <TextAreaField
        label="Justification (optional)"
        value={justification}
        onChange={setJustification}
        rows={3}
      />
    </ConfirmDialog>
  );
}
