import { useState } from 'react';
import { Flex, Text, TextField } from '@backstage/ui';
import type {
  GuestLiveStatus,
  GuestRequestBody,
} from '@mycopod/plugin-proxmox-common';
import { formatMiB } from '../common/format';
import { ConfirmDialog } from './ConfirmDialog';
import {
  type GuestRequestDialogProps,
  JustificationField,
  withJustification,
} from './RequestControls';

type Field = 'cores' | 'memoryMiB' | 'diskGiB';

interface Draft {
  cores: string;
  memoryMiB: string;
  diskGiB: string;
  justification: string;
}

const str = (n: number | undefined) => (n === undefined ? '' : String(n));

/**
 * The fields of a resize that differ from the guest now, or what is wrong
 * with the input: whole numbers within the limits, a disk that only grows,
 * at least one change.
 */
export function resizeBody(
  guest: GuestLiveStatus,
  draft: Draft,
): {
  body?: GuestRequestBody;
  errors: Partial<Record<Field | 'form', string>>;
} {
  const errors: Partial<Record<Field | 'form', string>> = {};
  const current: Record<Field, number | undefined> = {
    cores: guest.cpus,
    memoryMiB: guest.memoryMaxMiB,
    diskGiB: guest.diskMaxGiB,
  };
  const limits: Record<Field, [number, number]> = {
    cores: [1, 128],
    memoryMiB: [512, 1_048_576],
    diskGiB: [1, 65_536],
  };
  const changed: Partial<Record<Field, number>> = {};
  for (const field of ['cores', 'memoryMiB', 'diskGiB'] as Field[]) {
    const raw = draft[field].trim();
    if (raw === '' || raw === str(current[field])) continue;
    if (!/^\d+$/.test(raw)) {
      errors[field] = 'a whole number';
      continue;
    }
    const n = Number(raw);
    const [min, max] = limits[field];
    if (n < min || n > max) {
      errors[field] = `between ${min} and ${max}`;
    } else if (
      field === 'diskGiB' &&
      current.diskGiB !== undefined &&
      n < current.diskGiB
    ) {
      errors[field] = `a disk only grows: at least ${current.diskGiB} GiB`;
    } else if (n !== current[field]) {
      changed[field] = n;
    }
  }
  if (Object.keys(errors).length) return { errors };
  if (Object.keys(changed).length === 0) {
    return { errors: { form: 'Change the cores, the memory or the disk.' } };
  }
  return {
    errors,
    body: {
      kind: 'resize',
      ...changed,
      ...withJustification(draft.justification),
    },
  };
}

/** Cores, memory and a grow-only disk for a resize request. */
export function ResizeDialog(props: GuestRequestDialogProps) {
  const { guest } = props;
  const [draft, setDraft] = useState<Draft>({
    cores: str(guest.cpus),
    memoryMiB: str(guest.memoryMaxMiB),
    diskGiB: str(guest.diskMaxGiB),
    justification: '',
  });
  const [touched, setTouched] = useState(false);
  const { body, errors } = resizeBody(guest, draft);
  const set = (key: keyof Draft) => (value: string) =>
    setDraft(d => ({ ...d, [key]: value }));
  const submit = () => {
    setTouched(true);
    if (body) props.onConfirm(body);
  };
  const shown = (field: Field | 'form') =>
    touched ? errors[field] : undefined;
  const memory = Number(draft.memoryMiB);
  const fields: Array<[Field, string, string]> = [
    ['cores', 'Cores', `now ${guest.cpus ?? '?'}`],
    [
      'memoryMiB',
      'Memory (MiB)',
      `now ${formatMiB(guest.memoryMaxMiB)}${
        Number.isFinite(memory) && memory > 0
          ? `; new ${formatMiB(memory)}`
          : ''
      }`,
    ],
    [
      'diskGiB',
      'Disk (GiB)',
      `now ${guest.diskMaxGiB ?? '?'} GiB; it can only grow`,
    ],
  ];
  return (
    <ConfirmDialog
      title={`Resize ${guest.name ?? `VMID ${guest.vmid}`}`}
      confirmLabel="Request resize"
      what="file the resize request"
      context="request"
      busy={props.busy}
      error={props.error}
      onConfirm={submit}
      onClose={props.onClose}
    >
      <Text as="p" variant="body-small">
        A resize is a request: an approver checks it against the policy and
        quota, then MycoPod applies it. Changing CPU or memory may need a
        reboot; the filed request says so.
      </Text>
      <Flex direction="column" gap="2">
        {fields.map(([field, label, description]) => (
          <div key={field}>
            <TextField
              label={label}
              value={draft[field]}
              onChange={set(field)}
              inputMode="numeric"
              description={description}
              isInvalid={!!shown(field)}
            />
            {shown(field) ? (
              <Text as="p" variant="body-small" color="danger" role="alert">
                {label}: {shown(field)}
              </Text>
            ) : null}
          </div>
        ))}
      </Flex>
      <JustificationField
        value={draft.justification}
        onChange={set('justification')}
        rows={3}
      />
      {shown('form') ? (
        <Text as="p" color="danger" role="alert">
          {shown('form')}
        </Text>
      ) : null}
    </ConfirmDialog>
  );
}
