import type { ReactNode } from 'react';
import {
  Button,
  Dialog,
  DialogBody,
  DialogFooter,
  DialogHeader,
  Flex,
} from '@backstage/ui';
import { ActionError } from './ActionError';
import type { ActionContext } from './actionError';

/**
 * A dialog that asks before an action (and holds its form, if any): the
 * action runs on the confirm button; the backend's refusal shows inside.
 */
export function ConfirmDialog(props: {
  title: string;
  confirmLabel: string;
  /** For the error's title: "roll back", "file the request"… */
  what: string;
  /** Filing a request (409: an open request) or a task (409: busy). */
  context?: ActionContext;
  destructive?: boolean;
  busy?: boolean;
  error?: unknown;
  /** A form's own check failed: the confirm button does nothing. */
  confirmDisabled?: boolean;
  onConfirm: () => void;
  onClose: () => void;
  children?: ReactNode;
}) {
  return (
    <Dialog
      isOpen
      onOpenChange={open => {
        if (!open) props.onClose();
      }}
    >
      <DialogHeader>{props.title}</DialogHeader>
      <DialogBody>
        <Flex direction="column" gap="3">
          {props.children}
          {props.error ? (
            <ActionError
              error={props.error}
              what={props.what}
              context={props.context}
            />
          ) : null}
        </Flex>
      </DialogBody>
      <DialogFooter>
        <Flex gap="2" justify="end">
          <Button variant="secondary" onPress={props.onClose}>
            Cancel
          </Button>
          <Button
            variant="primary"
            destructive={props.destructive}
            isPending={props.busy}
            isDisabled={props.confirmDisabled}
            onPress={props.onConfirm}
          >
            {props.confirmLabel}
          </Button>
        </Flex>
      </DialogFooter>
    </Dialog>
  );
}
