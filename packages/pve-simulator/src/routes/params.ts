// Parameter declarations of the simulated routes, in the shape of the PVE 8.4
// schema (pve-docs api-viewer, stable-bookworm). Descriptions are omitted. The
// qemu config routes declare a curated subset of the VM options (see README).
// Generated once from the schema (apidata-pve8.4.json); what the schema repeats
// (the drive property-string formats, the qemu config options, node/vmid and
// firewall rule parameters, common specs) is written once here and composed.
// Parameters and property-string keys are listed sorted by name, as generated
// (only POST .../config appends background_delay); `byName` keeps that order
// where parts are composed. Check with the route-schema test
// (src/routes/params.test.ts).
import { CONSOLE_ROUTE_PARAMS } from '../console/params';
import type { PveParamSpec } from '../schema';

export type RouteParamSpecs = Record<string, PveParamSpec>;

/** `specs` with its keys sorted by name, the order the schema lists them in. */
function byName(specs: RouteParamSpecs): RouteParamSpecs {
  return Object.fromEntries(
    Object.keys(specs)
      .sort()
      .map(k => [k, specs[k]]),
  );
}

/** `ide0`, `ide1`, … (qemu-server's drive names of one bus). */
function driveNames(bus: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${bus}${i}`);
}

// Specs that recur across routes and formats (shared by reference; nothing
// mutates them).
const OPT_BOOL: PveParamSpec = { type: 'boolean', optional: 1 };
const BOOL_DEFAULT_0: PveParamSpec = {
  type: 'boolean',
  optional: 1,
  default: 0,
};
const BOOL_DEFAULT_1: PveParamSpec = {
  type: 'boolean',
  optional: 1,
  default: 1,
};
const OPT_INT: PveParamSpec = { type: 'integer', optional: 1 };
const OPT_UINT: PveParamSpec = { type: 'integer', optional: 1, minimum: 0 };
const OPT_NUM: PveParamSpec = { type: 'number', optional: 1 };
const OPT_STR: PveParamSpec = { type: 'string', optional: 1 };

const NODE: PveParamSpec = { type: 'string', format: 'pve-node' };
const OPT_NODE: PveParamSpec = {
  type: 'string',
  format: 'pve-node',
  optional: 1,
};
const VMID: PveParamSpec = {
  type: 'integer',
  format: 'pve-vmid',
  minimum: 100,
  maximum: 999999999,
};
const OPT_VMID: PveParamSpec = {
  type: 'integer',
  format: 'pve-vmid',
  optional: 1,
  minimum: 100,
  maximum: 999999999,
};
/** `{node}` and `{vmid}` of the /nodes/{node}/qemu/{vmid} routes */
const NODE_VMID: RouteParamSpecs = { node: NODE, vmid: VMID };

const SNAPNAME: PveParamSpec = {
  type: 'string',
  format: 'pve-configid',
  maxLength: 40,
};
const OPT_SNAPNAME: PveParamSpec = {
  type: 'string',
  format: 'pve-configid',
  optional: 1,
  maxLength: 40,
};
const OPT_POOLID: PveParamSpec = {
  type: 'string',
  format: 'pve-poolid',
  optional: 1,
};
const OPT_STORAGE: PveParamSpec = {
  type: 'string',
  format: 'pve-storage-id',
  optional: 1,
};
const CONFIGID_LIST: PveParamSpec = {
  type: 'string',
  format: 'pve-configid-list',
  optional: 1,
};
const QM_DIGEST: PveParamSpec = { type: 'string', optional: 1, maxLength: 40 };
const FW_DIGEST: PveParamSpec = { type: 'string', optional: 1, maxLength: 64 };
const UPID: PveParamSpec = { type: 'string' };
// paging of the task list and of a task log
const LIST_LIMIT: PveParamSpec = {
  type: 'integer',
  optional: 1,
  minimum: 0,
  default: 50,
};
const LIST_START: PveParamSpec = {
  type: 'integer',
  optional: 1,
  minimum: 0,
  default: 0,
};

// qemu-server's valid_drive_names, in its order
const DRIVE_NAMES = [
  ...driveNames('ide', 4),
  ...driveNames('scsi', 31),
  ...driveNames('virtio', 16),
  ...driveNames('sata', 6),
  'efidisk0',
  'tpmstate0',
];

const FMT_AGENT: Record<string, PveParamSpec> = {
  enabled: {
    type: 'boolean',
    default: 0,
    default_key: 1,
  },
  'freeze-fs-on-backup': BOOL_DEFAULT_1,
  fstrim_cloned_disks: BOOL_DEFAULT_0,
  type: {
    type: 'string',
    enum: ['virtio', 'isa'],
    optional: 1,
    default: 'virtio',
  },
};

// Volume keys of every disk property string (efidisk0, tpmstate0, drives).
const DISK_VOLUME: Record<string, PveParamSpec> = {
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
  volume: {
    alias: 'file',
  },
};

const DISK_IMAGE_FORMAT: PveParamSpec = {
  type: 'string',
  enum: ['raw', 'qcow', 'qed', 'qcow2', 'vmdk', 'cloop'],
  optional: 1,
};

const FMT_EFIDISK0 = byName({
  ...DISK_VOLUME,
  efitype: {
    type: 'string',
    enum: ['2m', '4m'],
    optional: 1,
    default: '2m',
  },
  format: DISK_IMAGE_FORMAT,
  'ms-cert': {
    type: 'string',
    enum: ['2011', '2023', '2023w', '2023k'],
    optional: 1,
    default: '2011',
  },
  'pre-enrolled-keys': BOOL_DEFAULT_0,
});

const FMT_TPMSTATE0 = byName({
  ...DISK_VOLUME,
  version: {
    type: 'string',
    enum: ['v1.2', 'v2.0'],
    optional: 1,
    default: 'v1.2',
  },
});

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

// I/O limits of a drive (bytes/s, ops/s, MB/s; bursts and their length).
const BURST_LENGTH: PveParamSpec = { type: 'integer', optional: 1, minimum: 1 };
const DRIVE_THROTTLE: Record<string, PveParamSpec> = {
  bps: OPT_INT,
  bps_max_length: BURST_LENGTH,
  bps_rd: OPT_INT,
  bps_rd_length: { alias: 'bps_rd_max_length' },
  bps_rd_max_length: BURST_LENGTH,
  bps_wr: OPT_INT,
  bps_wr_length: { alias: 'bps_wr_max_length' },
  bps_wr_max_length: BURST_LENGTH,
  iops: OPT_INT,
  iops_max: OPT_INT,
  iops_max_length: BURST_LENGTH,
  iops_rd: OPT_INT,
  iops_rd_length: { alias: 'iops_rd_max_length' },
  iops_rd_max: OPT_INT,
  iops_rd_max_length: BURST_LENGTH,
  iops_wr: OPT_INT,
  iops_wr_length: { alias: 'iops_wr_max_length' },
  iops_wr_max: OPT_INT,
  iops_wr_max_length: BURST_LENGTH,
  mbps: OPT_NUM,
  mbps_max: OPT_NUM,
  mbps_rd: OPT_NUM,
  mbps_rd_max: OPT_NUM,
  mbps_wr: OPT_NUM,
  mbps_wr_max: OPT_NUM,
};

// The keys all four drive buses (ide, sata, scsi, virtio) share.
const DISK_FORMAT_COMMON: Record<string, PveParamSpec> = {
  ...DISK_VOLUME,
  ...DRIVE_THROTTLE,
  aio: {
    type: 'string',
    enum: ['native', 'threads', 'io_uring'],
    optional: 1,
  },
  backup: OPT_BOOL,
  cache: {
    type: 'string',
    enum: ['none', 'writethrough', 'writeback', 'unsafe', 'directsync'],
    optional: 1,
  },
  cyls: OPT_INT,
  detect_zeroes: OPT_BOOL,
  discard: {
    type: 'string',
    enum: ['ignore', 'on'],
    optional: 1,
  },
  format: DISK_IMAGE_FORMAT,
  heads: OPT_INT,
  media: {
    type: 'string',
    enum: ['cdrom', 'disk'],
    optional: 1,
    default: 'disk',
  },
  replicate: BOOL_DEFAULT_1,
  rerror: {
    type: 'string',
    enum: ['ignore', 'report', 'stop'],
    optional: 1,
  },
  secs: OPT_INT,
  serial: {
    type: 'string',
    format: 'urlencoded',
    optional: 1,
    maxLength: 60,
  },
  shared: BOOL_DEFAULT_0,
  snapshot: OPT_BOOL,
  trans: {
    type: 'string',
    enum: ['none', 'lba', 'auto'],
    optional: 1,
  },
  werror: {
    type: 'string',
    enum: ['enospc', 'ignore', 'report', 'stop'],
    optional: 1,
  },
};

// ide, sata and scsi drives (not virtio)
const DRIVE_SSD_WWN: Record<string, PveParamSpec> = {
  ssd: OPT_BOOL,
  wwn: {
    type: 'string',
    optional: 1,
    pattern: '(?^:^(0x)[0-9a-fA-F]{16})',
  },
};

// scsi and virtio drives
const DRIVE_IOTHREAD_RO: Record<string, PveParamSpec> = {
  iothread: OPT_BOOL,
  ro: OPT_BOOL,
};

const FMT_IDE_N_ = byName({
  ...DISK_FORMAT_COMMON,
  ...DRIVE_SSD_WWN,
  model: {
    type: 'string',
    format: 'urlencoded',
    optional: 1,
    maxLength: 120,
  },
});

const FMT_SATA_N_ = byName({ ...DISK_FORMAT_COMMON, ...DRIVE_SSD_WWN });

const FMT_SCSI_N_ = byName({
  ...DISK_FORMAT_COMMON,
  ...DRIVE_SSD_WWN,
  ...DRIVE_IOTHREAD_RO,
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
  scsiblock: BOOL_DEFAULT_0,
  vendor: {
    type: 'string',
    optional: 1,
    pattern: '[A-Za-z0-9\\-_\\s]{,8}',
  },
});

const FMT_VIRTIO_N_ = byName({ ...DISK_FORMAT_COMMON, ...DRIVE_IOTHREAD_RO });

const FMT_MACHINE: Record<string, PveParamSpec> = {
  'enable-s3': OPT_BOOL,
  'enable-s4': OPT_BOOL,
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

const NET_MODELS = [
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
];

const FMT_NET_N_ = byName({
  // `<model>=<macaddr>`: each model name is a key alias of `macaddr`
  ...Object.fromEntries(
    NET_MODELS.map(m => [m, { alias: 'macaddr', keyAlias: 'model' }]),
  ),
  bridge: {
    type: 'string',
    format: 'pve-bridge-id',
    optional: 1,
  },
  firewall: OPT_BOOL,
  link_down: OPT_BOOL,
  macaddr: {
    type: 'string',
    format: 'mac-addr',
    optional: 1,
  },
  model: {
    type: 'string',
    enum: NET_MODELS,
    default_key: 1,
  },
  mtu: {
    type: 'integer',
    optional: 1,
    minimum: 1,
    maximum: 65520,
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
});

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

// VM options that create (POST /nodes/{node}/qemu) and update (POST/PUT
// .../config) share, with {node} and {vmid}.
const QEMU_CONFIG_OPTIONS: RouteParamSpecs = {
  acpi: BOOL_DEFAULT_1,
  agent: {
    type: 'string',
    format: FMT_AGENT,
    optional: 1,
  },
  balloon: OPT_UINT,
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
  cipassword: OPT_STR,
  citype: {
    type: 'string',
    enum: ['configdrive2', 'nocloud', 'opennebula'],
    optional: 1,
  },
  ciupgrade: BOOL_DEFAULT_1,
  ciuser: OPT_STR,
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
  kvm: BOOL_DEFAULT_1,
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
  node: NODE,
  numa: BOOL_DEFAULT_0,
  onboot: BOOL_DEFAULT_0,
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
  protection: BOOL_DEFAULT_0,
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
  searchdomain: OPT_STR,
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
  startup: {
    type: 'string',
    format: 'pve-startup-order',
    optional: 1,
  },
  tablet: BOOL_DEFAULT_1,
  tags: {
    type: 'string',
    format: 'pve-tag-list',
    optional: 1,
  },
  template: BOOL_DEFAULT_0,
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
  vmid: VMID,
};

// POST (async) and PUT (sync) config take the same options; POST adds background_delay.
const QEMU_CONFIG_UPDATE = byName({
  ...QEMU_CONFIG_OPTIONS,
  delete: CONFIGID_LIST,
  digest: QM_DIGEST,
  revert: CONFIGID_LIST,
  skiplock: OPT_BOOL,
});

const FW_GROUP_PATTERN = '[A-Za-z][A-Za-z0-9\\-\\_]+';
const FW_GROUP: PveParamSpec = {
  type: 'string',
  pattern: FW_GROUP_PATTERN,
  maxLength: 18,
  minLength: 2,
};
const FW_LOG_LEVEL: PveParamSpec = {
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
};
const FW_POLICY: PveParamSpec = {
  type: 'string',
  enum: ['ACCEPT', 'REJECT', 'DROP'],
  optional: 1,
};

// A firewall rule, as created in a security group or a VM's rule list.
const FW_RULE: RouteParamSpecs = {
  action: {
    type: 'string',
    optional: 0,
    pattern: FW_GROUP_PATTERN,
    maxLength: 20,
    minLength: 2,
  },
  comment: OPT_STR,
  dest: {
    type: 'string',
    format: 'pve-fw-addr-spec',
    optional: 1,
    maxLength: 512,
  },
  digest: FW_DIGEST,
  dport: {
    type: 'string',
    format: 'pve-fw-dport-spec',
    optional: 1,
  },
  enable: OPT_UINT,
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
  log: FW_LOG_LEVEL,
  macro: {
    type: 'string',
    optional: 1,
    maxLength: 128,
  },
  pos: OPT_UINT,
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
};

export const ROUTE_PARAMS: Record<string, RouteParamSpecs> = {
  'GET /version': {},
  'GET /nodes': {},
  'GET /nodes/{node}/status': { node: NODE },
  'GET /cluster/resources': {
    type: {
      type: 'string',
      enum: ['vm', 'storage', 'node', 'sdn'],
      optional: 1,
    },
  },
  'GET /cluster/nextid': { vmid: OPT_VMID },
  'GET /cluster/status': {},
  'GET /nodes/{node}/qemu': { full: OPT_BOOL, node: NODE },
  'POST /nodes/{node}/qemu': byName({
    ...QEMU_CONFIG_OPTIONS,
    bwlimit: {
      type: 'integer',
      optional: 1,
      minimum: '0',
      default: 'restore limit from datacenter or storage config',
    },
    pool: OPT_POOLID,
    start: BOOL_DEFAULT_0,
    storage: OPT_STORAGE,
  }),
  'GET /nodes/{node}/qemu/{vmid}/config': {
    current: BOOL_DEFAULT_0,
    node: NODE,
    snapshot: OPT_SNAPNAME,
    vmid: VMID,
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
  'GET /nodes/{node}/qemu/{vmid}/pending': { ...NODE_VMID },
  'POST /nodes/{node}/qemu/{vmid}/clone': {
    bwlimit: {
      type: 'integer',
      optional: 1,
      minimum: '0',
      default: 'clone limit from datacenter or storage config',
    },
    description: OPT_STR,
    format: {
      type: 'string',
      enum: ['raw', 'qcow2', 'vmdk'],
      optional: 1,
    },
    full: OPT_BOOL,
    name: {
      type: 'string',
      format: 'dns-name',
      optional: 1,
    },
    newid: VMID,
    node: NODE,
    pool: OPT_POOLID,
    snapname: OPT_SNAPNAME,
    storage: OPT_STORAGE,
    target: OPT_NODE,
    vmid: VMID,
  },
  'PUT /nodes/{node}/qemu/{vmid}/resize': {
    digest: QM_DIGEST,
    disk: {
      type: 'string',
      enum: DRIVE_NAMES,
    },
    node: NODE,
    size: {
      type: 'string',
      pattern: '\\+?\\d+(\\.\\d+)?[KMGT]?',
    },
    skiplock: OPT_BOOL,
    vmid: VMID,
  },
  'POST /nodes/{node}/qemu/{vmid}/status/start': {
    'force-cpu': OPT_STR,
    machine: {
      type: 'string',
      format: FMT_MACHINE,
      optional: 1,
    },
    migratedfrom: OPT_NODE,
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
    node: NODE,
    skiplock: OPT_BOOL,
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
    vmid: VMID,
  },
  'POST /nodes/{node}/qemu/{vmid}/status/stop': {
    keepActive: BOOL_DEFAULT_0,
    migratedfrom: OPT_NODE,
    node: NODE,
    'overrule-shutdown': BOOL_DEFAULT_0,
    skiplock: OPT_BOOL,
    timeout: OPT_UINT,
    vmid: VMID,
  },
  'POST /nodes/{node}/qemu/{vmid}/status/shutdown': {
    forceStop: BOOL_DEFAULT_0,
    keepActive: BOOL_DEFAULT_0,
    node: NODE,
    skiplock: OPT_BOOL,
    timeout: OPT_UINT,
    vmid: VMID,
  },
  'POST /nodes/{node}/qemu/{vmid}/status/reboot': {
    node: NODE,
    timeout: OPT_UINT,
    vmid: VMID,
  },
  'GET /nodes/{node}/qemu/{vmid}/status': { ...NODE_VMID },
  'GET /nodes/{node}/qemu/{vmid}/status/current': { ...NODE_VMID },
  'DELETE /nodes/{node}/qemu/{vmid}': {
    'destroy-unreferenced-disks': BOOL_DEFAULT_0,
    node: NODE,
    purge: OPT_BOOL,
    skiplock: OPT_BOOL,
    vmid: VMID,
  },
  'GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces': {
    ...NODE_VMID,
  },
  'POST /nodes/{node}/qemu/{vmid}/template': {
    disk: {
      type: 'string',
      enum: DRIVE_NAMES,
      optional: 1,
    },
    ...NODE_VMID,
  },
  'GET /nodes/{node}/qemu/{vmid}/cloudinit': { ...NODE_VMID },
  'PUT /nodes/{node}/qemu/{vmid}/cloudinit': { ...NODE_VMID },
  'GET /nodes/{node}/qemu/{vmid}/cloudinit/dump': {
    node: NODE,
    type: {
      type: 'string',
      enum: ['user', 'network', 'meta'],
    },
    vmid: VMID,
  },
  'GET /nodes/{node}/lxc': { node: NODE },
  'GET /nodes/{node}/tasks': {
    errors: BOOL_DEFAULT_0,
    limit: LIST_LIMIT,
    node: NODE,
    since: OPT_INT,
    source: {
      type: 'string',
      enum: ['archive', 'active', 'all'],
      optional: 1,
      default: 'archive',
    },
    start: LIST_START,
    statusfilter: {
      type: 'string',
      format: 'pve-task-status-type-list',
      optional: 1,
    },
    typefilter: OPT_STR,
    until: OPT_INT,
    userfilter: OPT_STR,
    vmid: OPT_VMID,
  },
  'DELETE /nodes/{node}/tasks/{upid}': { node: NODE, upid: UPID },
  'GET /nodes/{node}/tasks/{upid}/status': { node: NODE, upid: UPID },
  'GET /nodes/{node}/tasks/{upid}/log': {
    download: OPT_BOOL,
    limit: LIST_LIMIT,
    node: NODE,
    start: LIST_START,
    upid: UPID,
  },
  'GET /pools': {
    poolid: OPT_POOLID,
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
    enabled: BOOL_DEFAULT_0,
    format: BOOL_DEFAULT_0,
    node: NODE,
    storage: OPT_STORAGE,
    target: OPT_NODE,
  },
  'GET /nodes/{node}/qemu/{vmid}/snapshot': { ...NODE_VMID },
  'POST /nodes/{node}/qemu/{vmid}/snapshot': {
    description: OPT_STR,
    node: NODE,
    snapname: SNAPNAME,
    vmid: VMID,
    vmstate: OPT_BOOL,
  },
  'GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}': {
    node: NODE,
    snapname: SNAPNAME,
    vmid: VMID,
  },
  'DELETE /nodes/{node}/qemu/{vmid}/snapshot/{snapname}': {
    force: OPT_BOOL,
    node: NODE,
    snapname: SNAPNAME,
    vmid: VMID,
  },
  'GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config': {
    node: NODE,
    snapname: SNAPNAME,
    vmid: VMID,
  },
  'PUT /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config': {
    description: OPT_STR,
    node: NODE,
    snapname: SNAPNAME,
    vmid: VMID,
  },
  'POST /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback': {
    node: NODE,
    snapname: SNAPNAME,
    start: BOOL_DEFAULT_0,
    vmid: VMID,
  },
  'POST /access/ticket': {
    'new-format': BOOL_DEFAULT_1,
    otp: OPT_STR,
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
    'tfa-challenge': OPT_STR,
    username: {
      type: 'string',
      maxLength: 64,
    },
  },
  'GET /nodes/{node}/network': {
    node: NODE,
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
  'GET /cluster/sdn/vnets': { pending: OPT_BOOL, running: OPT_BOOL },
  'GET /cluster/firewall/groups': {},
  'POST /cluster/firewall/groups': {
    comment: OPT_STR,
    digest: FW_DIGEST,
    group: FW_GROUP,
    rename: {
      type: 'string',
      optional: 1,
      pattern: FW_GROUP_PATTERN,
      maxLength: 18,
      minLength: 2,
    },
  },
  'GET /cluster/firewall/groups/{group}': { group: FW_GROUP },
  'POST /cluster/firewall/groups/{group}': byName({
    ...FW_RULE,
    group: FW_GROUP,
  }),
  'GET /nodes/{node}/qemu/{vmid}/firewall/rules': { ...NODE_VMID },
  'POST /nodes/{node}/qemu/{vmid}/firewall/rules': byName({
    ...FW_RULE,
    ...NODE_VMID,
  }),
  'DELETE /nodes/{node}/qemu/{vmid}/firewall/rules/{pos}': {
    digest: FW_DIGEST,
    node: NODE,
    pos: OPT_UINT,
    vmid: VMID,
  },
  'GET /nodes/{node}/qemu/{vmid}/firewall/options': { ...NODE_VMID },
  'PUT /nodes/{node}/qemu/{vmid}/firewall/options': {
    delete: CONFIGID_LIST,
    dhcp: BOOL_DEFAULT_0,
    digest: FW_DIGEST,
    enable: BOOL_DEFAULT_0,
    ipfilter: OPT_BOOL,
    log_level_in: FW_LOG_LEVEL,
    log_level_out: FW_LOG_LEVEL,
    macfilter: BOOL_DEFAULT_1,
    ndp: BOOL_DEFAULT_0,
    node: NODE,
    policy_in: FW_POLICY,
    policy_out: FW_POLICY,
    radv: OPT_BOOL,
    vmid: VMID,
  },
  ...CONSOLE_ROUTE_PARAMS,
};
