/*
 * Wire encoding for the Proxmox VE API (pve-http-server `extract_params`).
 *
 * - POST/PUT bodies are `application/x-www-form-urlencoded` with an explicit
 *   Content-Length (PVE refuses chunked transfer encoding with 501).
 * - GET/DELETE parameters travel in the query string (a body on those methods
 *   is a 501 "Unexpected content").
 * - Booleans are `1`/`0` (PVE rejects `true`/`false` in form values).
 */

/** A parameter value after the endpoint's zod schema has encoded it. @public */
export type WireValue = string | number | boolean;

/** Encoded parameters as the server receives them (before form encoding). @public */
export type WireParams = Record<string, WireValue>;

/** Converts one already-encoded parameter value to its string form on the wire. */
export function wireString(value: WireValue): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new TypeError(`Cannot encode non-finite number ${value}`);
    }
    return String(value);
  }
  return value;
}

/**
 * Encodes parameters as `application/x-www-form-urlencoded` (also used for
 * query strings). Keys are sorted so the encoding is deterministic.
 * `encodeURIComponent` is used (space as `%20`, which every form decoder
 * accepts), so a value that is itself URL-encoded (PVE's `sshkeys`) ends up
 * double-encoded exactly as PVE expects.
 */
export function encodeForm(params: WireParams): string {
  return Object.keys(params)
    .filter(k => params[k] !== undefined)
    .sort()
    .map(
      k =>
        `${encodeURIComponent(k)}=${encodeURIComponent(wireString(params[k]))}`,
    )
    .join('&');
}

/**
 * Decodes a form body or query string the way PVE does (`+` is a space,
 * percent escapes are UTF-8). Repeated keys keep the last value.
 */
export function decodeForm(encoded: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(encoded)) out[k] = v;
  return out;
}

/**
 * Encodes SSH public keys for the `sshkeys` parameter (format `urlencoded`).
 * PVE validates the decoded form value against `^[-%a-zA-Z0-9_.!~*'()]*$`,
 * which is exactly the output alphabet of `encodeURIComponent`; the form
 * encoder then encodes the `%` signs again.
 */
export function encodeSshKeys(keys: string | string[]): string {
  const text = Array.isArray(keys)
    ? keys
        .map(k => k.trim())
        .filter(Boolean)
        .join('\n')
    : keys;
  return encodeURIComponent(text);
}

/** Decodes the still URL-encoded `sshkeys` value returned by GET config. */
export function decodeSshKeys(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Substitutes `{name}` placeholders in a path template. */
export function fillPathTemplate(
  template: string,
  values: Record<string, WireValue>,
): string {
  return template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined || v === '') {
      throw new TypeError(`Missing path parameter '${name}' for ${template}`);
    }
    return encodeURIComponent(wireString(v));
  });
}

/** Names of the `{placeholders}` in a path template. */
export function pathParamNames(template: string): string[] {
  return Array.from(template.matchAll(/\{([^}]+)\}/g), m => m[1]);
}

/**
 * Parses a PVE property string (`virtio=AA:BB,bridge=vmbr0,firewall=1`).
 * A part without `=` is stored under `defaultKey` (e.g. `model` for nets,
 * `file` for disks, `enabled` for `agent`, `current` for `memory`).
 *
 * @public
 */
export function parsePropertyString(
  value: string,
  defaultKey?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    if (eq === -1) {
      if (defaultKey) out[defaultKey] = part;
      continue;
    }
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** Splits a PVE tag list (`;`, `,` or whitespace separated). */
export function splitTags(value: string | undefined | null): string[] {
  if (!value) return [];
  return value
    .split(/[;,\s]+/)
    .map(t => t.trim())
    .filter(Boolean);
}

/** Splits a comma separated list (storage `content`, `nodes`). */
export function splitCommaList(value: string | undefined | null): string[] {
  if (!value) return [];
  return value
    .split(/[,;\s]+/)
    .map(t => t.trim())
    .filter(Boolean);
}
