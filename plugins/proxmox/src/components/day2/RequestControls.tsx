import type { ReactNode } from 'react';
import { Button, Flex, TextAreaField } from '@backstage/ui';
import type {
  GuestLiveStatus,
  GuestRequestBody,
  ProxmoxRequest,
} from '@mycopod/plugin-proxmox-common';
import { ActionError } from './ActionError';
import { FiledRequest } from './FiledRequest';
import { OpenRequestNote, hasOpenRequest } from './OpenRequests';
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

/** A request being filed from a dialog (see `useGuestRequestDialog`). */
export interface Filing {
  busy: boolean;
  filed?: ProxmoxRequest;
  error?: unknown;
  /** The open dialog, if any. */
  dialog?: string;
}

/** What came of filing: the filed request, or the error once its dialog closed. */
export function FilingOutcome(props: {
  filing: Filing;
  /** For the error's title: "file the request", "extend the lease"… */
  what: string;
}) {
  const { filed, error, dialog } = props.filing;
  return (
    <>
      {filed ? <FiledRequest request={filed} /> : null}
      {error && !dialog ? (
        <ActionError error={error} what={props.what} context="request" />
      ) : null}
    </>
  );
}

/**
 * A card's one request action: its button while `offered`, why it is
 * disabled while a request is open, and what came of filing.
 */
export function RequestAction(props: {
  guest: GuestLiveStatus;
  gate: ActionGate;
  filing: Filing;
  offered: boolean;
  what: string;
  onPress: () => void;
  children: ReactNode;
}) {
  const { guest, gate, filing } = props;
  return (
    <>
      {gate.shown && props.offered ? (
        <Flex>
          <RequestButton
            guest={guest}
            gate={gate}
            busy={filing.busy}
            onPress={props.onPress}
          >
            {props.children}
          </RequestButton>
        </Flex>
      ) : null}
      {gate.shown ? <OpenRequestNote guest={guest} /> : null}
      <FilingOutcome filing={filing} what={props.what} />
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
