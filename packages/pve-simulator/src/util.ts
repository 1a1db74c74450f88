import seedrandom from 'seedrandom';

/** A deterministic pseudo random number generator returning [0, 1). */
export type Rng = () => number;

export function makeRng(seed: number | string): Rng {
  return seedrandom(String(seed));
}

export function randInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: ReadonlyArray<T>): T {
  return items[Math.floor(rng() * items.length)];
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

/** A unicast MAC with Proxmox's default prefix (datacenter.cfg mac_prefix BC:24:11). */
export function randomMac(rng: Rng): string {
  return [
    'BC',
    '24',
    '11',
    ...[0, 1, 2].map(() => hex2(Math.floor(rng() * 256))),
  ].join(':');
}

export function randomUuid(rng: Rng): string {
  const w = () =>
    Math.floor(rng() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  const s = w() + w() + w() + w();
  const variant = ((parseInt(s[16], 16) & 0x3) | 0x8).toString(16);
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(
    13,
    16,
  )}-${variant}${s.slice(17, 20)}-${s.slice(20)}`;
}

export const nowSec = () => Math.floor(Date.now() / 1000);

export const hex8 = (n: number) =>
  n.toString(16).toUpperCase().padStart(8, '0');

/** A cheap, stable 32-bit hash (FNV-1a) used for per-object pseudo random stats. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Deterministic fraction in [0, 1) for a key. */
export const frac = (key: string) => hash32(key) / 0x100000000;

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let t: NodeJS.Timeout | undefined = undefined;
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
