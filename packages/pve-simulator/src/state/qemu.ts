import { createHash } from 'node:crypto';
import { lookupSpec } from '../schema/validate';
import { formatSize, parseSize, splitList } from '../schema/formats';
import { ROUTE_PARAMS } from '../routes/params';
import type { Guest } from './types';

export const CONFIG_SPECS =
  ROUTE_PARAMS['PUT /nodes/{node}/qemu/{vmid}/config'];

export const DRIVE_KEY_RE = /^((ide|sata|scsi|virtio)\d+|efidisk0|tpmstate0)$/;
export const isDriveKey = (k: string) => DRIVE_KEY_RE.test(k);
/** `STORAGE:SIZE_GiB` / `STORAGE:cloudinit` (qemu-server NEW_DISK_RE + cloud-init magic) */
export const NEW_DISK_RE = /^(([^/:\s]+):)?(\d+(\.\d+)?)$/;

export interface DriveValue {
  file: string;
  opts: Record<string, string>;
}

/** Lenient drive parser (values were validated against the schema before). */
export function parseDrive(value: string): DriveValue {
  const opts: Record<string, string> = {};
  let file = '';
  for (const part of value.split(',')) {
    if (!part) continue;
    const i = part.indexOf('=');
    if (i < 0) file = part;
    else {
      const k = part.slice(0, i);
      const v = part.slice(i + 1);
      if (k === 'file' || k === 'volume') file = v;
      else opts[k] = v;
    }
  }
  return { file, opts };
}

/** print_property_string order: default key first, then sorted keys. */
export function printDrive(d: DriveValue): string {
  const rest = Object.keys(d.opts)
    .sort()
    .map(k => `${k}=${d.opts[k]}`);
  return [d.file, ...rest].join(',');
}

export function isCdrom(d: DriveValue): boolean {
  return d.opts.media === 'cdrom' || d.file === 'none' || d.file === 'cdrom';
}

export function isCloudinit(d: DriveValue): boolean {
  return /(^|[:/])vm-\d+-cloudinit(\.\w+)?$/.test(d.file);
}

export function driveSize(d: DriveValue): number {
  return d.opts.size ? parseSize(d.opts.size) ?? 0 : 0;
}

export const sizeString = formatSize;

export interface NetValue {
  model: string;
  macaddr?: string;
  opts: Record<string, string>;
}

// the NIC models of the schema's `net[n]` property string (its default key)
const NET_MODELS: ReadonlyArray<string> = (() => {
  const format = CONFIG_SPECS['net[n]']?.format;
  const model = typeof format === 'object' ? format.model : undefined;
  if (!model?.enum) throw new Error('net[n] has no model enum in ROUTE_PARAMS');
  return model.enum;
})();

export function parseNet(value: string): NetValue {
  const res: NetValue = { model: 'virtio', opts: {} };
  for (const part of value.split(',')) {
    if (!part) continue;
    const i = part.indexOf('=');
    if (i < 0) {
      res.model = part;
      continue;
    }
    const k = part.slice(0, i);
    const v = part.slice(i + 1);
    if (NET_MODELS.includes(k)) {
      res.model = k;
      res.macaddr = v;
    } else if (k === 'model') res.model = v;
    else if (k === 'macaddr') res.macaddr = v;
    else res.opts[k] = v;
  }
  return res;
}

export function printNet(n: NetValue): string {
  const rest = Object.keys(n.opts)
    .sort()
    .map(k => `${k}=${n.opts[k]}`);
  return [`${n.model}=${n.macaddr ?? ''}`, ...rest].join(',');
}

/** GuestHelpers::get_unique_tags with default tag-style: dedupe, lower-case, sort, `;`-join. */
export function normalizeTags(value: string): string {
  const tags = [...new Set(splitList(value).map(t => t.toLowerCase()))].sort();
  return tags.join(';');
}

export function volumeStorage(file: string): string | undefined {
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(file);
  return m ? m[1] : undefined;
}

export function volumeName(file: string): string | undefined {
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(file);
  return m ? m[2] : undefined;
}

