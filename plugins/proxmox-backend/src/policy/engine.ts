import type { Finding, VmSpec } from '@mycopod/plugin-proxmox-common';
import type { GroupUsage } from '../database/RequestStore';
import { checkIpPool } from '../ipam/poolFindings';
import {
  normalizeGroupRef,
  type GroupPolicy,
  type PolicyConfig,
  type Quota,
  type SizePreset,
} from './config';
import type { PolicyContext, PolicyResult } from './types';

/*
 * The policy engine: pure functions of a spec, what the caller knows about
 * the requester and the owner group's usage, and the validated config. No
 * I/O, no clock, no throwing on any valid spec.
 */

/** The allow lists and quota that apply to an owner group. */
export interface AllowedChoices {
  /** Template names or VMIDs; `*` matches any run of characters. */
  templates: string[];
  /** Bridge or SDN vnet names. */
  networks: string[];
  securityGroups: string[];
  quota: Quota;
}

/** The group's own entry in `proxmox.policy.groups`, else the defaults. */
export function groupPolicyFor(
  owner: string,
  policy: PolicyConfig,
): GroupPolicy {
  const ref = normalizeGroupRef(owner);
  return (ref !== undefined && policy.groups[ref]) || policy.defaults;
}

/**
 * What an owner group may choose from (for `GET /options` to filter the
 * pickers with {@link matchesAllowList}).
 */
export function allowedChoicesFor(
  owner: string,
  policy: PolicyConfig,
): AllowedChoices {
  const g = groupPolicyFor(owner, policy);
  return {
    templates: [...g.allowedTemplates],
    networks: [...g.allowedNetworks],
    securityGroups: [...g.allowedSecurityGroups],
    quota: { ...g.quota },
  };
}

/** May an approver approve requests they filed themselves. */
export function mayApproveOwn(policy: PolicyConfig): boolean {
  return policy.selfApproval;
}

/** The lease a request gets when it names none, and the longest allowed. */
export function leaseLimits(policy: PolicyConfig): {
  defaultDays: number;
  maxDays: number;
} {
  return { ...policy.lease };
}

/** The size presets the forms offer. */
export function sizePresets(policy: PolicyConfig): SizePreset[] {
  return policy.sizePresets.map(p => ({ ...p }));
}

const patternCache = new Map<string, RegExp>();

