/*
 * Finding a template's boot disk in its qemu config and reading its size.
 */

/** The boot disk of a qemu config. */
export interface BootDisk {
  /** Config key, e.g. `scsi0`. */
  key: string;
  /** Storage of the volume (`local-lvm` of `local-lvm:base-9000-disk-0`); absent for paths. */
  storage?: string;
  /** Size in GiB (from `size=`), 0 when the config does not say. */
  sizeGiB: number;
}

const DISK_KEY = /^(scsi|virtio|sata|ide)(\d+)$/;
const BUS_ORDER = ['scsi', 'virtio', 'sata', 'ide'];
const UNIT_GIB: Record<string, number> = {
  '': 1 / 1024 ** 3,
  K: 1 / 1024 ** 2,
  M: 1 / 1024,
  G: 1,
  T: 1024,
};

/**
 * Parses a PVE disk size (`32G`, `3584M`, `1T`, `512K`, bytes without a
 * unit) into GiB, rounded to 3 decimals. `undefined` when it is not a size.
 */
export function parseDiskSizeGiB(size: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)\s*$/i.exec(size);
  if (!m) return undefined;
  const gib = Number(m[1]) * UNIT_GIB[m[2].toUpperCase()];
  return Math.round(gib * 1000) / 1000;
}

/** Splits a drive value `vol,opt=x,…` into its volume and options. */
function parseDrive(value: string): {
  volume: string;
  opts: Record<string, string>;
} {
  const [first, ...rest] = value.split(',');
  const opts: Record<string, string> = {};
  let volume = first;
  if (first.startsWith('file=')) volume = first.slice('file='.length);
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq > 0) opts[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return { volume, opts };
}

function isDataDisk(value: string): boolean {
  const { volume, opts } = parseDrive(value);
  if (opts.media === 'cdrom') return false;
  if (volume === 'none' || volume === 'cdrom') return false;
  return !/cloudinit/.test(volume);
}

function compareDiskKeys(a: string, b: string): number {
  const ma = DISK_KEY.exec(a)!;
  const mb = DISK_KEY.exec(b)!;
  const bus = BUS_ORDER.indexOf(ma[1]) - BUS_ORDER.indexOf(mb[1]);
  return bus !== 0 ? bus : Number(ma[2]) - Number(mb[2]);
}

/**
 * The boot disk of a qemu config (raw key → value): the first disk of
 * `boot: order=…`, else of the legacy `bootdisk`, else the first
 * scsi/virtio/sata/ide disk; CD-ROMs and cloud-init drives never count.
 */
export function findBootDisk(
  config: Record<string, string | number>,
): BootDisk | undefined {
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) raw[k] = String(v);

  const order =
    /(?:^|,)order=([^,]+)/.exec(raw.boot ?? '')?.[1]?.split(';') ?? [];
  const candidates = [
    ...order,
    ...(raw.bootdisk ? [raw.bootdisk] : []),
    ...Object.keys(raw)
      .filter(k => DISK_KEY.test(k))
      .sort(compareDiskKeys),
  ];
  for (const key of candidates) {
    if (!DISK_KEY.test(key) || !raw[key] || !isDataDisk(raw[key])) continue;
    const { volume, opts } = parseDrive(raw[key]);
    const colon = volume.indexOf(':');
    const storage =
      colon > 0 && !volume.startsWith('/') ? volume.slice(0, colon) : undefined;
    return {
      key,
      storage,
      sizeGiB: (opts.size && parseDiskSizeGiB(opts.size)) || 0,
    };
  }
  return undefined;
}
