import { isIPv4, isIPv6 } from 'node:net';
import type { PveParamSpec } from './types';

/**
 * Error raised by a format check. `message` is the text PVE's format
 * validator dies with (always ending in a newline), `errors` is set for
 * property strings whose sub-keys failed (PVE's "format error").
 */
export class PveFormatError extends Error {
  readonly errors?: Record<string, string>;
  constructor(message: string, errors?: Record<string, string>) {
    super(message);
    this.name = 'PveFormatError';
    this.errors = errors;
  }
  /** Stringified like PVE::Exception (message + "key: value\n" lines). */
  toPveString(): string {
    let msg = this.message;
    if (!msg.endsWith('\n')) msg += '\n';
    if (this.errors) {
      for (const [k, v] of Object.entries(this.errors)) msg += `${k}: ${v}\n`;
    }
    return msg;
  }
}

const fail = (msg: string): never => {
  throw new PveFormatError(`${msg}\n`);
};

export const CONFIGID_RE = /^[a-z][a-z0-9_-]+$/i;
const DNS_LABEL = '([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)';
const DNS_RE = new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`);
const TAG_RE = /^[a-z0-9_][a-z0-9_\-+.]*$/i;
const STORAGE_ID_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const IPV4_MASKS = new Set(
  Array.from({ length: 33 }, (_, bits) => {
    const n = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return [24, 16, 8, 0].map(s => (n >>> s) & 255).join('.');
  }),
);

/** PVE::Tools::split_list */
export function splitList(text: string): string[] {
  if (text.includes('\0')) return text.split('\0');
  return text
    .replace(/[,;]/g, ' ')
    .trim()
    .split(/\s+/)
    .filter(s => s !== '');
}

/** PVE::JSONSchema::parse_size (bytes) or undefined. */
export function parseSize(value: string): number | undefined {
  const m = /^(\d+(\.\d+)?)([KMGT](?:iB)?)?$/.exec(value);
  if (!m) return undefined;
  const mult: Record<string, number> = {
    K: 1024,
    M: 1024 ** 2,
    G: 1024 ** 3,
    T: 1024 ** 4,
  };
  const unit = m[3] ? m[3][0] : undefined;
  return Math.trunc(Number(m[1]) * (unit ? mult[unit] : 1));
}

/** PVE::JSONSchema::format_size */
export function formatSize(bytes: number): string {
  const size = Math.trunc(bytes);
  const kb = Math.trunc(size / 1024);
  if (kb * 1024 !== size) return String(size);
  const mb = Math.trunc(kb / 1024);
  if (mb * 1024 !== kb) return `${kb}K`;
  const gb = Math.trunc(mb / 1024);
  if (gb * 1024 !== mb) return `${mb}M`;
  const tb = Math.trunc(gb / 1024);
  if (tb * 1024 !== gb) return `${gb}G`;
  return `${tb}T`;
}

function cidr(value: string, v6: boolean): boolean {
  const m = /^(.+)\/(\d+)$/.exec(value);
  if (!m) return false;
  const bits = Number(m[2]);
  return v6
    ? isIPv6(m[1]) && bits > 7 && bits <= 128
    : isIPv4(m[1]) && bits > 7 && bits <= 32;
}

type Validator = (value: string) => void;

/** Validators of the named (code based) PVE formats we know about. */
const CODE_FORMATS: Record<string, Validator> = {
  string: () => {},
  urlencoded: v => {
    if (!/^[-%a-zA-Z0-9_.!~*'()]*$/.test(v))
      fail(`invalid urlencoded string: ${v}`);
  },
  'pve-configid': v => {
    if (!CONFIGID_RE.test(v)) fail(`invalid configuration ID '${v}'`);
  },
  'pve-storage-id': v => {
    if (!STORAGE_ID_RE.test(v))
      fail(`storage ID '${v}' contains illegal characters`);
  },
  'pve-bridge-id': v => {
    if (!/^[-_.\w\d]+$/.test(v)) fail(`invalid bridge ID '${v}'`);
  },
  'pve-vmid': v => {
    if (!/^[1-9][0-9]{2,8}$/.test(v))
      fail('value does not look like a valid VM ID');
  },
  'pve-node': v => {
    if (!/^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/.test(v))
      fail('value does not look like a valid node name');
  },
  'mac-addr': v => {
    if (!/^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v))
      fail('value does not look like a valid unicast MAC address');
  },
  ipv4: v => {
    if (!isIPv4(v)) fail('value does not look like a valid IPv4 address');
  },
  ipv6: v => {
    if (!isIPv6(v)) fail('value does not look like a valid IPv6 address');
  },
  ip: v => {
    if (!isIPv4(v) && !isIPv6(v))
      fail('value does not look like a valid IP address');
  },
  ipv4mask: v => {
    if (!IPV4_MASKS.has(v)) fail('value does not look like a valid IP netmask');
  },
  CIDRv4: v => {
    if (!cidr(v, false))
      fail('value does not look like a valid IPv4 CIDR network');
  },
  CIDRv6: v => {
    if (!cidr(v, true))
      fail('value does not look like a valid IPv6 CIDR network');
  },
  CIDR: v => {
    if (!cidr(v, false) && !cidr(v, true))
      fail('value does not look like a valid CIDR network');
  },
  'pve-ipv4-config': v => {
    if (!/^(?:dhcp|manual)$/.test(v) && !cidr(v, false))
      fail('value does not look like a valid ipv4 network configuration');
  },
  'pve-ipv6-config': v => {
    if (!/^(?:auto|dhcp|manual)$/.test(v) && !cidr(v, true))
      fail('value does not look like a valid ipv6 network configuration');
  },
  'dns-name': v => {
    if (!DNS_RE.test(v)) fail('value does not look like a valid DNS name');
  },
  address: v => {
    if (!isIPv4(v) && !isIPv6(v) && !DNS_RE.test(v))
      fail(`value does not look like a valid address: ${v}`);
  },
  'pve-iface': v => {
    if (!/^[a-z][a-z0-9_]{1,20}([:.]\d+)?$/i.test(v))
      fail(`invalid network interface name '${v}'`);
  },
  'disk-size': v => {
    if (parseSize(v) === undefined)
      fail(`value does not look like a valid disk size: ${v}`);
  },
  'pve-startup-order': v => {
    const ok =
      v !== '' &&
      v
        .split(',')
        .filter(p => !/^\s*$/.test(p))
        .every(
          p =>
            /^(order=)?\d+$/.test(p) ||
            /^up=\d+$/.test(p) ||
            /^down=\d+$/.test(p),
        );
    if (!ok) fail('unable to parse startup options');
  },
  'pve-tag': v => {
    if (!TAG_RE.test(v)) fail('invalid characters in tag');
  },
  'pve-task-status-type': v => {
    if (!/^(ok|error|warning|unknown)$/i.test(v)) fail(`invalid status '${v}'`);
  },
  'pve-poolid': v => {
    if (v.split('/').length > 3)
      fail(`pool name '${v}' nested too deeply (max levels = 3)`);
    if (!/^[A-Za-z0-9.\-_]+(?:\/[A-Za-z0-9.\-_]+){0,2}$/.test(v))
      fail(`pool name '${v}' contains invalid characters`);
  },
  'pve-realm': v => {
    if (!/^[A-Za-z][A-Za-z0-9.\-_]+$/.test(v))
      fail(`realm ID '${v}' contains illegal characters`);
  },
  'pve-volume-id': v => {
    if (!/^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.test(v))
      fail(`unable to parse volume ID '${v}'`);
  },
  'pve-volume-id-or-absolute-path': v => {
    if (v.startsWith('/')) return;
    CODE_FORMATS['pve-volume-id'](v);
  },
  'pve-volume-id-or-qm-path': v => {
    if (v === 'none' || v === 'cdrom') return;
    CODE_FORMATS['pve-volume-id-or-absolute-path'](v);
  },
  'pve-storage-content': v => {
    const valid = [
      'images',
      'rootdir',
      'vztmpl',
      'iso',
      'backup',
      'snippets',
      'import',
      'none',
    ];
    if (!valid.includes(v)) fail(`invalid content type '${v}'`);
  },
  'pve-sdn-vnet-id': v => {
    if (!/^[a-z][a-z0-9]*[a-z0-9]$/i.test(v))
      fail(`vnet ID '${v}' contains illegal characters`);
    if (v.length > 8) fail(`vnet ID '${v}' can't be more than 8 characters`);
  },
  'pve-qm-bootdisk': v => {
    if (!/^(ide|sata|scsi|virtio|efidisk|tpmstate)\d+$/.test(v))
      fail(`invalid boot disk '${v}'`);
  },
  'pve-vlan-id-or-range': v => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(v);
    if (!m) fail(`invalid VLAN configuration '${v}'`);
    const tags = [m![1], m![2]].filter((t): t is string => t !== undefined);
    for (const t of tags) {
      if (Number(t) < 2 || Number(t) > 4094) fail(`invalid VLAN tag '${t}'`);
    }
    if (m![2] && Number(m![1]) >= Number(m![2]))
      fail(`VLAN range must go from lower to higher tag '${v}'`);
  },
  'pve-fw-dport-spec': v => fwPortSpec(v),
  'pve-fw-sport-spec': v => fwPortSpec(v),
  'pve-fw-protocol-spec': v => {
    if (!/^[a-z0-9][a-z0-9\-_]*$/i.test(v)) fail(`unknown protocol '${v}'`);
  },
};

