import { useState } from 'react';
import { Text, TextField } from '@backstage/ui';
import { formatTime } from '../common/format';
import { ConfirmDialog } from './ConfirmDialog';
import {
  type GuestRequestDialogProps,
  JustificationField,
  withJustification,
} from './RequestControls';

const DAY_MS = 86_400_000;

/** How many days to add to the lease, and why. */
export function ExtendLeaseDialog(props: GuestRequestDialogProps) {
  const { guest } = props;
  const [days, setDays] = useState('30');
  const [justification, setJustification] = useState('');
  const [touched, setTouched] = useState(false);
  const valid = /^\d+$/.test(days.trim()) && +days >= 1 && +days <= 3650;
  const endsAt = guest.lease?.endsAt ?? guest.leaseEndsAt;
  // An expired lease restarts from now; an active one is extended.
  const base = Math.max(
    endsAt ? new Date(endsAt).getTime() || Date.now() : Date.now(),
    Date.now(),
  );
  const newEnd = valid
    ? formatTime(new Date(base + Number(days) * DAY_MS).toISOString())
    : undefined;
  const submit = () => {
    setTouched(true);
    if (!valid) return;
    props.onConfirm({
      kind: 'extend-lease',
      days: Number(days),
      ...withJustification(justification),
    });
  };
  return (
    <ConfirmDialog
      title="Extend the lease"
      confirmLabel="Extend lease"
      what="extend the lease"
      context="request"
      busy={props.busy}
      error={props.error}
      onConfirm={submit}
      onClose={props.onClose}
    >
      <Text as="p" variant="body-small">
        Within the policy's maximum an extension is approved at once; a longer
        one waits for an approver.
      </Text>
      <TextField
        label="Days to add"
        value={days}
        onChange={setDays}
        inputMode="numeric"
        isInvalid={touched && !valid}
        description={newEnd ? `New end about ${newEnd}` : undefined}
      />
      {touched && !valid ? (
        <Text as="p" variant="body-small" color="danger" role="alert">
          Days: a whole number from 1 to 3650
        </Text>
      ) : null}
      <JustificationField
        value={justification}
        onChange={setJustification}
        rows={2}
      />
    </ConfirmDialog>
  );
}
