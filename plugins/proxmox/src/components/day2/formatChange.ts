import type { RequestChange } from '@mycopod/plugin-proxmox-common';
import { formatMiB, formatTime } from '../common/format';

/** Labels of the fields a day-2 change or a drift finding names. */
const FIELD_LABELS: Record<string, string> = {
  cores: 'Cores',
  memoryMiB: 'Memory',
  diskGiB: 'Disk',
  network: 'Network',
  securityGroups: 'Security groups',
  tags: 'Tags',
  leaseEndsAt: 'Lease ends',
  endsAt: 'Lease ends',
  leaseDays: 'Lease',
  days: 'Lease extension',
  status: 'Power',
  node: 'Node',
  name: 'Name',
};

/** `memoryMiB` → "Memory"; unknown fields read as words: `fooBar` → "Foo bar". */
export function fieldLabel(field: string): string {
  if (FIELD_LABELS[field]) return FIELD_LABELS[field];
  const words = field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isIsoTime(v: unknown): v is string {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v);
}

function formatNetwork(v: Record<string, unknown>): string {
  let where: string;
  if (typeof v.bridge === 'string') where = `bridge ${v.bridge}`;
  else if (typeof v.vnet === 'string') where = `SDN vnet ${v.vnet}`;
  else return JSON.stringify(v);
  return v.vlan !== undefined ? `${where}, VLAN ${v.vlan}` : where;
}

/** A field's value in words: "8 GiB", "4 vCPU", "web, ssh", a local time. */
export function formatFieldValue(field: string, value: unknown): string {
  if (value === undefined || value === null || value === '') return '–';
  if (typeof value === 'number') {
    if (field === 'cores') return `${value} vCPU`;
    if (field === 'memoryMiB') return formatMiB(value);
    if (field === 'diskGiB') return `${value} GiB`;
    if (field === 'leaseDays' || field === 'days') {
      return `${value} day${value === 1 ? '' : 's'}`;
    }
    return String(value);
  }
  if (isIsoTime(value)) return formatTime(value);
  if (Array.isArray(value)) {
    return value.length
      ? value.map(v => formatFieldValue(field, v)).join(', ')
      : 'none';
  }
  if (typeof value === 'object') {
    return field === 'network'
      ? formatNetwork(value as Record<string, unknown>)
      : JSON.stringify(value);
  }
  return String(value);
}

export interface ChangeRow {
  field: string;
  label: string;
  before: string;
  after: string;
}

/**
 * The fields a change sets, old → new, in the order the change names them
 * (fields only in `before`, e.g. the size of a decommissioned guest, are
 * context, not changes).
 */
export function changeRows(change: RequestChange | undefined): ChangeRow[] {
  if (!change) return [];
  return Object.keys(change.after ?? {})
    .map(field => ({
      field,
      label: fieldLabel(field),
      before: formatFieldValue(field, change.before?.[field]),
      after: formatFieldValue(field, change.after[field]),
    }))
    .filter(row => row.before !== row.after);
}

/** "Memory 4 GiB → 8 GiB, Cores 2 vCPU → 4 vCPU"; empty without changed fields. */
export function changeSummary(change: RequestChange | undefined): string {
  return changeRows(change)
    .map(r => `${r.label} ${r.before} → ${r.after}`)
    .join(', ');
}
