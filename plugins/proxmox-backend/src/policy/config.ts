import type { Config } from '@backstage/config';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { z } from 'zod';

/** The config key this module reads. */
export const POLICY_CONFIG_KEY = 'proxmox.policy';

/** Per-group quota; an absent key means unlimited. */
export interface Quota {
  count?: number;
  cores?: number;
  memoryMiB?: number;
  diskGiB?: number;
}

/** A named size offered by the forms. */
export interface SizePreset {
  name: string;
  cores: number;
  memoryMiB: number;
  diskGiB: number;
}

/**
 * What a group may use. Allow-list entries are names (templates also by
 * VMID), `*` matches any run of characters, and an entry `cluster/entry`
 * applies in that cluster only.
 */
export interface GroupPolicy {
  quota: Quota;
  allowedTemplates: string[];
  allowedNetworks: string[];
  allowedSecurityGroups: string[];
}

/** `proxmox.policy` after validation, with every default applied. */
export interface PolicyConfig {
  limits: { maxCores: number; maxMemoryMiB: number; maxDiskGiB: number };
  lease: { defaultDays: number; maxDays: number };
  autoApprove: {
    enabled: boolean;
    maxCores: number;
    maxMemoryMiB: number;
    maxDiskGiB: number;
  };
  selfApproval: boolean;
  requireOwnerMembership: boolean;
  sizePresets: SizePreset[];
  defaults: GroupPolicy;
  /** By normalised group entity ref (lower case, `group:<ns>/<name>`). */
  groups: Record<string, GroupPolicy>;
}

export const DEFAULT_SIZE_PRESETS: readonly SizePreset[] = Object.freeze([
  { name: 'small', cores: 1, memoryMiB: 2048, diskGiB: 20 },
  { name: 'medium', cores: 2, memoryMiB: 4096, diskGiB: 40 },
  { name: 'large', cores: 4, memoryMiB: 8192, diskGiB: 80 },
]);

export const DEFAULT_QUOTA: Readonly<Quota> = Object.freeze({
  count: 10,
  cores: 32,
  memoryMiB: 65536,
  diskGiB: 2000,
});

const positiveInt = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);

const quotaSchema = z.strictObject({
  count: nonNegativeInt.optional(),
  cores: nonNegativeInt.optional(),
  memoryMiB: nonNegativeInt.optional(),
  diskGiB: nonNegativeInt.optional(),
});

/** Entries are strings; a template VMID may be written as a number. */
const allowListSchema = z
  .array(
    z.union([
      z.string().trim().min(1, 'must not be empty'),
      z.number().int().min(0),
    ]),
  )
  .transform(list => list.map(String));

const groupFieldsShape = {
  quota: quotaSchema.optional(),
  allowedTemplates: allowListSchema.optional(),
  allowedNetworks: allowListSchema.optional(),
  allowedSecurityGroups: allowListSchema.optional(),
};

const sizePresetSchema = z.strictObject({
  name: z.string().trim().min(1),
  cores: positiveInt,
  memoryMiB: positiveInt,
  diskGiB: positiveInt,
});

