import type { CSSProperties } from 'react';
import { RouterLink } from '@backstage/frontend-plugin-api';
import { Flex, Text } from '@backstage/ui';
import type { ProxmoxRequest } from '@mycopod/plugin-proxmox-common';
import { guestCatalogPath } from '../common/format';
import { Section } from '../RequestPage/Sections';
import { useRequestPath } from '../RequestsPage/RequestsTable';
import { changeRows, formatFieldValue } from './formatChange';
import { KIND_LABELS } from './kinds';

const cell: CSSProperties = { padding: '4px 12px 4px 0', textAlign: 'left' };

/** True once a decommission has removed its guest. */
function guestGone(request: ProxmoxRequest): boolean {
  return (
    request.kind === 'decommission' &&
    (request.state === 'ready' || request.state === 'decommissioned')
  );
}

/** The guest a day-2 request acts on, linked to its catalog entity. */
function TargetLine(props: { request: ProxmoxRequest }) {
  const { request } = props;
  const requestPath = useRequestPath();
  const target = request.target ?? request.guest;
  if (!target || target.vmid === undefined) {
    return (
      <Text as="p" color="secondary">
        The request names no guest.
      </Text>
    );
  }
  const label = `${request.spec.name} (${target.cluster}, VMID ${target.vmid}${
    target.node ? ` on ${target.node}` : ''
  })`;
  const createdBy = request.target?.createRequestId;
  return (
    <Text as="p" data-testid="request-target">
      Guest:{' '}
      {guestGone(request) ? (
        <>{label} — removed, with its catalog entity</>
      ) : (
        <RouterLink
          href={guestCatalogPath(target.cluster, target.vmid)}
          data-testid="target-link"
        >
          {label}
        </RouterLink>
      )}
      {createdBy ? (
        <>
          {' · declared by '}
          <RouterLink href={requestPath(createdBy)}>
            its create request
          </RouterLink>
        </>
      ) : null}
    </Text>
  );
}

/**
 * What a day-2 request changes: the target guest (a link to its entity)
 * and each field old → new, e.g. "Memory 4 GiB → 8 GiB".
 */
export function RequestChangeSection(props: { request: ProxmoxRequest }) {
  const { request } = props;
  const { change } = request;
  const rows = changeRows(change);
  const before = change?.before ?? {};
  return (
    <Section
      title={`${KIND_LABELS[request.kind]}: the change`}
      testId="request-change"
    >
      <Flex direction="column" gap="2">
        <TargetLine request={request} />
        {rows.length ? (
          <table aria-label="Change" data-testid="change-diff">
            <tbody>
              {rows.map(r => (
                <tr key={r.field} data-field={r.field}>
                  <th scope="row" style={{ ...cell, fontWeight: 600 }}>
                    {r.label}
                  </th>
                  <td style={cell}>
                    <del style={{ opacity: 0.7 }}>{r.before}</del>
                  </td>
                  <td style={cell} aria-hidden>
                    →
                  </td>
                  <td style={cell}>
                    <strong>{r.after}</strong>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Text as="p" color="secondary">
            No field changes.
          </Text>
        )}
        {request.kind === 'decommission' ? (
          <Text as="p" data-testid="decommission-scope">
            Stops the guest, destroys it with its disks and snapshots
            {before.cores !== undefined
              ? ` (${formatFieldValue(
                  'cores',
                  before.cores,
                )}, ${formatFieldValue(
                  'memoryMiB',
                  before.memoryMiB,
                )} memory, ${formatFieldValue('diskGiB', before.diskGiB)} disk)`
              : ''}
            , and releases its VMID and address.
          </Text>
        ) : null}
        {change?.rebootRequired ? (
          <Text as="p" color="warning" data-testid="reboot-required">
            Applying it needs a reboot of the guest.
          </Text>
        ) : null}
      </Flex>
    </Section>
  );
}
