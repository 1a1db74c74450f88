import { RouterLink } from '@backstage/frontend-plugin-api';
import { Text } from '@backstage/ui';
import type { GuestLiveStatus } from '@mycopod/plugin-proxmox-common';
import { StateBadge } from '../common/StateBadge';
import { useRequestPath } from '../RequestsPage/RequestsTable';
import { KIND_LABELS } from './kinds';

/** Day-2 requests on the guest that are not finished yet. */
export function OpenRequests(props: { guest: GuestLiveStatus }) {
  const pathOf = useRequestPath();
  const open = props.guest.openRequests ?? [];
  if (open.length === 0) return null;
  return (
    <div data-testid="open-requests">
      <Text as="h3" variant="body-medium" weight="bold">
        Open requests on this guest
      </Text>
      <ul style={{ margin: 0, paddingLeft: 18 }}>
        {open.map(r => (
          <li key={r.id} data-kind={r.kind}>
            <RouterLink href={pathOf(r.id)}>
              {KIND_LABELS[r.kind] ?? r.kind}
            </RouterLink>{' '}
            <StateBadge state={r.state} />
          </li>
        ))}
      </ul>
    </div>
  );
}

/** True while a day-2 request on the guest is open: it takes one at a time. */
export function hasOpenRequest(guest: GuestLiveStatus): boolean {
  return (guest.openRequests?.length ?? 0) > 0;
}

/** Why the request buttons are disabled while a request is open. */
export function OpenRequestNote(props: { guest: GuestLiveStatus }) {
  const open = props.guest.openRequests?.[0];
  if (!open) return null;
  return (
    <Text
      as="p"
      variant="body-small"
      color="secondary"
      data-testid="open-request-note"
    >
      One request at a time: the open {KIND_LABELS[open.kind] ?? open.kind}{' '}
      request ({open.state}) must finish or be cancelled first.
    </Text>
  );
}
