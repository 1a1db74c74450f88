import { useState } from 'react';
import { Checkbox, Text, TextAreaField, TextField } from '@backstage/ui';
import {
  snapshotNameSchema,
  type CreateSnapshotBody,
  type GuestLiveStatus,
} from '@mycopod/plugin-proxmox-common';
import { ConfirmDialog } from './ConfirmDialog';

/** A default snapshot name: `snap-` and the local date and time. */
function defaultName(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `snap-${now.getFullYear()}${p(now.getMonth() + 1)}${p(
    now.getDate(),
  )}-${p(now.getHours())}${p(now.getMinutes())}`;
}

/** Name, description and (running VMs) RAM of a new snapshot. */
export function CreateSnapshotDialog(props: {
  guest: GuestLiveStatus;
  busy: boolean;
  error?: unknown;
  onConfirm: (body: CreateSnapshotBody) => void;
  onClose: () => void;
}) {
  const { guest } = props;
  const [name, setName] = useState(defaultName);
  const [description, setDescription] = useState('');
  const [includeRam, setIncludeRam] = useState(false);
  const [touched, setTouched] = useState(false);
  const ramPossible = guest.type === 'qemu' && guest.status === 'running';
  const check = snapshotNameSchema.safeParse(name.trim());
  const nameError = check.success ? undefined : check.error.issues[0]?.message;

  const submit = () => {
    setTouched(true);
    if (nameError) return;
    props.onConfirm({
      name: name.trim(),
      ...(description.trim() ? { description: description.trim() } : {}),
      includeRam: ramPossible && includeRam,
    });
  };

  return (
    <ConfirmDialog
      title="Take a snapshot"
      confirmLabel="Take snapshot"
      what="take the snapshot"
      busy={props.busy}
      error={props.error}
      onConfirm={submit}
      onClose={props.onClose}
    >
      <TextField
        label="Snapshot name"
        isRequired
        value={name}
        onChange={setName}
        isInvalid={touched && !!nameError}
        description="Letters, digits, _ and -; starts with a letter."
      />
      {touched && nameError ? (
        <Text as="p" color="danger" role="alert">
          Name {nameError}
        </Text>
      ) : null}
      <TextAreaField
        label="Description (optional)"
        value={description}
        onChange={setDescription}
        rows={3}
      />
      {guest.type === 'qemu' ? (
        <Checkbox
          isSelected={ramPossible && includeRam}
          isDisabled={!ramPossible}
          onChange={setIncludeRam}
        >
          Include RAM{ramPossible ? '' : ' (only while the VM runs)'}
        </Checkbox>
      ) : null}
    </ConfirmDialog>
  );
}
