// Parameter declarations of the simulated routes, in the shape of the PVE 8.4
// schema (pve-docs api-viewer, stable-bookworm). Descriptions are omitted. The
// qemu config routes declare a curated subset of the VM options (see README).
// Regenerate/check with the route-schema test (src/routes/params.test.ts).
import type { PveParamSpec } from '../schema';

export type RouteParamSpecs = Record<string, PveParamSpec>;

const FMT_AGENT: Record<string, PveParamSpec> = {
  enabled: {
    type: 'boolean',
    default: 0,
    default_key: 1,
  },
  'freeze-fs-on-backup': {
    type: 'boolean',
    optional: 1,
    default: 1,
  },
  fstrim_cloned_disks: {
    type: 'boolean',
    optional: 1,
    default: 0,
  },
  type: {
    type: 'string',
    enum: ['virtio', 'isa'],
    optional: 1,
    default: 'virtio',
  },
};

const FMT_EFIDISK0: Record<string, PveParamSpec> = {
  efitype: {
    type: 'string',
    enum: ['2m', '4m'],
    optional: 1,
    default: '2m',
  },
  file: {
    type: 'string',
    format: 'pve-volume-id-or-qm-path',
    default_key: 1,
  },
  format: {
    type: 'string',
    enum: ['raw', 'qcow', 'qed', 'qcow2', 'vmdk', 'cloop'],
    optional: 1,
  },
  'import-from': {
    type: 'string',
    format: 'pve-volume-id-or-absolute-path',
    optional: 1,
  },
  'ms-cert': {
    type: 'string',
    enum: ['2011', '2023', '2023w', '2023k'],
    optional: 1,
    default: '2011',
  },
  'pre-enrolled-keys': {
    type: 'boolean',
    optional: 1,
    default: 0,
  },
  size: {
    type: 'string',
    format: 'disk-size',
    optional: 1,
  },
  volume: {
    alias: 'file',
  },
};

const FMT_IDE_N_: Record<string, PveParamSpec> = {
  aio: {
    type: 'string',
    enum: ['native', 'threads', 'io_uring'],
    optional: 1,
  },
  backup: {
    type: 'boolean',
    optional: 1,
  },
  bps: {
    type: 'integer',
    optional: 1,
  },
  bps_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  bps_rd: {
    type: 'integer',
    optional: 1,
  },
  bps_rd_length: {
    alias: 'bps_rd_max_length',
  },
  bps_rd_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  bps_wr: {
    type: 'integer',
    optional: 1,
  },
  bps_wr_length: {
    alias: 'bps_wr_max_length',
  },
  bps_wr_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  cache: {
    type: 'string',
    enum: ['none', 'writethrough', 'writeback', 'unsafe', 'directsync'],
    optional: 1,
  },
  cyls: {
    type: 'integer',
    optional: 1,
  },
  detect_zeroes: {
    type: 'boolean',
    optional: 1,
  },
  discard: {
    type: 'string',
    enum: ['ignore', 'on'],
    optional: 1,
  },
  file: {
    type: 'string',
    format: 'pve-volume-id-or-qm-path',
    default_key: 1,
  },
  format: {
    type: 'string',
    enum: ['raw', 'qcow', 'qed', 'qcow2', 'vmdk', 'cloop'],
    optional: 1,
  },
  heads: {
    type: 'integer',
    optional: 1,
  },
  'import-from': {
    type: 'string',
    format: 'pve-volume-id-or-absolute-path',
    optional: 1,
  },
  iops: {
    type: 'integer',
    optional: 1,
  },
  iops_max: {
    type: 'integer',
    optional: 1,
  },
  iops_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  iops_rd: {
    type: 'integer',
    optional: 1,
  },
  iops_rd_length: {
    alias: 'iops_rd_max_length',
  },
  iops_rd_max: {
    type: 'integer',
    optional: 1,
  },
  iops_rd_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  iops_wr: {
    type: 'integer',
    optional: 1,
  },
  iops_wr_length: {
    alias: 'iops_wr_max_length',
  },
  iops_wr_max: {
    type: 'integer',
    optional: 1,
  },
  iops_wr_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  mbps: {
    type: 'number',
    optional: 1,
  },
  mbps_max: {
    type: 'number',
    optional: 1,
  },
  mbps_rd: {
    type: 'number',
    optional: 1,
  },
  mbps_rd_max: {
    type: 'number',
    optional: 1,
  },
  mbps_wr: {
    type: 'number',
    optional: 1,
  },
  mbps_wr_max: {
    type: 'number',
    optional: 1,
  },
  media: {
    type: 'string',
    enum: ['cdrom', 'disk'],
    optional: 1,
    default: 'disk',
  },
  model: {
    type: 'string',
    format: 'urlencoded',
    optional: 1,
    maxLength: 120,
  },
  replicate: {
    type: 'boolean',
    optional: 1,
    default: 1,
  },
  rerror: {
    type: 'string',
    enum: ['ignore', 'report', 'stop'],
    optional: 1,
  },
  secs: {
    type: 'integer',
    optional: 1,
  },
  serial: {
    type: 'string',
    format: 'urlencoded',
    optional: 1,
    maxLength: 60,
  },
  shared: {
    type: 'boolean',
    optional: 1,
    default: 0,
  },
  size: {
    type: 'string',
    format: 'disk-size',
    optional: 1,
  },
  snapshot: {
    type: 'boolean',
    optional: 1,
  },
  ssd: {
    type: 'boolean',
    optional: 1,
  },
  trans: {
    type: 'string',
    enum: ['none', 'lba', 'auto'],
    optional: 1,
  },
  volume: {
    alias: 'file',
  },
  werror: {
    type: 'string',
    enum: ['enospc', 'ignore', 'report', 'stop'],
    optional: 1,
  },
  wwn: {
    type: 'string',
    optional: 1,
    pattern: '(?^:^(0x)[0-9a-fA-F]{16})',
  },
};

const FMT_MACHINE: Record<string, PveParamSpec> = {
  'enable-s3': {
    type: 'boolean',
    optional: 1,
  },
  'enable-s4': {
    type: 'boolean',
    optional: 1,
  },
  type: {
    type: 'string',
    optional: 1,
    pattern:
      '(pc|pc(-i440fx)?-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|q35|pc-q35-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|virt(?:-\\d+(\\.\\d+)+)?(\\+pve\\d+)?)',
    maxLength: 40,
    default_key: 1,
  },
  viommu: {
    type: 'string',
    enum: ['intel', 'virtio'],
    optional: 1,
  },
};

const FMT_MEMORY: Record<string, PveParamSpec> = {
  current: {
    type: 'integer',
    minimum: 16,
    default: 512,
    default_key: 1,
  },
};

