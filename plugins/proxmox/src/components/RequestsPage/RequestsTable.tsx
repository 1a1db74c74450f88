import type { CSSProperties } from 'react';
import { RouterLink, useRouteRef } from '@backstage/frontend-plugin-api';
import type { ProxmoxRequest } from '@mycopod/plugin-proxmox-common';
import { requestRouteRef } from '../../routes';
import { StateBadge } from '../common/StateBadge';
import { formatMiB, formatTime, shortRef } from '../common/format';
import { changeSummary } from '../day2/formatChange';
import { KIND_LABELS } from '../day2/kinds';

const cell: CSSProperties = {
  padding: '8px 12px',
  borderBottom: '1px solid var(--bui-border, #e0e0e0)',
  textAlign: 'left',
  verticalAlign: 'top',
};
const head: CSSProperties = { ...cell, fontWeight: 600, whiteSpace: 'nowrap' };

/** The path of a request's page; the fixed path when the route is not bound. */
export function useRequestPath(): (id: string) => string {
  const route = useRouteRef(requestRouteRef);
  return (id: string) =>
    route ? route({ id }) : `/proxmox/requests/${encodeURIComponent(id)}`;
}

/** A list of requests; each row links to its request page. */
export function RequestsTable(props: { items: ProxmoxRequest[] }) {
  const pathOf = useRequestPath();
  return (
    <table
      aria-label="VM requests"
      data-testid="requests-table"
      style={{ width: '100%', borderCollapse: 'collapse' }}
    >
      <thead>
        <tr>
          <th style={head}>Name</th>
          <th style={head}>Kind</th>
          <th style={head}>State</th>
          <th style={head}>Cluster</th>
          <th style={head}>Size or change</th>
          <th style={head}>Owner</th>
          <th style={head}>Requester</th>
          <th style={head}>Created</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map(r => (
          <tr key={r.id} data-testid={`request-row-${r.id}`} data-kind={r.kind}>
            <td style={cell}>
              <RouterLink href={pathOf(r.id)}>{r.spec.name}</RouterLink>
            </td>
            <td style={cell}>{KIND_LABELS[r.kind] ?? r.kind}</td>
            <td style={cell}>
              <StateBadge state={r.state} />
            </td>
            <td style={cell}>
              {r.spec.cluster}
              {r.spec.node ? ` / ${r.spec.node}` : ''}
            </td>
            <td style={cell}>
              {r.kind === 'create' ? (
                <>
                  {r.spec.cores} vCPU · {formatMiB(r.spec.memoryMiB)} ·{' '}
                  {r.spec.diskGiB} GiB
                </>
              ) : (
                changeSummary(r.change) || '–'
              )}
            </td>
            <td style={cell}>{shortRef(r.owner)}</td>
            <td style={cell}>{shortRef(r.requester)}</td>
            <td style={cell}>{formatTime(r.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
