import { guestEntityName } from '@mycopod/plugin-proxmox-common';

/** 2048 → "2 GiB", 1536 → "1.5 GiB", 512 → "512 MiB". */
export function formatMiB(mib: number | undefined): string {
  if (mib === undefined || !Number.isFinite(mib)) return '–';
  if (mib < 1024) return `${mib} MiB`;
  const gib = mib / 1024;
  return `${Number.isInteger(gib) ? gib : gib.toFixed(1)} GiB`;
}

/** A timestamp as the browser's locale shows it. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** `user:default/alice` → `alice`; anything else unchanged. */
export function shortRef(ref: string | undefined): string {
  if (!ref) return '–';
  const m = /^[^:]+:[^/]+\/(.+)$/.exec(ref);
  return m ? m[1] : ref;
}

/** Catalog path of a guest's Resource entity. */
export function guestCatalogPath(cluster: string, vmid: number): string {
  return `/catalog/default/resource/${guestEntityName(cluster, vmid)}`;
}

export interface SshKeySummary {
  type: string;
  comment?: string;
  /** `SHA256:…`, when the browser can hash. */
  fingerprint?: string;
  /** Start and end of the key body, to tell keys apart without hashing. */
  short: string;
}

function base64ToBytes(b64: string): Uint8Array | undefined {
  try {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

/** Splits an OpenSSH public key line; the fingerprint comes from {@link sshKeyFingerprint}. */
export function summarizeSshKey(line: string): SshKeySummary {
  const [type = '?', body = '', ...rest] = line.trim().split(/\s+/);
  const comment = rest.join(' ') || undefined;
  const short =
    body.length > 16 ? `${body.slice(0, 8)}…${body.slice(-8)}` : body;
  return { type, comment, short };
}

/** OpenSSH's `SHA256:` fingerprint of a public key line (no padding). */
export async function sshKeyFingerprint(
  line: string,
): Promise<string | undefined> {
  const body = line.trim().split(/\s+/)[1];
  const bytes = body ? base64ToBytes(body) : undefined;
  const subtle = globalThis.crypto?.subtle;
  if (!bytes || !subtle) return undefined;
  try {
    const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
    let bin = '';
    digest.forEach(b => {
      bin += String.fromCharCode(b);
    });
    return `SHA256:${btoa(bin).replace(/=+$/, '')}`;
  } catch {
    return undefined;
  }
}