const FMT_NET_N_: Record<string, PveParamSpec> = {
  bridge: {
    type: 'string',
    format: 'pve-bridge-id',
    optional: 1,
  },
  e1000: {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  'e1000-82540em': {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  'e1000-82544gc': {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  'e1000-82545em': {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  e1000e: {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  firewall: {
    type: 'boolean',
    optional: 1,
  },
  i82551: {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  i82557b: {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  i82559er: {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  link_down: {
    type: 'boolean',
    optional: 1,
  },
  macaddr: {
    type: 'string',
    format: 'mac-addr',
    optional: 1,
  },
  model: {
    type: 'string',
    enum: [
      'e1000',
      'e1000-82540em',
      'e1000-82544gc',
      'e1000-82545em',
      'e1000e',
      'i82551',
      'i82557b',
      'i82559er',
      'ne2k_isa',
      'ne2k_pci',
      'pcnet',
      'rtl8139',
      'virtio',
      'vmxnet3',
    ],
    default_key: 1,
  },
  mtu: {
    type: 'integer',
    optional: 1,
    minimum: 1,
    maximum: 65520,
  },
  ne2k_isa: {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  ne2k_pci: {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  pcnet: {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  queues: {
    type: 'integer',
    optional: 1,
    minimum: 0,
    maximum: 64,
  },
  rate: {
    type: 'number',
    optional: 1,
    minimum: 0,
  },
  rtl8139: {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  tag: {
    type: 'integer',
    optional: 1,
    minimum: 1,
    maximum: 4094,
  },
  trunks: {
    type: 'string',
    optional: 1,
    pattern: '(?^:\\d+(?:-\\d+)?(?:;\\d+(?:-\\d+)?)*)',
  },
  virtio: {
    alias: 'macaddr',
    keyAlias: 'model',
  },
  vmxnet3: {
    alias: 'macaddr',
    keyAlias: 'model',
  },
};

const FMT_SATA_N_: Record<string, PveParamSpec> = {
  aio: {
    type: 'string',
    enum: ['native', 'threads', 'io_uring'],
    optional: 1,
  },
  backup: {
    type: 'boolean',
    optional: 1,
  },
  bps: {
    type: 'integer',
    optional: 1,
  },
  bps_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  bps_rd: {
    type: 'integer',
    optional: 1,
  },
  bps_rd_length: {
    alias: 'bps_rd_max_length',
  },
  bps_rd_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  bps_wr: {
    type: 'integer',
    optional: 1,
  },
  bps_wr_length: {
    alias: 'bps_wr_max_length',
  },
  bps_wr_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  cache: {
    type: 'string',
    enum: ['none', 'writethrough', 'writeback', 'unsafe', 'directsync'],
    optional: 1,
  },
  cyls: {
    type: 'integer',
    optional: 1,
  },
  detect_zeroes: {
    type: 'boolean',
    optional: 1,
  },
  discard: {
    type: 'string',
    enum: ['ignore', 'on'],
    optional: 1,
  },
  file: {
    type: 'string',
    format: 'pve-volume-id-or-qm-path',
    default_key: 1,
  },
  format: {
    type: 'string',
    enum: ['raw', 'qcow', 'qed', 'qcow2', 'vmdk', 'cloop'],
    optional: 1,
  },
  heads: {
    type: 'integer',
    optional: 1,
  },
  'import-from': {
    type: 'string',
    format: 'pve-volume-id-or-absolute-path',
    optional: 1,
  },
  iops: {
    type: 'integer',
    optional: 1,
  },
  iops_max: {
    type: 'integer',
    optional: 1,
  },
  iops_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  iops_rd: {
    type: 'integer',
    optional: 1,
  },
  iops_rd_length: {
    alias: 'iops_rd_max_length',
  },
  iops_rd_max: {
    type: 'integer',
    optional: 1,
  },
  iops_rd_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  iops_wr: {
    type: 'integer',
    optional: 1,
  },
  iops_wr_length: {
    alias: 'iops_wr_max_length',
  },
  iops_wr_max: {
    type: 'integer',
    optional: 1,
  },
  iops_wr_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  mbps: {
    type: 'number',
    optional: 1,
  },
  mbps_max: {
    type: 'number',
    optional: 1,
  },
  mbps_rd: {
    type: 'number',
    optional: 1,
  },
  mbps_rd_max: {
    type: 'number',
    optional: 1,
  },
  mbps_wr: {
    type: 'number',
    optional: 1,
  },
  mbps_wr_max: {
    type: 'number',
    optional: 1,
  },
  media: {
    type: 'string',
    enum: ['cdrom', 'disk'],
    optional: 1,
    default: 'disk',
  },
  replicate: {
    type: 'boolean',
    optional: 1,
    default: 1,
  },
  rerror: {
    type: 'string',
    enum: ['ignore', 'report', 'stop'],
    optional: 1,
  },
  secs: {
    type: 'integer',
    optional: 1,
  },
  serial: {
    type: 'string',
    format: 'urlencoded',
    optional: 1,
    maxLength: 60,
  },
  shared: {
    type: 'boolean',
    optional: 1,
    default: 0,
  },
  size: {
    type: 'string',
    format: 'disk-size',
    optional: 1,
  },
  snapshot: {
    type: 'boolean',
    optional: 1,
  },
  ssd: {
    type: 'boolean',
    optional: 1,
  },
  trans: {
    type: 'string',
    enum: ['none', 'lba', 'auto'],
    optional: 1,
  },
  volume: {
    alias: 'file',
  },
  werror: {
    type: 'string',
    enum: ['enospc', 'ignore', 'report', 'stop'],
    optional: 1,
  },
  wwn: {
    type: 'string',
    optional: 1,
    pattern: '(?^:^(0x)[0-9a-fA-F]{16})',
  },
};

const FMT_SCSI_N_: Record<string, PveParamSpec> = {
  aio: {
    type: 'string',
    enum: ['native', 'threads', 'io_uring'],
    optional: 1,
  },
  backup: {
    type: 'boolean',
    optional: 1,
  },
  bps: {
    type: 'integer',
    optional: 1,
  },
  bps_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  bps_rd: {
    type: 'integer',
    optional: 1,
  },
  bps_rd_length: {
    alias: 'bps_rd_max_length',
  },
  bps_rd_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  bps_wr: {
    type: 'integer',
    optional: 1,
  },
  bps_wr_length: {
    alias: 'bps_wr_max_length',
  },
  bps_wr_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  cache: {
    type: 'string',
    enum: ['none', 'writethrough', 'writeback', 'unsafe', 'directsync'],
    optional: 1,
  },
  cyls: {
    type: 'integer',
    optional: 1,
  },
  detect_zeroes: {
    type: 'boolean',
    optional: 1,
  },
  discard: {
    type: 'string',
    enum: ['ignore', 'on'],
    optional: 1,
  },
  file: {
    type: 'string',
    format: 'pve-volume-id-or-qm-path',
    default_key: 1,
  },
  format: {
    type: 'string',
    enum: ['raw', 'qcow', 'qed', 'qcow2', 'vmdk', 'cloop'],
    optional: 1,
  },
  heads: {
    type: 'integer',
    optional: 1,
  },
  'import-from': {
    type: 'string',
    format: 'pve-volume-id-or-absolute-path',
    optional: 1,
  },
  iops: {
    type: 'integer',
    optional: 1,
  },
  iops_max: {
    type: 'integer',
    optional: 1,
  },
  iops_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  iops_rd: {
    type: 'integer',
    optional: 1,
  },
  iops_rd_length: {
    alias: 'iops_rd_max_length',
  },
  iops_rd_max: {
    type: 'integer',
    optional: 1,
  },
  iops_rd_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  iops_wr: {
    type: 'integer',
    optional: 1,
  },
  iops_wr_length: {
    alias: 'iops_wr_max_length',
  },
  iops_wr_max: {
    type: 'integer',
    optional: 1,
  },
  iops_wr_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  iothread: {
    type: 'boolean',
    optional: 1,
  },
  mbps: {
    type: 'number',
    optional: 1,
  },
  mbps_max: {
    type: 'number',
    optional: 1,
  },
  mbps_rd: {
    type: 'number',
    optional: 1,
  },
  mbps_rd_max: {
    type: 'number',
    optional: 1,
  },
  mbps_wr: {
    type: 'number',
    optional: 1,
  },
  mbps_wr_max: {
    type: 'number',
    optional: 1,
  },
  media: {
    type: 'string',
    enum: ['cdrom', 'disk'],
    optional: 1,
    default: 'disk',
  },
  product: {
    type: 'string',
    optional: 1,
    pattern: '[A-Za-z0-9\\-_\\s]{,16}',
  },
  queues: {
    type: 'integer',
    optional: 1,
    minimum: 2,
  },
  replicate: {
    type: 'boolean',
    optional: 1,
    default: 1,
  },
  rerror: {
    type: 'string',
    enum: ['ignore', 'report', 'stop'],
    optional: 1,
  },
  ro: {
    type: 'boolean',
    optional: 1,
  },
  scsiblock: {
    type: 'boolean',
    optional: 1,
    default: 0,
  },
  secs: {
    type: 'integer',
    optional: 1,
  },
  serial: {
    type: 'string',
    format: 'urlencoded',
    optional: 1,
    maxLength: 60,
  },
  shared: {
    type: 'boolean',
    optional: 1,
    default: 0,
  },
  size: {
    type: 'string',
    format: 'disk-size',
    optional: 1,
  },
  snapshot: {
    type: 'boolean',
    optional: 1,
  },
  ssd: {
    type: 'boolean',
    optional: 1,
  },
  trans: {
    type: 'string',
    enum: ['none', 'lba', 'auto'],
    optional: 1,
  },
  vendor: {
    type: 'string',
    optional: 1,
    pattern: '[A-Za-z0-9\\-_\\s]{,8}',
  },
  volume: {
    alias: 'file',
  },
  werror: {
    type: 'string',
    enum: ['enospc', 'ignore', 'report', 'stop'],
    optional: 1,
  },
  wwn: {
    type: 'string',
    optional: 1,
    pattern: '(?^:^(0x)[0-9a-fA-F]{16})',
  },
};

const FMT_TPMSTATE0: Record<string, PveParamSpec> = {
  file: {
    type: 'string',
    format: 'pve-volume-id-or-qm-path',
    default_key: 1,
  },
  'import-from': {
    type: 'string',
    format: 'pve-volume-id-or-absolute-path',
    optional: 1,
  },
  size: {
    type: 'string',
    format: 'disk-size',
    optional: 1,
  },
  version: {
    type: 'string',
    enum: ['v1.2', 'v2.0'],
    optional: 1,
    default: 'v1.2',
  },
  volume: {
    alias: 'file',
  },
};

const FMT_UNUSED_N_: Record<string, PveParamSpec> = {
  file: {
    type: 'string',
    format: 'pve-volume-id',
    default_key: 1,
  },
  volume: {
    alias: 'file',
  },
};

const FMT_VGA: Record<string, PveParamSpec> = {
  clipboard: {
    type: 'string',
    enum: ['vnc'],
    optional: 1,
  },
  memory: {
    type: 'integer',
    optional: 1,
    minimum: 4,
    maximum: 512,
  },
  type: {
    type: 'string',
    enum: [
      'cirrus',
      'qxl',
      'qxl2',
      'qxl3',
      'qxl4',
      'none',
      'serial0',
      'serial1',
      'serial2',
      'serial3',
      'std',
      'virtio',
      'virtio-gl',
      'vmware',
    ],
    optional: 1,
    default: 'std',
    default_key: 1,
  },
};

const FMT_VIRTIO_N_: Record<string, PveParamSpec> = {
  aio: {
    type: 'string',
    enum: ['native', 'threads', 'io_uring'],
    optional: 1,
  },
  backup: {
    type: 'boolean',
    optional: 1,
  },
  bps: {
    type: 'integer',
    optional: 1,
  },
  bps_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  bps_rd: {
    type: 'integer',
    optional: 1,
  },
  bps_rd_length: {
    alias: 'bps_rd_max_length',
  },
  bps_rd_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  bps_wr: {
    type: 'integer',
    optional: 1,
  },
  bps_wr_length: {
    alias: 'bps_wr_max_length',
  },
  bps_wr_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  cache: {
    type: 'string',
    enum: ['none', 'writethrough', 'writeback', 'unsafe', 'directsync'],
    optional: 1,
  },
  cyls: {
    type: 'integer',
    optional: 1,
  },
  detect_zeroes: {
    type: 'boolean',
    optional: 1,
  },
  discard: {
    type: 'string',
    enum: ['ignore', 'on'],
    optional: 1,
  },
  file: {
    type: 'string',
    format: 'pve-volume-id-or-qm-path',
    default_key: 1,
  },
  format: {
    type: 'string',
    enum: ['raw', 'qcow', 'qed', 'qcow2', 'vmdk', 'cloop'],
    optional: 1,
  },
  heads: {
    type: 'integer',
    optional: 1,
  },
  'import-from': {
    type: 'string',
    format: 'pve-volume-id-or-absolute-path',
    optional: 1,
  },
  iops: {
    type: 'integer',
    optional: 1,
  },
  iops_max: {
    type: 'integer',
    optional: 1,
  },
  iops_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  iops_rd: {
    type: 'integer',
    optional: 1,
  },
  iops_rd_length: {
    alias: 'iops_rd_max_length',
  },
  iops_rd_max: {
    type: 'integer',
    optional: 1,
  },
  iops_rd_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  iops_wr: {
    type: 'integer',
    optional: 1,
  },
  iops_wr_length: {
    alias: 'iops_wr_max_length',
  },
  iops_wr_max: {
    type: 'integer',
    optional: 1,
  },
  iops_wr_max_length: {
    type: 'integer',
    optional: 1,
    minimum: 1,
  },
  iothread: {
    type: 'boolean',
    optional: 1,
  },
  mbps: {
    type: 'number',
    optional: 1,
  },
  mbps_max: {
    type: 'number',
    optional: 1,
  },
  mbps_rd: {
    type: 'number',
    optional: 1,
  },
  mbps_rd_max: {
    type: 'number',
    optional: 1,
  },
  mbps_wr: {
    type: 'number',
    optional: 1,
  },
  mbps_wr_max: {
    type: 'number',
    optional: 1,
  },
  media: {
    type: 'string',
    enum: ['cdrom', 'disk'],
    optional: 1,
    default: 'disk',
  },
  replicate: {
    type: 'boolean',
    optional: 1,
    default: 1,
  },
  rerror: {
    type: 'string',
    enum: ['ignore', 'report', 'stop'],
    optional: 1,
  },
  ro: {
    type: 'boolean',
    optional: 1,
  },
  secs: {
    type: 'integer',
    optional: 1,
  },
  serial: {
    type: 'string',
    format: 'urlencoded',
    optional: 1,
    maxLength: 60,
  },
  shared: {
    type: 'boolean',
    optional: 1,
    default: 0,
  },
  size: {
    type: 'string',
    format: 'disk-size',
    optional: 1,
  },
  snapshot: {
    type: 'boolean',
    optional: 1,
  },
  trans: {
    type: 'string',
    enum: ['none', 'lba', 'auto'],
    optional: 1,
  },
  volume: {
    alias: 'file',
  },
  werror: {
    type: 'string',
    enum: ['enospc', 'ignore', 'report', 'stop'],
    optional: 1,
  },
};

// POST (async) and PUT (sync) config take the same options; POST adds background_delay.
const QEMU_CONFIG_UPDATE: RouteParamSpecs = {
  acpi: {
    type: 'boolean',
    optional: 1,
    default: 1,
  },
  agent: {
    type: 'string',
    format: FMT_AGENT,
    optional: 1,
  },
  balloon: {
    type: 'integer',
    optional: 1,
    minimum: 0,
  },
  bios: {
    type: 'string',
    enum: ['seabios', 'ovmf'],
    optional: 1,
    default: 'seabios',
  },
  boot: {
    type: 'string',
    format: 'pve-qm-boot',
    optional: 1,
  },
  cicustom: {
    type: 'string',
    format: 'pve-qm-cicustom',
    optional: 1,
  },
  cipassword: {
    type: 'string',
    optional: 1,
  },
  citype: {
    type: 'string',
    enum: ['configdrive2', 'nocloud', 'opennebula'],
    optional: 1,
  },
  ciupgrade: {
    type: 'boolean',
    optional: 1,
    default: 1,
  },
  ciuser: {
    type: 'string',
    optional: 1,
  },
  cores: {
    type: 'integer',
    optional: 1,
    minimum: 1,
    default: 1,
  },
  cpu: {
    type: 'string',
    format: 'pve-vm-cpu-conf',
    optional: 1,
  },
  cpulimit: {
    type: 'number',
    optional: 1,
    minimum: 0,
    maximum: 128,
    default: 0,
  },
  cpuunits: {
    type: 'integer',
    optional: 1,
    minimum: 1,
    maximum: 262144,
    default: 'cgroup v1: 1024, cgroup v2: 100',
  },
  delete: {
    type: 'string',
    format: 'pve-configid-list',
    optional: 1,
  },
  description: {
    type: 'string',
    optional: 1,
    maxLength: 8192,
  },
  digest: {
    type: 'string',
    optional: 1,
    maxLength: 40,
  },
  efidisk0: {
    type: 'string',
    format: FMT_EFIDISK0,
    optional: 1,
  },
  hotplug: {
    type: 'string',
    format: 'pve-hotplug-features',
    optional: 1,
    default: 'network,disk,usb',
  },
  'ide[n]': {
    type: 'string',
    format: FMT_IDE_N_,
    optional: 1,
  },
  'ipconfig[n]': {
    type: 'string',
    format: 'pve-qm-ipconfig',
    optional: 1,
  },
  kvm: {
    type: 'boolean',
    optional: 1,
    default: 1,
  },
  machine: {
    type: 'string',
    format: FMT_MACHINE,
    optional: 1,
  },
  memory: {
    type: 'string',
    format: FMT_MEMORY,
    optional: 1,
  },
  name: {
    type: 'string',
    format: 'dns-name',
    optional: 1,
  },
  nameserver: {
    type: 'string',
    format: 'address-list',
    optional: 1,
  },
  'net[n]': {
    type: 'string',
    format: FMT_NET_N_,
    optional: 1,
  },
  node: {
    type: 'string',
    format: 'pve-node',
  },
  numa: {
    type: 'boolean',
    optional: 1,
    default: 0,
  },
  onboot: {
    type: 'boolean',
    optional: 1,
    default: 0,
  },
  ostype: {
    type: 'string',
    enum: [
      'other',
      'wxp',
      'w2k',
      'w2k3',
      'w2k8',
      'wvista',
      'win7',
      'win8',
      'win10',
      'win11',
      'l24',
      'l26',
      'solaris',
    ],
    optional: 1,
  },
  protection: {
    type: 'boolean',
    optional: 1,
    default: 0,
  },
  revert: {
    type: 'string',
    format: 'pve-configid-list',
    optional: 1,
  },
  'sata[n]': {
    type: 'string',
    format: FMT_SATA_N_,
    optional: 1,
  },
  'scsi[n]': {
    type: 'string',
    format: FMT_SCSI_N_,
    optional: 1,
  },
  scsihw: {
    type: 'string',
    enum: [
      'lsi',
      'lsi53c810',
      'virtio-scsi-pci',
      'virtio-scsi-single',
      'megasas',
      'pvscsi',
    ],
    optional: 1,
    default: 'lsi',
  },
  searchdomain: {
    type: 'string',
    optional: 1,
  },
  'serial[n]': {
    type: 'string',
    optional: 1,
    pattern: '(/dev/.+|socket)',
  },
  shares: {
    type: 'integer',
    optional: 1,
    minimum: 0,
    maximum: 50000,
    default: 1000,
  },
  skiplock: {
    type: 'boolean',
    optional: 1,
  },
  smbios1: {
    type: 'string',
    format: 'pve-qm-smbios1',
    optional: 1,
    maxLength: 512,
  },
  sockets: {
    type: 'integer',
    optional: 1,
    minimum: 1,
    default: 1,
  },
  sshkeys: {
    type: 'string',
    format: 'urlencoded',
    optional: 1,
  },
  startup: {
    type: 'string',
    format: 'pve-startup-order',
    optional: 1,
  },
  tablet: {
    type: 'boolean',
    optional: 1,
    default: 1,
  },
  tags: {
    type: 'string',
    format: 'pve-tag-list',
    optional: 1,
  },
  template: {
    type: 'boolean',
    optional: 1,
    default: 0,
  },
  tpmstate0: {
    type: 'string',
    format: FMT_TPMSTATE0,
    optional: 1,
  },
  'unused[n]': {
    type: 'string',
    format: FMT_UNUSED_N_,
    optional: 1,
  },
  vcpus: {
    type: 'integer',
    optional: 1,
    minimum: 1,
    default: 0,
  },
  vga: {
    type: 'string',
    format: FMT_VGA,
    optional: 1,
  },
  'virtio[n]': {
    type: 'string',
    format: FMT_VIRTIO_N_,
    optional: 1,
  },
  vmgenid: {
    type: 'string',
    optional: 1,
    pattern: '(?:[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}|[01])',
    default: '1 (autogenerated)',
  },
  vmid: {
    type: 'integer',
    format: 'pve-vmid',
    minimum: 100,
    maximum: 999999999,
  },
};

export const ROUTE_PARAMS: Record<string, RouteParamSpecs> = {
  'GET /version': {},
  'GET /nodes': {},
  'GET /nodes/{node}/status': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
  },
  'GET /cluster/resources': {
    type: {
      type: 'string',
      enum: ['vm', 'storage', 'node', 'sdn'],
      optional: 1,
    },
  },
  'GET /cluster/nextid': {
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      optional: 1,
      minimum: 100,
      maximum: 999999999,
    },
  },
  'GET /cluster/status': {},
  'GET /nodes/{node}/qemu': {
    full: {
      type: 'boolean',
      optional: 1,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
  },
  'POST /nodes/{node}/qemu': {
    acpi: {
      type: 'boolean',
      optional: 1,
      default: 1,
    },
    agent: {
      type: 'string',
      format: FMT_AGENT,
      optional: 1,
    },
    balloon: {
      type: 'integer',
      optional: 1,
      minimum: 0,
    },
    bios: {
      type: 'string',
      enum: ['seabios', 'ovmf'],
      optional: 1,
      default: 'seabios',
    },
    boot: {
      type: 'string',
      format: 'pve-qm-boot',
      optional: 1,
    },
    bwlimit: {
      type: 'integer',
      optional: 1,
      minimum: '0',
      default: 'restore limit from datacenter or storage config',
    },
    cicustom: {
      type: 'string',
      format: 'pve-qm-cicustom',
      optional: 1,
    },
    cipassword: {
      type: 'string',
      optional: 1,
    },
    citype: {
      type: 'string',
      enum: ['configdrive2', 'nocloud', 'opennebula'],
      optional: 1,
    },
    ciupgrade: {
      type: 'boolean',
      optional: 1,
      default: 1,
    },
    ciuser: {
      type: 'string',
      optional: 1,
    },
    cores: {
      type: 'integer',
      optional: 1,
      minimum: 1,
      default: 1,
    },
    cpu: {
      type: 'string',
      format: 'pve-vm-cpu-conf',
      optional: 1,
    },
    cpulimit: {
      type: 'number',
      optional: 1,
      minimum: 0,
      maximum: 128,
      default: 0,
    },
    cpuunits: {
      type: 'integer',
      optional: 1,
      minimum: 1,
      maximum: 262144,
      default: 'cgroup v1: 1024, cgroup v2: 100',
    },
    description: {
      type: 'string',
      optional: 1,
      maxLength: 8192,
    },
    efidisk0: {
      type: 'string',
      format: FMT_EFIDISK0,
      optional: 1,
    },
    hotplug: {
      type: 'string',
      format: 'pve-hotplug-features',
      optional: 1,
      default: 'network,disk,usb',
    },
    'ide[n]': {
      type: 'string',
      format: FMT_IDE_N_,
      optional: 1,
    },
    'ipconfig[n]': {
      type: 'string',
      format: 'pve-qm-ipconfig',
      optional: 1,
    },
    kvm: {
      type: 'boolean',
      optional: 1,
      default: 1,
    },
    machine: {
      type: 'string',
      format: FMT_MACHINE,
      optional: 1,
    },
    memory: {
      type: 'string',
      format: FMT_MEMORY,
      optional: 1,
    },
    name: {
      type: 'string',
      format: 'dns-name',
      optional: 1,
    },
    nameserver: {
      type: 'string',
      format: 'address-list',
      optional: 1,
    },
    'net[n]': {
      type: 'string',
      format: FMT_NET_N_,
      optional: 1,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    numa: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    onboot: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    ostype: {
      type: 'string',
      enum: [
        'other',
        'wxp',
        'w2k',
        'w2k3',
        'w2k8',
        'wvista',
        'win7',
        'win8',
        'win10',
        'win11',
        'l24',
        'l26',
        'solaris',
      ],
      optional: 1,
    },
    pool: {
      type: 'string',
      format: 'pve-poolid',
      optional: 1,
    },
    protection: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    'sata[n]': {
      type: 'string',
      format: FMT_SATA_N_,
      optional: 1,
    },
    'scsi[n]': {
      type: 'string',
      format: FMT_SCSI_N_,
      optional: 1,
    },
    scsihw: {
      type: 'string',
      enum: [
        'lsi',
        'lsi53c810',
        'virtio-scsi-pci',
        'virtio-scsi-single',
        'megasas',
        'pvscsi',
      ],
      optional: 1,
      default: 'lsi',
    },
    searchdomain: {
      type: 'string',
      optional: 1,
    },
    'serial[n]': {
      type: 'string',
      optional: 1,
      pattern: '(/dev/.+|socket)',
    },
    shares: {
      type: 'integer',
      optional: 1,
      minimum: 0,
      maximum: 50000,
      default: 1000,
    },
    smbios1: {
      type: 'string',
      format: 'pve-qm-smbios1',
      optional: 1,
      maxLength: 512,
    },
    sockets: {
      type: 'integer',
      optional: 1,
      minimum: 1,
      default: 1,
    },
    sshkeys: {
      type: 'string',
      format: 'urlencoded',
      optional: 1,
    },
    start: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    startup: {
      type: 'string',
      format: 'pve-startup-order',
      optional: 1,
    },
    storage: {
      type: 'string',
      format: 'pve-storage-id',
      optional: 1,
    },
    tablet: {
      type: 'boolean',
      optional: 1,
      default: 1,
    },
    tags: {
      type: 'string',
      format: 'pve-tag-list',
      optional: 1,
    },
    template: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    tpmstate0: {
      type: 'string',
      format: FMT_TPMSTATE0,
      optional: 1,
    },
    'unused[n]': {
      type: 'string',
      format: FMT_UNUSED_N_,
      optional: 1,
    },
    vcpus: {
      type: 'integer',
      optional: 1,
      minimum: 1,
      default: 0,
    },
    vga: {
      type: 'string',
      format: FMT_VGA,
      optional: 1,
    },
    'virtio[n]': {
      type: 'string',
      format: FMT_VIRTIO_N_,
      optional: 1,
    },
    vmgenid: {
      type: 'string',
      optional: 1,
      pattern: '(?:[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}|[01])',
      default: '1 (autogenerated)',
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'GET /nodes/{node}/qemu/{vmid}/config': {
    current: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    snapshot: {
      type: 'string',
      format: 'pve-configid',
      optional: 1,
      maxLength: 40,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'POST /nodes/{node}/qemu/{vmid}/config': {
    ...QEMU_CONFIG_UPDATE,
    background_delay: {
      type: 'integer',
      optional: 1,
      minimum: 1,
      maximum: 30,
    },
  },
  'PUT /nodes/{node}/qemu/{vmid}/config': { ...QEMU_CONFIG_UPDATE },
  'GET /nodes/{node}/qemu/{vmid}/pending': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'POST /nodes/{node}/qemu/{vmid}/clone': {
    bwlimit: {
      type: 'integer',
      optional: 1,
      minimum: '0',
      default: 'clone limit from datacenter or storage config',
    },
    description: {
      type: 'string',
      optional: 1,
    },
    format: {
      type: 'string',
      enum: ['raw', 'qcow2', 'vmdk'],
      optional: 1,
    },
    full: {
      type: 'boolean',
      optional: 1,
    },
    name: {
      type: 'string',
      format: 'dns-name',
      optional: 1,
    },
    newid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    pool: {
      type: 'string',
      format: 'pve-poolid',
      optional: 1,
    },
    snapname: {
      type: 'string',
      format: 'pve-configid',
      optional: 1,
      maxLength: 40,
    },
    storage: {
      type: 'string',
      format: 'pve-storage-id',
      optional: 1,
    },
    target: {
      type: 'string',
      format: 'pve-node',
      optional: 1,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'PUT /nodes/{node}/qemu/{vmid}/resize': {
    digest: {
      type: 'string',
      optional: 1,
      maxLength: 40,
    },
    disk: {
      type: 'string',
      enum: [
        'ide0',
        'ide1',
        'ide2',
        'ide3',
        'scsi0',
        'scsi1',
        'scsi2',
        'scsi3',
        'scsi4',
        'scsi5',
        'scsi6',
        'scsi7',
        'scsi8',
        'scsi9',
        'scsi10',
        'scsi11',
        'scsi12',
        'scsi13',
        'scsi14',
        'scsi15',
        'scsi16',
        'scsi17',
        'scsi18',
        'scsi19',
        'scsi20',
        'scsi21',
        'scsi22',
        'scsi23',
        'scsi24',
        'scsi25',
        'scsi26',
        'scsi27',
        'scsi28',
        'scsi29',
        'scsi30',
        'virtio0',
        'virtio1',
        'virtio2',
        'virtio3',
        'virtio4',
        'virtio5',
        'virtio6',
        'virtio7',
        'virtio8',
        'virtio9',
        'virtio10',
        'virtio11',
        'virtio12',
        'virtio13',
        'virtio14',
        'virtio15',
        'sata0',
        'sata1',
        'sata2',
        'sata3',
        'sata4',
        'sata5',
        'efidisk0',
        'tpmstate0',
      ],
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    size: {
      type: 'string',
      pattern: '\\+?\\d+(\\.\\d+)?[KMGT]?',
    },
    skiplock: {
      type: 'boolean',
      optional: 1,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'POST /nodes/{node}/qemu/{vmid}/status/start': {
    'force-cpu': {
      type: 'string',
      optional: 1,
    },
    machine: {
      type: 'string',
      format: FMT_MACHINE,
      optional: 1,
    },
    migratedfrom: {
      type: 'string',
      format: 'pve-node',
      optional: 1,
    },
    migration_network: {
      type: 'string',
      format: 'CIDR',
      optional: 1,
    },
    migration_type: {
      type: 'string',
      enum: ['secure', 'insecure'],
      optional: 1,
    },
    'nets-host-mtu': {
      type: 'string',
      optional: 1,
      pattern: 'net\\d+=\\d+(,net\\d+=\\d+)*',
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    skiplock: {
      type: 'boolean',
      optional: 1,
    },
    stateuri: {
      type: 'string',
      optional: 1,
      maxLength: 128,
    },
    targetstorage: {
      type: 'string',
      format: 'storage-pair-list',
      optional: 1,
    },
    timeout: {
      type: 'integer',
      optional: 1,
      minimum: 0,
      default: 'max(30, vm memory in GiB)',
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'POST /nodes/{node}/qemu/{vmid}/status/stop': {
    keepActive: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    migratedfrom: {
      type: 'string',
      format: 'pve-node',
      optional: 1,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    'overrule-shutdown': {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    skiplock: {
      type: 'boolean',
      optional: 1,
    },
    timeout: {
      type: 'integer',
      optional: 1,
      minimum: 0,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'POST /nodes/{node}/qemu/{vmid}/status/shutdown': {
    forceStop: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    keepActive: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    skiplock: {
      type: 'boolean',
      optional: 1,
    },
    timeout: {
      type: 'integer',
      optional: 1,
      minimum: 0,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'POST /nodes/{node}/qemu/{vmid}/status/reboot': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    timeout: {
      type: 'integer',
      optional: 1,
      minimum: 0,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'GET /nodes/{node}/qemu/{vmid}/status': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'GET /nodes/{node}/qemu/{vmid}/status/current': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'DELETE /nodes/{node}/qemu/{vmid}': {
    'destroy-unreferenced-disks': {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    purge: {
      type: 'boolean',
      optional: 1,
    },
    skiplock: {
      type: 'boolean',
      optional: 1,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'POST /nodes/{node}/qemu/{vmid}/template': {
    disk: {
      type: 'string',
      enum: [
        'ide0',
        'ide1',
        'ide2',
        'ide3',
        'scsi0',
        'scsi1',
        'scsi2',
        'scsi3',
        'scsi4',
        'scsi5',
        'scsi6',
        'scsi7',
        'scsi8',
        'scsi9',
        'scsi10',
        'scsi11',
        'scsi12',
        'scsi13',
        'scsi14',
        'scsi15',
        'scsi16',
        'scsi17',
        'scsi18',
        'scsi19',
        'scsi20',
        'scsi21',
        'scsi22',
        'scsi23',
        'scsi24',
        'scsi25',
        'scsi26',
        'scsi27',
        'scsi28',
        'scsi29',
        'scsi30',
        'virtio0',
        'virtio1',
        'virtio2',
        'virtio3',
        'virtio4',
        'virtio5',
        'virtio6',
        'virtio7',
        'virtio8',
        'virtio9',
        'virtio10',
        'virtio11',
        'virtio12',
        'virtio13',
        'virtio14',
        'virtio15',
        'sata0',
        'sata1',
        'sata2',
        'sata3',
        'sata4',
        'sata5',
        'efidisk0',
        'tpmstate0',
      ],
      optional: 1,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'GET /nodes/{node}/qemu/{vmid}/cloudinit': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'PUT /nodes/{node}/qemu/{vmid}/cloudinit': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'GET /nodes/{node}/qemu/{vmid}/cloudinit/dump': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    type: {
      type: 'string',
      enum: ['user', 'network', 'meta'],
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'GET /nodes/{node}/lxc': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
  },
  'GET /nodes/{node}/tasks': {
    errors: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    limit: {
      type: 'integer',
      optional: 1,
      minimum: 0,
      default: 50,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    since: {
      type: 'integer',
      optional: 1,
    },
    source: {
      type: 'string',
      enum: ['archive', 'active', 'all'],
      optional: 1,
      default: 'archive',
    },
    start: {
      type: 'integer',
      optional: 1,
      minimum: 0,
      default: 0,
    },
    statusfilter: {
      type: 'string',
      format: 'pve-task-status-type-list',
      optional: 1,
    },
    typefilter: {
      type: 'string',
      optional: 1,
    },
    until: {
      type: 'integer',
      optional: 1,
    },
    userfilter: {
      type: 'string',
      optional: 1,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      optional: 1,
      minimum: 100,
      maximum: 999999999,
    },
  },
  'DELETE /nodes/{node}/tasks/{upid}': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    upid: {
      type: 'string',
    },
  },
  'GET /nodes/{node}/tasks/{upid}/status': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    upid: {
      type: 'string',
    },
  },
  'GET /nodes/{node}/tasks/{upid}/log': {
    download: {
      type: 'boolean',
      optional: 1,
    },
    limit: {
      type: 'integer',
      optional: 1,
      minimum: 0,
      default: 50,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    start: {
      type: 'integer',
      optional: 1,
      minimum: 0,
      default: 0,
    },
    upid: {
      type: 'string',
    },
  },
  'GET /pools': {
    poolid: {
      type: 'string',
      format: 'pve-poolid',
      optional: 1,
    },
    type: {
      type: 'string',
      enum: ['qemu', 'lxc', 'storage'],
      optional: 1,
      requires: 'poolid',
    },
  },
  'GET /pools/{poolid}': {
    poolid: {
      type: 'string',
      format: 'pve-poolid',
    },
    type: {
      type: 'string',
      enum: ['qemu', 'lxc', 'storage'],
      optional: 1,
    },
  },
  'GET /storage': {
    type: {
      type: 'string',
      enum: [
        'btrfs',
        'cephfs',
        'cifs',
        'dir',
        'esxi',
        'glusterfs',
        'iscsi',
        'iscsidirect',
        'lvm',
        'lvmthin',
        'nfs',
        'pbs',
        'rbd',
        'zfs',
        'zfspool',
      ],
      optional: 1,
    },
  },
  'GET /nodes/{node}/storage': {
    content: {
      type: 'string',
      format: 'pve-storage-content-list',
      optional: 1,
    },
    enabled: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    format: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    storage: {
      type: 'string',
      format: 'pve-storage-id',
      optional: 1,
    },
    target: {
      type: 'string',
      format: 'pve-node',
      optional: 1,
    },
  },
  'GET /nodes/{node}/qemu/{vmid}/snapshot': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'POST /nodes/{node}/qemu/{vmid}/snapshot': {
    description: {
      type: 'string',
      optional: 1,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    snapname: {
      type: 'string',
      format: 'pve-configid',
      maxLength: 40,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
    vmstate: {
      type: 'boolean',
      optional: 1,
    },
  },
  'GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    snapname: {
      type: 'string',
      format: 'pve-configid',
      maxLength: 40,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'DELETE /nodes/{node}/qemu/{vmid}/snapshot/{snapname}': {
    force: {
      type: 'boolean',
      optional: 1,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    snapname: {
      type: 'string',
      format: 'pve-configid',
      maxLength: 40,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    snapname: {
      type: 'string',
      format: 'pve-configid',
      maxLength: 40,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'PUT /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config': {
    description: {
      type: 'string',
      optional: 1,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    snapname: {
      type: 'string',
      format: 'pve-configid',
      maxLength: 40,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'POST /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    snapname: {
      type: 'string',
      format: 'pve-configid',
      maxLength: 40,
    },
    start: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'POST /access/ticket': {
    'new-format': {
      type: 'boolean',
      optional: 1,
      default: 1,
    },
    otp: {
      type: 'string',
      optional: 1,
    },
    password: {
      type: 'string',
    },
    path: {
      type: 'string',
      optional: 1,
      maxLength: 64,
      requires: 'privs',
    },
    privs: {
      type: 'string',
      format: 'pve-priv-list',
      optional: 1,
      maxLength: 64,
      requires: 'path',
    },
    realm: {
      type: 'string',
      format: 'pve-realm',
      optional: 1,
      maxLength: 32,
    },
    'tfa-challenge': {
      type: 'string',
      optional: 1,
    },
    username: {
      type: 'string',
      maxLength: 64,
    },
  },
  'GET /nodes/{node}/network': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    type: {
      type: 'string',
      enum: [
        'bridge',
        'bond',
        'eth',
        'alias',
        'vlan',
        'OVSBridge',
        'OVSBond',
        'OVSPort',
        'OVSIntPort',
        'vnet',
        'any_bridge',
        'any_local_bridge',
      ],
      optional: 1,
    },
  },
  'GET /cluster/sdn/vnets': {
    pending: {
      type: 'boolean',
      optional: 1,
    },
    running: {
      type: 'boolean',
      optional: 1,
    },
  },
  'GET /cluster/firewall/groups': {},
  'POST /cluster/firewall/groups': {
    comment: {
      type: 'string',
      optional: 1,
    },
    digest: {
      type: 'string',
      optional: 1,
      maxLength: 64,
    },
    group: {
      type: 'string',
      pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+',
      maxLength: 18,
      minLength: 2,
    },
    rename: {
      type: 'string',
      optional: 1,
      pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+',
      maxLength: 18,
      minLength: 2,
    },
  },
  'GET /cluster/firewall/groups/{group}': {
    group: {
      type: 'string',
      pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+',
      maxLength: 18,
      minLength: 2,
    },
  },
  'POST /cluster/firewall/groups/{group}': {
    action: {
      type: 'string',
      optional: 0,
      pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+',
      maxLength: 20,
      minLength: 2,
    },
    comment: {
      type: 'string',
      optional: 1,
    },
    dest: {
      type: 'string',
      format: 'pve-fw-addr-spec',
      optional: 1,
      maxLength: 512,
    },
    digest: {
      type: 'string',
      optional: 1,
      maxLength: 64,
    },
    dport: {
      type: 'string',
      format: 'pve-fw-dport-spec',
      optional: 1,
    },
    enable: {
      type: 'integer',
      optional: 1,
      minimum: 0,
    },
    group: {
      type: 'string',
      pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+',
      maxLength: 18,
      minLength: 2,
    },
    'icmp-type': {
      type: 'string',
      format: 'pve-fw-icmp-type-spec',
      optional: 1,
    },
    iface: {
      type: 'string',
      format: 'pve-iface',
      optional: 1,
      maxLength: 20,
      minLength: 2,
    },
    log: {
      type: 'string',
      enum: [
        'emerg',
        'alert',
        'crit',
        'err',
        'warning',
        'notice',
        'info',
        'debug',
        'nolog',
      ],
      optional: 1,
    },
    macro: {
      type: 'string',
      optional: 1,
      maxLength: 128,
    },
    pos: {
      type: 'integer',
      optional: 1,
      minimum: 0,
    },
    proto: {
      type: 'string',
      format: 'pve-fw-protocol-spec',
      optional: 1,
    },
    source: {
      type: 'string',
      format: 'pve-fw-addr-spec',
      optional: 1,
      maxLength: 512,
    },
    sport: {
      type: 'string',
      format: 'pve-fw-sport-spec',
      optional: 1,
    },
    type: {
      type: 'string',
      enum: ['in', 'out', 'forward', 'group'],
      optional: 0,
    },
  },
  'GET /nodes/{node}/qemu/{vmid}/firewall/rules': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'POST /nodes/{node}/qemu/{vmid}/firewall/rules': {
    action: {
      type: 'string',
      optional: 0,
      pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+',
      maxLength: 20,
      minLength: 2,
    },
    comment: {
      type: 'string',
      optional: 1,
    },
    dest: {
      type: 'string',
      format: 'pve-fw-addr-spec',
      optional: 1,
      maxLength: 512,
    },
    digest: {
      type: 'string',
      optional: 1,
      maxLength: 64,
    },
    dport: {
      type: 'string',
      format: 'pve-fw-dport-spec',
      optional: 1,
    },
    enable: {
      type: 'integer',
      optional: 1,
      minimum: 0,
    },
    'icmp-type': {
      type: 'string',
      format: 'pve-fw-icmp-type-spec',
      optional: 1,
    },
    iface: {
      type: 'string',
      format: 'pve-iface',
      optional: 1,
      maxLength: 20,
      minLength: 2,
    },
    log: {
      type: 'string',
      enum: [
        'emerg',
        'alert',
        'crit',
        'err',
        'warning',
        'notice',
        'info',
        'debug',
        'nolog',
      ],
      optional: 1,
    },
    macro: {
      type: 'string',
      optional: 1,
      maxLength: 128,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    pos: {
      type: 'integer',
      optional: 1,
      minimum: 0,
    },
    proto: {
      type: 'string',
      format: 'pve-fw-protocol-spec',
      optional: 1,
    },
    source: {
      type: 'string',
      format: 'pve-fw-addr-spec',
      optional: 1,
      maxLength: 512,
    },
    sport: {
      type: 'string',
      format: 'pve-fw-sport-spec',
      optional: 1,
    },
    type: {
      type: 'string',
      enum: ['in', 'out', 'forward', 'group'],
      optional: 0,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'DELETE /nodes/{node}/qemu/{vmid}/firewall/rules/{pos}': {
    digest: {
      type: 'string',
      optional: 1,
      maxLength: 64,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    pos: {
      type: 'integer',
      optional: 1,
      minimum: 0,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'GET /nodes/{node}/qemu/{vmid}/firewall/options': {
    node: {
      type: 'string',
      format: 'pve-node',
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
  'PUT /nodes/{node}/qemu/{vmid}/firewall/options': {
    delete: {
      type: 'string',
      format: 'pve-configid-list',
      optional: 1,
    },
    dhcp: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    digest: {
      type: 'string',
      optional: 1,
      maxLength: 64,
    },
    enable: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    ipfilter: {
      type: 'boolean',
      optional: 1,
    },
    log_level_in: {
      type: 'string',
      enum: [
        'emerg',
        'alert',
        'crit',
        'err',
        'warning',
        'notice',
        'info',
        'debug',
        'nolog',
      ],
      optional: 1,
    },
    log_level_out: {
      type: 'string',
      enum: [
        'emerg',
        'alert',
        'crit',
        'err',
        'warning',
        'notice',
        'info',
        'debug',
        'nolog',
      ],
      optional: 1,
    },
    macfilter: {
      type: 'boolean',
      optional: 1,
      default: 1,
    },
    ndp: {
      type: 'boolean',
      optional: 1,
      default: 0,
    },
    node: {
      type: 'string',
      format: 'pve-node',
    },
    policy_in: {
      type: 'string',
      enum: ['ACCEPT', 'REJECT', 'DROP'],
      optional: 1,
    },
    policy_out: {
      type: 'string',
      enum: ['ACCEPT', 'REJECT', 'DROP'],
      optional: 1,
    },
    radv: {
      type: 'boolean',
      optional: 1,
    },
    vmid: {
      type: 'integer',
      format: 'pve-vmid',
      minimum: 100,
      maximum: 999999999,
    },
  },
};
