import { useCallback, type ReactNode } from 'react';
import { RouterLink, useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import { Flex, Text } from '@backstage/ui';
import type { GuestLiveStatus } from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../../api';
import { formatMiB, formatTime, shortRef } from '../common/format';
import { useRequestPath } from '../RequestsPage/RequestsTable';
import {
  guestAnnotations,
  nodeRefNear,
  type EntityLike,
  type GuestAnnotations,
} from './annotations';
import {
  Facts,
  LiveCard,
  LiveError,
  StaleNotice,
  UsageBar,
  formatClock,
  formatGiB,
  formatPercent,
  formatUptime,
  liveView,
  type LiveView,
} from './LiveParts';
import { LIVE_REFRESH_MS, useLiveQuery } from './useLiveQuery';

const GUEST_ERRORS = {
  forbidden: "You may not see this guest's live status",
  notFound:
    'Proxmox does not know this guest (any more): it may have been deleted, or its cluster is not configured',
};

const POWER_COLORS: Record<string, { fg: string; bg: string }> = {
  running: { fg: '#176b2c', bg: '#dcf5e3' },
  stopped: { fg: '#555', bg: '#eee' },
  paused: { fg: '#7a4b00', bg: '#fff1d6' },
  suspended: { fg: '#7a4b00', bg: '#fff1d6' },
};

/** `running`, `stopped`, … as a coloured label; its text is the state. */
function PowerState(props: { status: string; lock?: string }) {
  const c = POWER_COLORS[props.status] ?? { fg: '#8a1c1c', bg: '#fbe0e0' };
  return (
    <span>
      <span
        data-testid="guest-power-state"
        data-status={props.status}
        style={{
          display: 'inline-block',
          padding: '2px 8px',
          borderRadius: 10,
          fontWeight: 600,
          color: c.fg,
          background: c.bg,
        }}
      >
        {props.status}
      </span>
      {props.lock ? (
        <Text variant="body-small" color="warning" data-testid="guest-lock">
          {' '}
          locked: {props.lock}
        </Text>
      ) : null}
    </span>
  );
}

function IpAddresses(props: { guest: GuestLiveStatus }) {
  const { guest } = props;
  let empty = 'None reported';
  if (guest.status !== 'running') empty = 'None while the guest is not running';
  else if (guest.type === 'qemu' && guest.agent === 'unavailable') {
    empty = 'Unknown: the QEMU guest agent does not answer';
  }
  return (
    <div data-testid="guest-ip-addresses">
      {guest.ipAddresses.length ? (
        <ul style={{ margin: 0, paddingLeft: 0, listStyle: 'none' }}>
          {guest.ipAddresses.map(ip => (
            <li key={ip}>
              <code>{ip}</code>
            </li>
          ))}
        </ul>
      ) : (
        <Text variant="body-small" color="secondary">
          {empty}
        </Text>
      )}
    </div>
  );
}

function leaseText(iso: string | undefined): string {
  if (!iso) return 'No lease';
  const end = new Date(iso).getTime();
  if (Number.isNaN(end)) return iso;
  const days = Math.ceil((end - Date.now()) / 86_400_000);
  if (days < 0) return `${formatTime(iso)} (expired)`;
  return `${formatTime(iso)} (in ${days} day${days === 1 ? '' : 's'})`;
}

function GuestFacts(props: {
  entity: EntityLike;
  where: GuestAnnotations;
  guest: GuestLiveStatus;
  full: boolean;
}) {
  const { entity, where, guest, full } = props;
  const requestPath = useRequestPath();
  const requestId = where.requestId ?? guest.requestId;
  const cpuUsed =
    guest.cpuUsage !== undefined && guest.cpus
      ? guest.cpuUsage * guest.cpus
      : undefined;
  const rows: Array<[string, ReactNode, string?]> = [
    ['Power', <PowerState status={guest.status} lock={guest.lock} />],
    ['Uptime', formatUptime(guest.uptimeSeconds), 'guest-uptime'],
    ['IP addresses', <IpAddresses guest={guest} />],
    [
      'Node',
      <EntityRefLink
        entityRef={nodeRefNear(entity, guest.cluster, guest.node)}
        data-entity-ref={nodeRefNear(entity, guest.cluster, guest.node)}
      >
        {guest.node}
      </EntityRefLink>,
      'guest-node',
    ],
    ['Lease ends', leaseText(guest.leaseEndsAt), 'guest-lease'],
    [
      'Created by',
      requestId ? (
        <RouterLink href={requestPath(requestId)}>
          request {requestId}
        </RouterLink>
      ) : (
        'No MycoPod request (created outside MycoPod)'
      ),
      'guest-request',
    ],
  ];
  if (full) {
    rows.push(
      ['Cluster', guest.cluster],
      ['VMID', String(guest.vmid)],
      [
        'Type',
        guest.type === 'qemu' ? 'Virtual machine (QEMU)' : 'Container (LXC)',
      ],
      ['Name in Proxmox', guest.name ?? '–'],
      ['Disk', formatGiB(guest.diskMaxGiB), 'guest-disk'],
      [
        'Guest agent',
        guest.agent === 'ok' ? 'answers' : 'does not answer',
        'guest-agent',
      ],
      ['Owner', shortRef(guest.owner)],
    );
  }
  return (
    <>
      <Facts rows={rows} />
      <UsageBar
        label="CPU"
        used={cpuUsed}
        total={guest.cpus}
        format={n => `${n === undefined ? '–' : +n.toFixed(2)} vCPU`}
        text={
          guest.cpuUsage === undefined
            ? 'unknown'
            : `${formatPercent(guest.cpuUsage)} of ${guest.cpus ?? '?'} vCPU`
        }
        testId="guest-cpu"
      />
      <UsageBar
        label="Memory"
        used={guest.memoryUsedMiB}
        total={guest.memoryMaxMiB}
        format={formatMiB}
        testId="guest-memory"
      />
    </>
  );
}

/** The live status of the current entity's guest, loaded once per page. */
export interface GuestLive {
  entity: EntityLike;
  where: GuestAnnotations | Error;
  view: LiveView<GuestLiveStatus>;
  updatedAt?: number;
  /** Loads again now (after an action). */
  refresh: () => void;
}

/**
 * Loads the live status of the guest of the current entity, again every
 * 10 s while the page is visible.
 */
export function useGuestLive(refreshMs: number = LIVE_REFRESH_MS): GuestLive {
  const { entity } = useEntity();
  const api = useApi(proxmoxApiRef);
  const where = guestAnnotations(entity);
  const cluster = where instanceof Error ? '' : where.cluster;
  const vmid = where instanceof Error ? 0 : where.vmid;
  const load = useCallback(
    () => api.getGuest(cluster, vmid),
    [api, cluster, vmid],
  );
  const key = cluster ? `${cluster}/${vmid}` : undefined;
  const state = useLiveQuery(key, load, refreshMs);
  return {
    entity,
    where,
    view: liveView(where, state),
    updatedAt: state.updatedAt,
    refresh: state.refresh,
  };
}

/** The live status card; `full` adds the facts of the Proxmox tab. */
export function GuestLiveCard(props: { live: GuestLive; full?: boolean }) {
  const { entity, where, view, updatedAt } = props.live;
  const subtitle =
    where instanceof Error
      ? undefined
      : `${where.cluster} · VMID ${where.vmid}${
          updatedAt ? ` · updated ${formatClock(updatedAt)}` : ''
        }`;
  let body;
  if (view.kind === 'error') {
    body = <LiveError error={view.error} texts={GUEST_ERRORS} />;
  } else if (view.kind === 'loading') {
    body = (
      <Text as="p" color="secondary">
        Loading the live status…
      </Text>
    );
  } else {
    body = (
      <Flex direction="column" gap="2">
        <GuestFacts
          entity={entity}
          where={where as GuestAnnotations}
          guest={view.value}
          full={!!props.full}
        />
        {view.staleError ? (
          <StaleNotice error={view.staleError} updatedAt={updatedAt} />
        ) : null}
      </Flex>
    );
  }
  return (
    <LiveCard
      state={view.kind}
      title={props.full ? 'Proxmox guest' : 'Proxmox live status'}
      subtitle={subtitle}
      testId="guest-live-status"
    >
      {body}
    </LiveCard>
  );
}

/** `entity-card:proxmox/guest-status`: the overview card. */
export function GuestStatusCard() {
  const live = useGuestLive();
  return <GuestLiveCard live={live} />;
}
