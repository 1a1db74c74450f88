import type { Config } from '@backstage/config';
import { z } from 'zod';

const TOKEN_ID_RE =
  /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/;

/** zod schema of one `proxmox.clusters[]` entry (see config.d.ts). */
export const proxmoxClusterConfigSchema = z
  .object({
    name: z
      .string()
      .regex(
        /^[a-z0-9]([a-z0-9-_.]*[a-z0-9])?$/i,
        'must be letters, digits, "-", "_" or "." (used in entity names)',
      ),
    url: z
      .string()
      .refine(v => URL.canParse(v), 'must be an absolute URL')
      .refine(
        v => URL.canParse(v) && new URL(v).protocol === 'https:',
        'must use https:// (Proxmox VE only serves its API over HTTPS)',
      ),
    uiUrl: z
      .string()
      .refine(v => URL.canParse(v), 'must be an absolute URL')
      .refine(
        v => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol),
        'must use https:// or http://',
      )
      .optional(),
    tokenId: z
      .string()
      .regex(TOKEN_ID_RE, 'must look like "user@realm!tokenname"'),
    tokenSecret: z.string().min(1, 'must not be empty'),
    caCert: z
      .string()
      .refine(
        v => v.includes('-----BEGIN CERTIFICATE-----'),
        'must be a PEM certificate ("-----BEGIN CERTIFICATE-----…")',
      )
      .optional(),
    tlsVerify: z.boolean().default(true),
    defaultNode: z.string().min(1).optional(),
    defaultStorage: z.string().min(1).optional(),
    defaultBridge: z.string().min(1).optional(),
    maxConnections: z.number().int().min(1).max(256).default(8),
    timeouts: z
      .object({
        requestMs: z.number().int().min(100).default(30_000),
        connectMs: z.number().int().min(100).default(10_000),
        taskMs: z
          .number()
          .int()
          .min(1_000)
          .default(30 * 60_000),
      })
      .prefault({}),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(20).default(5),
        baseDelayMs: z.number().int().min(0).default(500),
        maxDelayMs: z.number().int().min(0).default(10_000),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.tlsVerify === false && c.caCert) {
      ctx.addIssue({
        code: 'custom',
        path: ['tlsVerify'],
        message:
          'set either caCert (verify against it) or tlsVerify: false, not both',
      });
    }
  });

/**
 * A validated cluster configuration. Contains the token secret: do not log
 * it; use {@link describeCluster} for anything user-facing.
 *
 * @public
 */
export type ProxmoxClusterConfig = z.output<typeof proxmoxClusterConfigSchema>;

/** Input shape of a cluster configuration (defaults optional). @public */
export type ProxmoxClusterConfigInput = z.input<
  typeof proxmoxClusterConfigSchema
>;

/**
 * The non-secret part of a cluster configuration.
 *
 * @public
 */
export interface ProxmoxClusterInfo {
  name: string;
  url: string;
  /**
   * Base URL of the Proxmox web UI (no trailing slash): `uiUrl` when
   * configured, else the origin of `url`.
   */
  uiUrl: string;
  tokenId: string;
  tlsVerify: boolean;
  hasCaCert: boolean;
  defaultNode?: string;
  defaultStorage?: string;
  defaultBridge?: string;
}

/**
 * Base URL of a cluster's Proxmox web UI, without a trailing slash: the
 * configured `uiUrl` (e.g. behind a reverse proxy), else the origin of the
 * API `url`.
 *
 * @public
 */
export function proxmoxUiUrl(c: { url: string; uiUrl?: string }): string {
  if (c.uiUrl) {
    const u = new URL(c.uiUrl);
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  }
  return new URL(c.url).origin;
}

/** @public */
export function describeCluster(c: ProxmoxClusterConfig): ProxmoxClusterInfo {
  return {
    name: c.name,
    url: c.url,
    uiUrl: proxmoxUiUrl(c),
    tokenId: c.tokenId,
    tlsVerify: c.tlsVerify,
    hasCaCert: !!c.caCert,
    defaultNode: c.defaultNode,
    defaultStorage: c.defaultStorage,
    defaultBridge: c.defaultBridge,
  };
}

function formatIssues(prefix: string, error: z.ZodError): string {
  return error.issues
    .map(i => {
      const path = i.path
        .map(p => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('');
      return `${prefix}${path}: ${i.message}`;
    })
    .join('; ');
}

/**
 * Parses and validates one cluster configuration object. Error messages name
 * the offending keys and never echo values (so never the secret).
 *
 * @public
 */
export function parseProxmoxClusterConfig(
  input: unknown,
  where = 'proxmox cluster',
): ProxmoxClusterConfig {
  const parsed = proxmoxClusterConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(
      `Invalid configuration: ${formatIssues(where, parsed.error)}`,
    );
  }
  return parsed.data;
}

/**
 * Reads and validates `proxmox.clusters` from the app config. Returns an empty
 * list when the key is absent; throws an `Error` naming every invalid key
 * (`proxmox.clusters[1].url: must use https://`) otherwise.
 *
 * @public
 */
export function readProxmoxClustersConfig(
  config: Config,
): ProxmoxClusterConfig[] {
  const raw = config.getOptional('proxmox.clusters');
  if (raw === undefined) return [];
  const parsed = z.array(z.unknown()).safeParse(raw);
  if (!parsed.success) {
    throw new Error('Invalid configuration: proxmox.clusters must be a list');
  }
  const errors: string[] = [];
  const clusters: ProxmoxClusterConfig[] = [];
  parsed.data.forEach((item, i) => {
    const r = proxmoxClusterConfigSchema.safeParse(item);
    if (r.success) clusters.push(r.data);
    else errors.push(formatIssues(`proxmox.clusters[${i}]`, r.error));
  });
  const seen = new Set<string>();
  for (const c of clusters) {
    if (seen.has(c.name)) {
      errors.push(`proxmox.clusters: duplicate cluster name '${c.name}'`);
    }
    seen.add(c.name);
  }
  if (errors.length > 0) {
    throw new Error(`Invalid configuration: ${errors.join('; ')}`);
  }
  return clusters;
}
