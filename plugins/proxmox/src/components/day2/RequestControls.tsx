import type { ReactNode } from 'react';
import { Button, TextAreaField } from '@backstage/ui';
import type {
  GuestLiveStatus,
  GuestRequestBody,
  ProxmoxRequest,
} from '@mycopod/plugin-proxmox-common';
import { ActionError } from './ActionError';
import { FiledRequest } from './FiledRequest';
import { hasOpenRequest } from './OpenRequests';
import type { ActionGate } from './useGuestPermissions';

/**
 * A card's button that opens a request dialog: shown by its gate, disabled
 * unless allowed, while a request is open on the guest, or while filing.
 */
export function RequestButton(props: {
  guest: GuestLiveStatus;
  gate: ActionGate;
  busy: boolean;
  destructive?: boolean;
  onPress: () => void;
  children: ReactNode;
}) {
  if (!props.gate.shown) return null;
  return (
    <Button
      variant="secondary"
      destructive={props.destructive}
      isDisabled={
        !props.gate.enabled || hasOpenRequest(props.guest) || props.busy
      }
      onPress={props.onPress}
    >
      {props.children}
    </Button>
  );
}

/** What came of filing: the filed request, or the error once its dialog closed. */
export function FilingOutcome(props: {
  filed?: ProxmoxRequest;
  error?: unknown;
  dialogOpen: boolean;
  /** For the error's title: "file the request", "extend the lease"… */
  what: string;
}) {
  return (
    <>
      {props.filed ? <FiledRequest request={props.filed} /> : null}
      {props.error && !props.dialogOpen ? (
        <ActionError error={props.error} what={props.what} context="request" />
      ) : null}
    </>
  );
}

/** The props of a dialog that asks for a day-2 request of a guest. */
export interface GuestRequestDialogProps {
  guest: GuestLiveStatus;
  busy: boolean;
  error?: unknown;
  onConfirm: (body: GuestRequestBody) => void;
  onClose: () => void;
}

/** The optional justification of a request. */
export function JustificationField(props: {
  value: string;
  onChange: (value: string) => void;
  rows: number;
}) {
  return (
    <TextAreaField
      label="Justification (optional)"
      value={props.value}
      onChange={props.onChange}
      rows={props.rows}
    />
  );
}

/** The justification field of a request body, left out when blank. */
export function withJustification(text: string): { justification?: string } {
  const justification = text.trim();
  return justification ? { justification } : {};
}
