import { useState, type CSSProperties } from 'react';
import { Flex, Text } from '@backstage/ui';
import type { GuestLiveStatus } from '@mycopod/plugin-proxmox-common';
import { formatTime } from '../common/format';
import { LiveCard } from '../entity/LiveParts';
import { ConfirmDialog } from './ConfirmDialog';
import { fieldLabel, formatFieldValue } from './formatChange';
import {
  JustificationField,
  RequestAction,
  withJustification,
} from './RequestControls';
import { useGuestRequestDialog } from './useFileGuestRequest';
import type { ActionGate } from './useGuestPermissions';

const cell: CSSProperties = {
  padding: '4px 10px',
  borderBottom: '1px solid var(--bui-border, #e0e0e0)',
  textAlign: 'left',
};

/**
 * Where the guest differs from what its request declared, and a Reconcile
 * action that files a request to set it back.
 */
export function DriftCard(props: {
  guest: GuestLiveStatus;
  gate: ActionGate;
  onChanged: () => void;
}) {
  const { guest, gate } = props;
  const requests = useGuestRequestDialog<'reconcile'>(guest, props.onChanged);
  const [justification, setJustification] = useState('');
  const drift = guest.drift;
  if (!drift) return null;
  const findings = drift.findings;
  const table = (
    <table
      aria-label="Drift"
      data-testid="drift-findings"
      style={{ borderCollapse: 'collapse', width: '100%' }}
    >
      <thead>
        <tr>
          <th style={cell}>Field</th>
          <th style={cell}>Declared</th>
          <th style={cell}>Actual</th>
        </tr>
      </thead>
      <tbody>
        {findings.map(f => (
          <tr key={f.field} data-field={f.field}>
            <td style={cell}>{fieldLabel(f.field)}</td>
            <td style={cell}>{formatFieldValue(f.field, f.declared)}</td>
            <td style={cell}>{formatFieldValue(f.field, f.actual)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <LiveCard
      title="Drift"
      subtitle={`Checked ${formatTime(drift.checkedAt)}`}
      testId="guest-drift"
      state="ready"
    >
      <Flex direction="column" gap="2">
        {findings.length === 0 ? (
          <Text as="p" color="success" data-testid="drift-none">
            No drift: the guest matches what its request declared.
          </Text>
        ) : (
          <>
            <Text as="p" color="warning">
              {findings.length === 1
                ? '1 field differs'
                : `${findings.length} fields differ`}{' '}
              from what the request declared.
            </Text>
            {table}
          </>
        )}
        <RequestAction
          guest={guest}
          gate={gate}
          filing={requests}
          offered={findings.length > 0}
          what="file the reconcile request"
          onPress={() => requests.open('reconcile')}
        >
          Reconcile…
        </RequestAction>
      </Flex>
      {requests.dialog ? (
        <ConfirmDialog
          title="Reconcile to the declared spec?"
          confirmLabel="Request reconcile"
          what="file the reconcile request"
          context="request"
          busy={requests.busy}
          error={requests.error}
          onConfirm={() =>
            requests.submit({
              kind: 'reconcile',
              ...withJustification(justification),
            })
          }
          onClose={requests.close}
        >
          <Text as="p">
            Once approved, MycoPod sets these fields back to what the request
            declared; changes made outside MycoPod are undone.
          </Text>
          {table}
          <JustificationField
            value={justification}
            onChange={setJustification}
            rows={2}
          />
        </ConfirmDialog>
      ) : null}
    </LiveCard>
  );
}