const policySchema = z
  .strictObject({
    limits: z
      .strictObject({
        maxCores: positiveInt.default(16),
        maxMemoryMiB: positiveInt.default(65536),
        maxDiskGiB: positiveInt.default(500),
      })
      .prefault({}),
    lease: z
      .strictObject({
        defaultDays: positiveInt.default(30),
        maxDays: positiveInt.default(90),
      })
      .prefault({}),
    autoApprove: z
      .strictObject({
        enabled: z.boolean().default(false),
        maxCores: positiveInt.default(2),
        maxMemoryMiB: positiveInt.default(4096),
        maxDiskGiB: positiveInt.default(40),
      })
      .prefault({}),
    selfApproval: z.boolean().default(false),
    requireOwnerMembership: z.boolean().default(true),
    sizePresets: z.array(sizePresetSchema).optional(),
    defaults: z.strictObject(groupFieldsShape).prefault({}),
    groups: z
      .array(
        z.strictObject({
          group: z.string().trim().min(1),
          ...groupFieldsShape,
        }),
      )
      .default([]),
  })
  .superRefine((p, ctx) => {
    if (p.lease.defaultDays > p.lease.maxDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['lease', 'defaultDays'],
        message: `must not exceed lease.maxDays (${p.lease.maxDays})`,
      });
    }
    const presetNames = new Set<string>();
    (p.sizePresets ?? []).forEach((preset, i) => {
      if (presetNames.has(preset.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sizePresets', i, 'name'],
          message: `duplicate size preset "${preset.name}"`,
        });
      }
      presetNames.add(preset.name);
      for (const [key, limit] of [
        ['cores', p.limits.maxCores],
        ['memoryMiB', p.limits.maxMemoryMiB],
        ['diskGiB', p.limits.maxDiskGiB],
      ] as const) {
        if (preset[key] > limit) {
          ctx.addIssue({
            code: 'custom',
            path: ['sizePresets', i, key],
            message: `exceeds the per-request limit (${limit})`,
          });
        }
      }
    });
    const groups = new Set<string>();
    p.groups.forEach((g, i) => {
      const ref = normalizeGroupRef(g.group);
      if (!ref) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', i, 'group'],
          message: `"${g.group}" is not a group entity ref such as group:default/team-a`,
        });
      } else if (groups.has(ref)) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', i, 'group'],
          message: `group ${ref} is listed more than once`,
        });
      } else {
        groups.add(ref);
      }
    });
  });

/**
 * A group entity ref in canonical form (`group:<namespace>/<name>`, lower
 * case, as Backstage compares refs), or undefined if it is not a group ref.
 * Accepts the short forms `team-a` and `default/team-a`.
 */
export function normalizeGroupRef(ref: string): string | undefined {
  try {
    const parsed = parseEntityRef(ref, {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
    if (parsed.kind.toLocaleLowerCase('en-US') !== 'group') return undefined;
    return stringifyEntityRef(parsed).toLocaleLowerCase('en-US');
  } catch {
    return undefined;
  }
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = POLICY_CONFIG_KEY;
  for (const p of path) {
    out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  }
  return out;
}

/**
 * Reads and validates `proxmox.policy`. Every key is optional; see
 * `config.d.ts` for the defaults. Throws an Error naming the offending key
 * (e.g. `proxmox.policy.limits.maxCores`) when the config is invalid.
 */
export function readPolicyConfig(config: Config): PolicyConfig {
  const raw = config.getOptional(POLICY_CONFIG_KEY) ?? {};
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues
      .map(issue => `${formatPath(issue.path)}: ${issue.message}`)
      .join('; ');
    throw new Error(`Invalid configuration: ${details}`);
  }
  const p = parsed.data;

  const defaults: GroupPolicy = {
    quota: p.defaults.quota ?? { ...DEFAULT_QUOTA },
    allowedTemplates: p.defaults.allowedTemplates ?? ['*'],
    allowedNetworks: p.defaults.allowedNetworks ?? ['*'],
    allowedSecurityGroups: p.defaults.allowedSecurityGroups ?? ['*'],
  };
  const groups: Record<string, GroupPolicy> = {};
  for (const g of p.groups) {
    // A key set on a group replaces the default as a whole; an absent one
    // inherits it.
    groups[normalizeGroupRef(g.group)!] = {
      quota: g.quota ?? defaults.quota,
      allowedTemplates: g.allowedTemplates ?? defaults.allowedTemplates,
      allowedNetworks: g.allowedNetworks ?? defaults.allowedNetworks,
      allowedSecurityGroups:
        g.allowedSecurityGroups ?? defaults.allowedSecurityGroups,
    };
  }

  // Built-in presets that the configured limits rule out are left out; a
  // configured preset beyond the limits is a config error (above).
  const sizePresets =
    p.sizePresets ??
    DEFAULT_SIZE_PRESETS.filter(
      s =>
        s.cores <= p.limits.maxCores &&
        s.memoryMiB <= p.limits.maxMemoryMiB &&
        s.diskGiB <= p.limits.maxDiskGiB,
    ).map(s => ({ ...s }));

  return {
    limits: p.limits,
    lease: p.lease,
    autoApprove: p.autoApprove,
    selfApproval: p.selfApproval,
    requireOwnerMembership: p.requireOwnerMembership,
    sizePresets,
    defaults,
    groups,
  };
}
