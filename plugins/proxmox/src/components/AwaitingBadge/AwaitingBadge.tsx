import {
  RouterLink,
  useRouteRef,
  type IconElement,
} from '@backstage/frontend-plugin-api';
import { SidebarItem } from '@backstage/core-components';
import DnsIcon from '@material-ui/icons/Dns';
import { requestsRouteRef } from '../../routes';
import { formatCount, useAwaitingCount } from '../common/useAwaitingCount';

function useAwaitingHref(): string {
  const route = useRouteRef(requestsRouteRef);
  return `${route ? route() : '/proxmox/requests'}?view=awaiting-me`;
}

/**
 * Header action of the plugin's pages: how many requests await the
 * signed-in user's decision, linking to that tab. Renders nothing when none.
 */
export function AwaitingApprovalAction() {
  const awaiting = useAwaitingCount();
  const href = useAwaitingHref();
  const count = formatCount(awaiting);
  if (!count) return null;
  return (
    <RouterLink
      href={href}
      data-testid="awaiting-approval-badge"
      aria-label={`${count} awaiting my approval`}
      style={{
        display: 'inline-flex',
        alignItems: 'center',
        gap: 6,
        padding: '2px 10px',
        borderRadius: 12,
        background: '#fff1d6',
        color: '#7a4b00',
        fontWeight: 600,
        textDecoration: 'none',
      }}
    >
      {count} awaiting my approval
    </RouterLink>
  );
}

/**
 * A sidebar item for "VM requests" whose title carries the count of
 * requests awaiting the signed-in user (and the notification dot). For apps
 * with a custom sidebar (`NavContentBlueprint`): take the
 * `page:proxmox/requests` nav item and render this instead.
 */
export function ProxmoxRequestsSidebarItem(props: {
  to?: string;
  icon?: IconElement;
  title?: string;
}) {
  const awaiting = useAwaitingCount();
  const count = formatCount(awaiting);
  const title = props.title ?? 'VM requests';
  const icon = props.icon;
  return (
    <SidebarItem
      icon={icon ? () => icon : DnsIcon}
      to={props.to ?? '/proxmox/requests'}
      text={count ? `${title} (${count})` : title}
      hasNotifications={!!count}
    />
  );
}
