/*
 * IPv4 address math on unsigned 32-bit integers: parsing, formatting,
 * networks (CIDR). Pure functions; no I/O.
 */

/** The largest IPv4 address as an integer. */
export const MAX_IPV4 = 0xffffffff;

/** `a.b.c.d` → integer, or undefined when it is not a dotted quad. */
export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some(o => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

/** Integer → `a.b.c.d`. */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0]
    .map(shift => Math.floor(value / 2 ** shift) % 256)
    .join('.');
}

/** An IPv4 network: its first (network) and last (broadcast) address. */
export interface Ipv4Network {
  /** The network address. */
  base: number;
  prefix: number;
  /** The broadcast address (the last of the network). */
  last: number;
}

/** The number of addresses of a prefix length. */
export function networkSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/**
 * `10.0.0.0/24` → the network. Undefined when it is not an address with a
 * prefix length 1–32; `hostBits` is true when the address is not the
 * network's first (e.g. `10.0.0.5/24`).
 */
export function parseCidr(
  text: string,
): (Ipv4Network & { hostBits: boolean }) | undefined {
  const [addr, prefixText, ...rest] = text.trim().split('/');
  if (rest.length || !/^\d{1,2}$/.test(prefixText ?? '')) return undefined;
  const prefix = Number(prefixText);
  const value = parseIpv4(addr);
  if (value === undefined || prefix < 1 || prefix > 32) return undefined;
  const size = networkSize(prefix);
  const base = Math.floor(value / size) * size;
  return { base, prefix, last: base + size - 1, hostBits: base !== value };
}

/** `base/prefix` of a network. */
export function formatCidr(network: Ipv4Network): string {
  return `${formatIpv4(network.base)}/${network.prefix}`;
}

/** Is the address inside the network. */
export function inNetwork(network: Ipv4Network, address: number): boolean {
  return address >= network.base && address <= network.last;
}

/**
 * The addresses of a network hosts may have: all but the network and
 * broadcast address, except in /31 and /32 networks (RFC 3021), which have
 * none to spare.
 */
export function hostRange(network: Ipv4Network): {
  first: number;
  last: number;
} {
  return network.prefix >= 31
    ? { first: network.base, last: network.last }
    : { first: network.base + 1, last: network.last - 1 };
}