/** Memory in MiB from the `memory` property string (`[current=]<int>`, default 512). */
export function memoryMiB(cfg: Record<string, string>): number {
  const v = cfg.memory;
  if (!v) return 512;
  const m = /(?:^|,)(?:current=)?(\d+)/.exec(v);
  return m ? Number(m[1]) : 512;
}

export function cpuCount(cfg: Record<string, string>): number {
  const cores = Number(cfg.cores ?? 1) || 1;
  const sockets = Number(cfg.sockets ?? 1) || 1;
  return cfg.vcpus ? Number(cfg.vcpus) : cores * sockets;
}

/** size of the boot disk (first disk in boot order or the first disk key). */
export function bootDiskSize(cfg: Record<string, string>): number {
  const order = /order=([^,]+)/.exec(cfg.boot ?? '')?.[1]?.split(';') ?? [];
  const keys = [...order, ...Object.keys(cfg).sort()].filter(
    k => isDriveKey(k) && cfg[k],
  );
  for (const k of keys) {
    const d = parseDrive(cfg[k]);
    if (!isCdrom(d)) return driveSize(d);
  }
  return 0;
}

/** Renders a config value with the JSON type PVE 8.4 uses for it (§2.8). */
export function typedValue(key: string, value: string): string | number {
  if (key === 'snaptime') return Number(value);
  const spec = lookupSpec(CONFIG_SPECS, key);
  if (!spec) return value;
  if (
    (spec.type === 'integer' || spec.type === 'boolean') &&
    /^-?\d+$/.test(value)
  ) {
    return Number(value);
  }
  return value; // strings, property strings, `memory` and `number` options stay strings
}

export function typedConfig(
  cfg: Record<string, string>,
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const k of Object.keys(cfg)) out[k] = typedValue(k, cfg[k]);
  return out;
}

/** SHA1 over the serialized config (like PVE's digest of the .conf file). */
export function configDigest(g: Guest): string {
  const h = createHash('sha1');
  const section = (c: Record<string, string>) =>
    Object.keys(c)
      .sort()
      .map(k => `${k}: ${c[k]}\n`)
      .join('');
  h.update(section(g.config));
  if (Object.keys(g.pending).length || g.pendingDelete.size) {
    h.update(
      `[PENDING]\n${section(g.pending)}delete: ${[...g.pendingDelete].join(
        ',',
      )}\n`,
    );
  }
  for (const [name, s] of g.snapshots)
    h.update(`[${name}]\n${section(s.config)}`);
  return h.digest('hex');
}

/** Config with pending changes applied (GET config default). */
export function effectiveConfig(g: Guest): Record<string, string> {
  const cfg = { ...g.config, ...g.pending };
  for (const k of g.pendingDelete) delete cfg[k];
  return cfg;
}

/** Options that can be changed on a running VM without a reboot (hotplug defaults network,disk,usb). */
export function isHotpluggable(
  key: string,
  cfg: Record<string, string>,
): boolean {
  const hotplug = cfg.hotplug ?? 'network,disk,usb';
  let features = hotplug.split(',');
  if (hotplug === '1') features = ['network', 'disk', 'usb'];
  else if (hotplug === '0') features = [];
  if (/^net\d+$/.test(key)) return features.includes('network');
  if (isDriveKey(key) || /^unused\d+$/.test(key))
    return features.includes('disk');
  if (key === 'memory') return features.includes('memory');
  if (key === 'cores' || key === 'sockets' || key === 'vcpus')
    return features.includes('cpu');
  return ![
    'cpu',
    'machine',
    'bios',
    'ostype',
    'scsihw',
    'vga',
    'serial0',
    'serial1',
    'serial2',
    'serial3',
    'numa',
    'balloon',
    'agent',
    'efidisk0',
    'tpmstate0',
    'kvm',
    'acpi',
    'tablet',
    'smbios1',
    'vmgenid',
  ].includes(key);
}

export const CLOUDINIT_KEYS = [
  'ciuser',
  'cipassword',
  'citype',
  'ciupgrade',
  'cicustom',
  'nameserver',
  'searchdomain',
  'sshkeys',
];

export { parseSize };
