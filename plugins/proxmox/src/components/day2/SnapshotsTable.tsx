import type { CSSProperties } from 'react';
import { Button, Text, VisuallyHidden } from '@backstage/ui';
import type { GuestSnapshot } from '@mycopod/plugin-proxmox-common';
import { formatTime } from '../common/format';

const cell: CSSProperties = {
  padding: '6px 10px',
  borderBottom: '1px solid var(--bui-border, #e0e0e0)',
  textAlign: 'left',
  verticalAlign: 'top',
};
const head: CSSProperties = { ...cell, fontWeight: 600 };
const actions: CSSProperties = {
  display: 'flex',
  flexWrap: 'wrap',
  gap: 8,
  justifyContent: 'flex-end',
};

/** A guest's snapshots, oldest first, each with rollback and delete. */
export function SnapshotsTable(props: {
  snapshots: GuestSnapshot[];
  enabled: boolean;
  onRollback: (name: string) => void;
  onDelete: (name: string) => void;
}) {
  const rows = [...props.snapshots].sort((a, b) =>
    (a.createdAt ?? '').localeCompare(b.createdAt ?? ''),
  );
  if (rows.length === 0) {
    return (
      <Text as="p" color="secondary" data-testid="snapshots-empty">
        No snapshots.
      </Text>
    );
  }
  return (
    <table
      aria-label="Snapshots"
      data-testid="snapshots-table"
      style={{ width: '100%', borderCollapse: 'collapse' }}
    >
      <thead>
        <tr>
          <th style={head}>Name</th>
          <th style={head}>Description</th>
          <th style={head}>Taken</th>
          <th style={head}>RAM</th>
          <th style={head}>
            <VisuallyHidden>Actions</VisuallyHidden>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map(s => (
          <tr key={s.name} data-snapshot={s.name}>
            <td style={cell}>
              <code>{s.name}</code>
            </td>
            <td style={cell}>{s.description || '–'}</td>
            <td style={cell}>{formatTime(s.createdAt)}</td>
            <td style={cell}>{s.includesRam ? 'yes' : 'no'}</td>
            <td style={cell}>
              <div style={actions}>
                <Button
                  size="small"
                  variant="secondary"
                  aria-label={`Roll back to ${s.name}`}
                  isDisabled={!props.enabled}
                  onPress={() => props.onRollback(s.name)}
                >
                  Roll back
                </Button>
                <Button
                  size="small"
                  variant="tertiary"
                  destructive
                  aria-label={`Delete snapshot ${s.name}`}
                  isDisabled={!props.enabled}
                  onPress={() => props.onDelete(s.name)}
                >
                  Delete
                </Button>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