function fwPortSpec(v: string) {
  for (const item of v.split(',')) {
    const ok =
      /^\d+(?::\d+)?$/.test(item) &&
      item.split(':').every(p => Number(p) <= 65535)
        ? true
        : /^[a-z][a-z0-9\-_]*$/i.test(item);
    if (!ok) fail(`invalid port '${item}'`);
  }
}

/** Named property-string (hash) formats we know about. */
const HASH_FORMATS: Record<string, Record<string, PveParamSpec>> = {
  'pve-qm-ipconfig': {
    ip: { type: 'string', format: 'pve-ipv4-config', optional: 1 },
    gw: { type: 'string', format: 'ipv4', optional: 1, requires: 'ip' },
    ip6: { type: 'string', format: 'pve-ipv6-config', optional: 1 },
    gw6: { type: 'string', format: 'ipv6', optional: 1, requires: 'ip6' },
  },
  'pve-qm-boot': {
    legacy: {
      type: 'string',
      pattern: '[acdn]{1,4}',
      optional: 1,
      default_key: 1,
    },
    order: { type: 'string', format: 'pve-qm-bootdev-list', optional: 1 },
  },
  'pve-qm-smbios1': {
    uuid: {
      type: 'string',
      pattern: '[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}',
      optional: 1,
    },
    version: { type: 'string', optional: 1 },
    serial: { type: 'string', optional: 1 },
    manufacturer: { type: 'string', optional: 1 },
    product: { type: 'string', optional: 1 },
    sku: { type: 'string', optional: 1 },
    family: { type: 'string', optional: 1 },
    base64: { type: 'boolean', optional: 1 },
  },
  'pve-vm-cpu-conf': {
    cputype: {
      type: 'string',
      default_key: 1,
      optional: 1,
      pattern: '[-+_.a-zA-Z0-9]+',
    },
    flags: {
      type: 'string',
      optional: 1,
      pattern: '[+-][a-zA-Z0-9\\-_.]+(;[+-][a-zA-Z0-9\\-_.]+)*',
    },
    hidden: { type: 'boolean', optional: 1 },
    'hv-vendor-id': {
      type: 'string',
      optional: 1,
      pattern: '[a-zA-Z0-9]{1,12}',
    },
    'phys-bits': { type: 'string', optional: 1 },
    'reported-model': { type: 'string', optional: 1 },
  },
};