function globToRegExp(glob: string): RegExp {
  let re = patternCache.get(glob);
  if (!re) {
    const body = glob
      .split('*')
      .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`);
    if (patternCache.size < 1000) patternCache.set(glob, re);
  }
  return re;
}

/**
 * Whether any of `candidates` (e.g. a template's VMID and its name) is on the
 * allow list. An entry may use `*` as a wildcard, and an entry
 * `cluster/pattern` only applies in that cluster.
 */
export function matchesAllowList(
  patterns: readonly string[],
  candidates: string | number | ReadonlyArray<string | number | undefined>,
  cluster?: string,
): boolean {
  const values = (Array.isArray(candidates) ? candidates : [candidates])
    .filter(v => v !== undefined && v !== '')
    .map(String);
  return patterns.some(entry => {
    let pattern = entry;
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      if (cluster === undefined || entry.slice(0, slash) !== cluster) {
        return false;
      }
      pattern = entry.slice(slash + 1);
    }
    const re = globToRegExp(pattern);
    return values.some(v => re.test(v));
  });
}

// ---------------------------------------------------------------- wording

function groupName(ref: string): string {
  const slash = ref.lastIndexOf('/');
  return slash >= 0 ? ref.slice(slash + 1) : ref;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function mib(n: number): string {
  return n % 1024 === 0 ? `${n / 1024} GiB` : `${n} MiB`;
}

function listForMessage(list: readonly string[]): string {
  if (list.length === 0) return 'none are allowed';
  const shown = list.slice(0, 8).join(', ');
  return `allowed: ${shown}${list.length > 8 ? ', …' : ''}`;
}

type QuotaKey = Exclude<keyof GroupUsage, 'requests'>;

interface QuotaDimension {
  key: QuotaKey;
  code: string;
  field: string;
  /** "4 vCPUs", "8 GiB", "1 VM" */
  amount: (n: number) => string;
  /** "of 32 vCPUs in use", "of 64 GiB memory in use", "of 10 VMs" */
  ofQuota: (used: number, quota: number) => string;
  /** What this request adds. */
  more: (n: number) => string;
}

const QUOTA_DIMENSIONS: readonly QuotaDimension[] = [
  {
    key: 'count',
    code: 'quota.count',
    field: 'owner',
    amount: n => plural(n, 'VM'),
    ofQuota: (used, quota) => `${used} of ${plural(quota, 'VM')}`,
    more: () => 'one more VM',
  },
  {
    key: 'cores',
    code: 'quota.cores',
    field: 'cores',
    amount: n => plural(n, 'vCPU'),
    ofQuota: (used, quota) => `${used} of ${plural(quota, 'vCPU')} in use`,
    more: n => `${n} more`,
  },
  {
    key: 'memoryMiB',
    code: 'quota.memory',
    field: 'memoryMiB',
    amount: n => `${mib(n)} of memory`,
    ofQuota: (used, quota) => `${mib(used)} of ${mib(quota)} memory in use`,
    more: n => `${mib(n)} more`,
  },
  {
    key: 'diskGiB',
    code: 'quota.disk',
    field: 'diskGiB',
    amount: n => `${n} GiB of disk`,
    ofQuota: (used, quota) => `${used} of ${quota} GiB disk in use`,
    more: n => `${n} GiB more`,
  },
];

// ------------------------------------------------------------------ rules

function num(n: number | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

export function checkLimits(
  spec: VmSpec,
  policy: PolicyConfig,
  out: Finding[],
) {
  const { maxCores, maxMemoryMiB, maxDiskGiB } = policy.limits;
  if (spec.cores > maxCores) {
    out.push({
      level: 'error',
      field: 'cores',
      code: 'limit.cores',
      message: `${plural(
        spec.cores,
        'vCPU',
      )} exceed the per-request limit of ${maxCores}`,
    });
  }
  if (spec.memoryMiB > maxMemoryMiB) {
    out.push({
      level: 'error',
      field: 'memoryMiB',
      code: 'limit.memory',
      message: `${mib(
        spec.memoryMiB,
      )} of memory exceeds the per-request limit of ${mib(maxMemoryMiB)}`,
    });
  }
  if (spec.diskGiB > maxDiskGiB) {
    out.push({
      level: 'error',
      field: 'diskGiB',
      code: 'limit.disk',
      message: `A ${spec.diskGiB} GiB disk exceeds the per-request limit of ${maxDiskGiB} GiB`,
    });
  }
}

function checkTemplateDisk(spec: VmSpec, ctx: PolicyContext, out: Finding[]) {
  const templateDisk = ctx.templateDiskGiB;
  if (typeof templateDisk === 'number' && spec.diskGiB < templateDisk) {
    out.push({
      level: 'error',
      field: 'diskGiB',
      code: 'disk.smaller-than-template',
      message: `The template's disk is ${templateDisk} GiB; the VM's disk cannot be smaller (${spec.diskGiB} GiB requested)`,
    });
  }
}

function checkLease(spec: VmSpec, policy: PolicyConfig, out: Finding[]) {
  if (spec.leaseDays !== undefined && spec.leaseDays > policy.lease.maxDays) {
    out.push({
      level: 'error',
      field: 'leaseDays',
      code: 'lease.too-long',
      message: `A lease of ${plural(
        spec.leaseDays,
        'day',
      )} exceeds the maximum of ${plural(policy.lease.maxDays, 'day')}`,
    });
  }
}

function checkAllowLists(
  spec: VmSpec,
  ctx: PolicyContext,
  group: GroupPolicy,
  out: Finding[],
) {
  const who = groupName(spec.owner);
  const templateNames = [spec.template, ctx.template?.vmid, ctx.template?.name];
  if (!matchesAllowList(group.allowedTemplates, templateNames, spec.cluster)) {
    out.push({
      level: 'error',
      field: 'template',
      code: 'template.not-allowed',
      message: `Template ${
        spec.template
      } is not allowed for ${who} (${listForMessage(group.allowedTemplates)})`,
    });
  }

  const net = spec.network as { bridge?: string; vnet?: string };
  const [netField, netName, netWord] =
    net.bridge !== undefined
      ? ['network.bridge', net.bridge, 'Bridge']
      : ['network.vnet', net.vnet ?? '', 'SDN vnet'];
  if (!matchesAllowList(group.allowedNetworks, netName, spec.cluster)) {
    out.push({
      level: 'error',
      field: netField,
      code: 'network.not-allowed',
      message: `${netWord} ${netName} is not allowed for ${who} (${listForMessage(
        group.allowedNetworks,
      )})`,
    });
  }

  (spec.securityGroups ?? []).forEach((sg, i) => {
    if (!matchesAllowList(group.allowedSecurityGroups, sg, spec.cluster)) {
      out.push({
        level: 'error',
        field: `securityGroups.${i}`,
        code: 'security-group.not-allowed',
        message: `Security group ${sg} is not allowed for ${who} (${listForMessage(
          group.allowedSecurityGroups,
        )})`,
      });
    }
  });
}

function checkOwnerMembership(
  spec: VmSpec,
  ctx: PolicyContext,
  policy: PolicyConfig,
  out: Finding[],
) {
  if (!policy.requireOwnerMembership) return;
  const owner = normalizeGroupRef(spec.owner) ?? spec.owner.toLowerCase();
  const member = (ctx.requesterOwnership ?? []).some(
    ref => ref.toLowerCase() === owner,
  );
  if (!member) {
    out.push({
      level: 'error',
      field: 'owner',
      code: 'owner.not-member',
      message: `${groupName(ctx.requester)} is not a member of ${groupName(
        spec.owner,
      )}; choose a group you belong to as the owner`,
    });
  }
}

/**
 * The owner group's quota. `ask` is what the request adds (default: one VM
 * of the spec's size; a resize adds its delta); a dimension it does not
 * grow is not checked.
 */
export function checkQuotas(
  spec: VmSpec,
  ctx: PolicyContext,
  group: GroupPolicy,
  out: Finding[],
  ask: GroupUsage = {
    count: 1,
    cores: spec.cores,
    memoryMiB: spec.memoryMiB,
    diskGiB: spec.diskGiB,
  },
) {
  const who = groupName(spec.owner);
  const committed = ctx.usage?.committed;
  const pending = ctx.usage?.pending;
  // a pending day-2 request holds a delta but no guest: it counts here too
  const pendingRequests = num(pending?.requests ?? pending?.count);
  const considerPending = ctx.phase !== 'approve' && pendingRequests > 0;

  for (const d of QUOTA_DIMENSIONS) {
    const quota = group.quota[d.key];
    if (quota === undefined) continue;
    const used = num(committed?.[d.key]);
    const more = ask[d.key];
    if (more <= 0) continue;
    if (used + more > quota) {
      out.push({
        level: 'error',
        field: d.field,
        code: d.code,
        message: `${who} has ${d.ofQuota(used, quota)}; ${d.more(
          more,
        )} would exceed the quota`,
      });
    } else if (considerPending) {
      const held = num(pending?.[d.key]);
      if (used + held + more > quota) {
        const requests = plural(pendingRequests, 'pending request');
        const what = d.key === 'count' ? '' : ` (${d.amount(held)})`;
        out.push({
          level: 'warning',
          field: d.field,
          code: d.code,
          message: `${who} has ${d.ofQuota(
            used,
            quota,
          )}; if the group's ${requests}${what} ${
            pendingRequests === 1 ? 'is' : 'are'
          } approved too, ${d.more(more)} would exceed the quota`,
        });
      }
    }
  }
}

export function withinAutoApprove(spec: VmSpec, policy: PolicyConfig): boolean {
  const a = policy.autoApprove;
  return (
    a.enabled &&
    spec.cores <= a.maxCores &&
    spec.memoryMiB <= a.maxMemoryMiB &&
    spec.diskGiB <= a.maxDiskGiB
  );
}

/**
 * Checks a (schema-valid) spec against the policy. Never throws for a valid
 * spec; everything it has to say is a finding:
 * - per-request limits, template disk size, lease length, allow lists of the
 *   owner group and the requester's membership of it → errors;
 * - `cloudInit.ipv4: { pool }`: an unknown pool, one of another cluster or
 *   network, one the owner group may not use, an exhausted one → errors;
 * - the owner group's quota with its committed usage → error; in `create`
 *   and `draft` also with its pending requests → warning.
 *
 * `autoApprove` needs auto-approval enabled, no error, the spec within all
 * three thresholds and no quota warning.
 */
export function evaluatePolicy(
  spec: VmSpec,
  ctx: PolicyContext,
  policy: PolicyConfig,
): PolicyResult {
  const findings: Finding[] = [];
  const group = groupPolicyFor(spec.owner, policy);

  checkOwnerMembership(spec, ctx, policy, findings);
  checkLimits(spec, policy, findings);
  checkTemplateDisk(spec, ctx, findings);
  checkLease(spec, policy, findings);
  checkAllowLists(spec, ctx, group, findings);
  checkIpPool(spec, ctx.ipPool, findings);
  checkQuotas(spec, ctx, group, findings);

  const allowed = !findings.some(f => f.level === 'error');
  const quotaWarning = findings.some(
    f => f.level === 'warning' && f.code?.startsWith('quota.'),
  );
  return {
    findings,
    allowed,
    autoApprove: allowed && !quotaWarning && withinAutoApprove(spec, policy),
    leaseDays: spec.leaseDays ?? policy.lease.defaultDays,
  };
}
