import { useState, type ReactNode } from 'react';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Paper from '@material-ui/core/Paper';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import type {
  EditPlanOperationBody,
  Finding,
  PlanOperation,
  ProxmoxOptions,
  VmSpec,
} from '@mycopod/plugin-proxmox-common';
import { NativeSelectField } from './FieldParts';

const KIND_LABELS: Record<PlanOperation['kind'], string> = {
  create: 'New VM',
  resize: 'Resize',
  decommission: 'Decommission',
  'extend-lease': 'Extend lease',
  power: 'Power action',
  snapshot: 'Snapshot',
};

/** A value as the diff shows it. */
export function show(key: string, value: unknown): string {
  if (value === undefined || value === null || value === '') return '—';
  if (key === 'memoryMiB' && typeof value === 'number') {
    return value % 1024 === 0 ? `${value / 1024} GiB` : `${value} MiB`;
  }
  if (key === 'diskGiB' && typeof value === 'number') return `${value} GiB`;
  if (key === 'leaseDays' && typeof value === 'number') return `${value} days`;
  if (key === 'network' && typeof value === 'object') {
    const n = value as { bridge?: string; vnet?: string };
    return n.bridge ?? n.vnet ?? '—';
  }
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The rows a new VM shows, in order. */
const CREATE_ROWS: Array<[keyof VmSpec | 'sshKeys' | 'ipv4', string]> = [
  ['name', 'Name'],
  ['cluster', 'Cluster'],
  ['template', 'Template'],
  ['cores', 'vCPU'],
  ['memoryMiB', 'Memory'],
  ['diskGiB', 'Disk'],
  ['network', 'Network'],
  ['securityGroups', 'Security groups'],
  ['owner', 'Owner'],
  ['leaseDays', 'Lease'],
  ['sshKeys', 'SSH keys'],
];

export function Findings(props: { findings: Finding[] }) {
  if (!props.findings.length) return null;
  return (
    <ul style={{ margin: '4px 0 0', paddingLeft: 20 }}>
      {props.findings.map((f, i) => (
        <li
          key={i}
          data-level={f.level}
          data-code={f.code}
          style={{ color: f.level === 'error' ? '#b00020' : '#8a5a00' }}
        >
          {f.level === 'error' ? 'Error' : 'Warning'}: {f.message}
          {f.field ? ` (${f.field})` : ''}
        </li>
      ))}
    </ul>
  );
}

function DiffRow(props: { label: string; before?: string; after: string }) {
  return (
    <tr data-testid="plan-diff-row">
      <th
        style={{ textAlign: 'left', fontWeight: 500, paddingRight: 16 }}
        scope="row"
      >
        {props.label}
      </th>
      {props.before !== undefined ? (
        <td>
          <span style={{ textDecoration: 'line-through', color: '#b00020' }}>
            {props.before}
          </span>
          {' → '}
          <span style={{ color: '#176b2c', fontWeight: 600 }}>
            {props.after}
          </span>
        </td>
      ) : (
        <td style={{ color: '#176b2c' }}>+ {props.after}</td>
      )}
    </tr>
  );
}

/** What an operation changes: a new VM's values, or old → new. */
function Diff(props: { op: PlanOperation }) {
  const { op } = props;
  if (op.kind === 'create' && op.request) {
    const spec = op.request.spec;
    return (
      <table>
        <tbody>
          {CREATE_ROWS.map(([key, label]) => (
            <DiffRow
              key={key}
              label={label}
              after={show(
                key,
                key === 'sshKeys'
                  ? spec.cloudInit.sshKeys.length || undefined
                  : spec[key as keyof VmSpec],
              )}
            />
          ))}
        </tbody>
      </table>
    );
  }
  if (op.change && Object.keys(op.change.after).length) {
    return (
      <table>
        <tbody>
          {Object.entries(op.change.after).map(([key, after]) => (
            <DiffRow
              key={key}
              label={key}
              before={show(key, op.change!.before[key])}
              after={show(key, after)}
            />
          ))}
        </tbody>
      </table>
    );
  }
  return null;
}

/** Edits a new VM within the choices of its cluster. */
function CreateEditor(props: {
  spec: VmSpec;
  options?: ProxmoxOptions;
  ownerGroups: string[];
  onSave: (body: EditPlanOperationBody) => Promise<void>;
  onCancel: () => void;
}) {
  const { spec, options } = props;
  const [draft, setDraft] = useState({
    name: spec.name,
    template: String(spec.template),
    cores: String(spec.cores),
    memoryMiB: String(spec.memoryMiB),
    diskGiB: String(spec.diskGiB),
    network: show('network', spec.network),
    owner: spec.owner,
    leaseDays: spec.leaseDays ? String(spec.leaseDays) : '',
    sshKeys: spec.cloudInit.sshKeys.join('\n'),
  });
  const [saving, setSaving] = useState(false);
  const set = (key: keyof typeof draft) => (value: string) =>
    setDraft(d => ({ ...d, [key]: value }));
  const num = (s: string) => (s.trim() === '' ? undefined : Number(s));
  const templates = options?.templates.map(t => t.name) ?? [];
  const networks = [
    ...(options?.bridges ?? []).map(b => ({
      value: b,
      label: b,
      group: 'Bridges',
    })),
    ...(options?.vnets ?? []).map(v => ({
      value: v,
      label: v,
      group: 'SDN vnets',
    })),
  ];
  const isVnet = options?.vnets.includes(draft.network);
  const save = async () => {
    setSaving(true);
    try {
      await props.onSave({
        spec: {
          ...spec,
          name: draft.name.trim(),
          template: draft.template,
          cores: num(draft.cores) as number,
          memoryMiB: num(draft.memoryMiB) as number,
          diskGiB: num(draft.diskGiB) as number,
          network: isVnet ? { vnet: draft.network } : { bridge: draft.network },
          owner: draft.owner,
          ...(num(draft.leaseDays)
            ? { leaseDays: num(draft.leaseDays) }
            : { leaseDays: undefined }),
          cloudInit: {
            ...spec.cloudInit,
            sshKeys: draft.sshKeys
              .split('\n')
              .map(k => k.trim())
              .filter(Boolean),
          },
        },
      });
    } finally {
      setSaving(false);
    }
  };
  const field = (key: keyof typeof draft, label: string, type = 'text') => (
    <TextField
      label={label}
      value={draft[key]}
      type={type}
      onChange={e => set(key)(e.target.value)}
      margin="dense"
      style={{ marginRight: 12, minWidth: 140 }}
      inputProps={{ 'aria-label': label }}
    />
  );
  return (
    <div data-testid="plan-edit-form">
      {field('name', 'Name')}
      {field('cores', 'vCPU', 'number')}
      {field('memoryMiB', 'Memory (MiB)', 'number')}
      {field('diskGiB', 'Disk (GiB)', 'number')}
      {field('leaseDays', 'Lease (days)', 'number')}
      <NativeSelectField
        id={`plan-template-${spec.name}`}
        label="Template"
        value={draft.template}
        choices={[...new Set([draft.template, ...templates])].map(t => ({
          value: t,
          label: t,
        }))}
        onChange={set('template')}
      />
      <NativeSelectField
        id={`plan-network-${spec.name}`}
        label="Network"
        value={draft.network}
        choices={
          networks.some(n => n.value === draft.network)
            ? networks
            : [{ value: draft.network, label: draft.network }, ...networks]
        }
        onChange={set('network')}
      />
      <NativeSelectField
        id={`plan-owner-${spec.name}`}
        label="Owner"
        value={draft.owner}
        choices={[...new Set([draft.owner, ...props.ownerGroups])].map(g => ({
          value: g,
          label: g,
        }))}
        onChange={set('owner')}
      />
      <TextField
        label="SSH public keys (one per line)"
        value={draft.sshKeys}
        onChange={e => set('sshKeys')(e.target.value)}
        multiline
        minRows={2}
        fullWidth
        margin="dense"
        inputProps={{ 'aria-label': 'SSH public keys' }}
      />
      <Button
        variant="contained"
        color="primary"
        onClick={save}
        disabled={saving}
      >
        Save
      </Button>{' '}
      <Button onClick={props.onCancel} disabled={saving}>
        Cancel
      </Button>
    </div>
  );
}

/** Edits the new values of a resize. */
function ResizeEditor(props: {
  op: PlanOperation;
  onSave: (body: EditPlanOperationBody) => Promise<void>;
  onCancel: () => void;
}) {
  const after = props.op.change?.after ?? {};
  const [values, setValues] = useState<Record<string, string>>(
    Object.fromEntries(
      ['cores', 'memoryMiB', 'diskGiB'].map(k => [
        k,
        after[k] !== undefined ? String(after[k]) : '',
      ]),
    ),
  );
  const body = (): EditPlanOperationBody => ({
    change: {
      kind: 'resize',
      ...Object.fromEntries(
        Object.entries(values)
          .filter(([, v]) => v.trim() !== '')
          .map(([k, v]) => [k, Number(v)]),
      ),
    },
  });
  return (
    <div data-testid="plan-edit-form">
      {(['cores', 'memoryMiB', 'diskGiB'] as const).map(k => (
        <TextField
          key={k}
          label={
            { cores: 'vCPU', memoryMiB: 'Memory (MiB)', diskGiB: 'Disk (GiB)' }[
              k
            ]
          }
          type="number"
          value={values[k]}
          onChange={e => setValues(v => ({ ...v, [k]: e.target.value }))}
          margin="dense"
          style={{ marginRight: 12 }}
        />
      ))}
      <Button
        variant="contained"
        color="primary"
        onClick={() => props.onSave(body())}
      >
        Save
      </Button>{' '}
      <Button onClick={props.onCancel}>Cancel</Button>
    </div>
  );
}

/** One operation of the plan: what it does, its findings, edit and remove. */
export function OperationCard(props: {
  op: PlanOperation;
  options?: ProxmoxOptions;
  ownerGroups: string[];
  confirmed: boolean;
  onConfirm: (confirmed: boolean) => void;
  /** Saves an edit; false when it was refused (the card stays in edit). */
  onEdit: (body: EditPlanOperationBody) => Promise<boolean>;
  onRemove: () => void;
  onOpenEditor?: () => void;
  editError?: ReactNode;
  disabled?: boolean;
}) {
  const { op } = props;
  const [editing, setEditing] = useState(false);
  const editable =
    op.mode === 'request' &&
    op.request?.state === 'draft' &&
    (op.kind === 'create' || op.kind === 'resize');
  const save = async (body: EditPlanOperationBody) => {
    if (await props.onEdit(body)) setEditing(false);
  };
  const hasError = op.findings.some(f => f.level === 'error');
  return (
    <Paper
      variant="outlined"
      data-testid="plan-operation"
      data-kind={op.kind}
      data-mode={op.mode}
      data-errors={hasError ? 'yes' : 'no'}
      style={{
        padding: 12,
        marginTop: 8,
        borderColor: hasError ? '#b00020' : undefined,
      }}
    >
      <Typography variant="subtitle2">
        {KIND_LABELS[op.kind]}
        {op.mode === 'action' ? ' (runs at once, no approval)' : ''}
        {op.mode === 'invalid' ? ' (cannot be submitted)' : ''}
      </Typography>
      <Typography variant="body2">{op.summary}</Typography>
      {editing && op.kind === 'create' && op.request ? (
        <CreateEditor
          spec={op.request.spec}
          options={props.options}
          ownerGroups={props.ownerGroups}
          onSave={save}
          onCancel={() => setEditing(false)}
        />
      ) : null}
      {editing && op.kind === 'resize' ? (
        <ResizeEditor
          op={op}
          onSave={save}
          onCancel={() => setEditing(false)}
        />
      ) : null}
      {!editing ? <Diff op={op} /> : null}
      {props.editError}
      <Findings findings={op.findings} />
      {op.mode === 'action' ? (
        <FormControlLabel
          control={
            <Checkbox
              checked={props.confirmed}
              onChange={e => props.onConfirm(e.target.checked)}
              disabled={props.disabled}
            />
          }
          label="Run this now when I submit"
        />
      ) : null}
      <div style={{ marginTop: 4 }}>
        {editable && !editing ? (
          <Button
            size="small"
            onClick={() => {
              setEditing(true);
              props.onOpenEditor?.();
            }}
            disabled={props.disabled}
          >
            Edit
          </Button>
        ) : null}
        <Button size="small" onClick={props.onRemove} disabled={props.disabled}>
          Remove
        </Button>
      </div>
    </Paper>
  );
}