// boot order devices: "scsi0;net0;ide2"
CODE_FORMATS['pve-qm-bootdev'] = v => {
  if (!/^(ide|sata|scsi|virtio|net|usb|hostpci)\d+$/.test(v))
    fail(`invalid boot device '${v}'`);
};

/** Whether the (base) format name is known to this validator. */
export function isKnownFormat(name: string): boolean {
  const base = name.replace(/-(list|opt)$/, '');
  return base in CODE_FORMATS || base in HASH_FORMATS || name in HASH_FORMATS;
}

export function getHashFormat(
  name: string,
): Record<string, PveParamSpec> | undefined {
  return HASH_FORMATS[name];
}

/**
 * Runs a named code format (with PVE's `-list`/`-opt` suffix handling).
 * Unknown formats are accepted (they are registered in PVE but not modelled
 * here). Throws {@link PveFormatError}.
 */
export function checkNamedCodeFormat(format: string, value: string): void {
  if (format === 'regex') return;
  if (CODE_FORMATS[format]) {
    CODE_FORMATS[format](value);
    return;
  }
  const m = /^(.*?)(?:-(list|opt))?$/.exec(format)!;
  const base = m[1];
  const kind = m[2];
  const validator = CODE_FORMATS[base];
  if (!validator) return;
  if (kind === 'list') {
    for (const item of splitList(value)) validator(item);
  } else if (kind === 'opt') {
    if (value) validator(value);
  } else {
    validator(value);
  }
}
