import { useEffect, useState } from 'react';
import {
  Button,
  Dialog,
  DialogBody,
  DialogFooter,
  DialogHeader,
  Flex,
  Text,
  TextAreaField,
} from '@backstage/ui';
import { ErrorPanel } from '../common/ErrorPanel';

export type Decision = 'approve' | 'reject' | 'cancel';

const COPY: Record<
  Decision,
  { title: string; confirm: string; label: string; hint: string }
> = {
  approve: {
    title: 'Approve this request',
    confirm: 'Confirm approval',
    label: 'Comment (optional)',
    hint: 'The requester sees your comment. Policy and quota are checked again.',
  },
  reject: {
    title: 'Reject this request',
    confirm: 'Confirm rejection',
    label: 'Reason',
    hint: 'Required: the requester is told why.',
  },
  cancel: {
    title: 'Cancel this request',
    confirm: 'Confirm cancellation',
    label: 'Comment (optional)',
    hint: 'A queued provisioning job is cancelled with it.',
  },
};

/** Asks for the comment of a decision; reject requires one. */
export function DecisionDialog(props: {
  decision?: Decision;
  busy: boolean;
  error?: unknown;
  onConfirm: (decision: Decision, comment: string) => void;
  onClose: () => void;
}) {
  const { decision } = props;
  const [comment, setComment] = useState('');
  const [touched, setTouched] = useState(false);
  useEffect(() => {
    setComment('');
    setTouched(false);
  }, [decision]);
  if (!decision) return null;
  const copy = COPY[decision];
  const missing = decision === 'reject' && comment.trim() === '';
  const submit = () => {
    setTouched(true);
    if (missing) return;
    props.onConfirm(decision, comment);
  };
  return (
    <Dialog
      isOpen
      onOpenChange={open => {
        if (!open) props.onClose();
      }}
    >
      <DialogHeader>{copy.title}</DialogHeader>
      <DialogBody>
        <Flex direction="column" gap="3">
          <Text as="p" variant="body-small">
            {copy.hint}
          </Text>
          <TextAreaField
            label={copy.label}
            isRequired={decision === 'reject'}
            value={comment}
            onChange={setComment}
            rows={4}
            isInvalid={touched && missing}
          />
          {touched && missing ? (
            <Text as="p" color="danger" role="alert">
              Say why the request is rejected.
            </Text>
          ) : null}
          {props.error ? (
            <ErrorPanel error={props.error} title="The backend refused" />
          ) : null}
        </Flex>
      </DialogBody>
      <DialogFooter>
        <Flex gap="2" justify="end">
          <Button variant="secondary" onPress={props.onClose}>
            Close
          </Button>
          <Button
            variant="primary"
            destructive={decision !== 'approve'}
            isPending={props.busy}
            onPress={submit}
          >
            {copy.confirm}
          </Button>
        </Flex>
      </DialogFooter>
    </Dialog>
  );
}
