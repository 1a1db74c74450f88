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
