import type { Finding, VmSpec } from '@mycopod/plugin-proxmox-common';
import type { PolicyConfig } from './config';
import {
  checkLimits,
  checkQuotas,
  evaluatePolicy,
  groupPolicyFor,
  withinAutoApprove,
} from './engine';
import type { PolicyContext, PolicyResult } from './types';

/*
 * The policy of requests that change an existing guest. Pure, like the
 * engine: the spec is the guest's declared spec as the request leaves it.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

function days(n: number): string {
  return `${n} ${n === 1 ? 'day' : 'days'}`;
}

/** `resize`: the new size within the limits, its growth within the quotas. */
function checkResize(
  spec: VmSpec,
  ctx: PolicyContext,
  policy: PolicyConfig,
  out: Finding[],
) {
  checkLimits(spec, policy, out);
  const current = ctx.current ?? spec;
  checkQuotas(spec, ctx, groupPolicyFor(spec.owner, policy), out, {
    count: 0,
    cores: spec.cores - current.cores,
    memoryMiB: spec.memoryMiB - current.memoryMiB,
    diskGiB: spec.diskGiB - current.diskGiB,
  });
}

/** `extend-lease`: the new end at most `lease.maxDays` from now. */
function checkLeaseEnd(
  ctx: PolicyContext,
  policy: PolicyConfig,
  out: Finding[],
) {
  if (!ctx.lease) return;
  const latest = ctx.lease.now + policy.lease.maxDays * DAY_MS;
  if (ctx.lease.endsAt > latest) {
    out.push({
      level: 'error',
      field: 'days',
      code: 'lease.too-long',
      message: `The lease would end on ${new Date(ctx.lease.endsAt)
        .toISOString()
        .slice(0, 10)}, more than the maximum of ${days(
        policy.lease.maxDays,
      )} from now (${new Date(latest).toISOString().slice(0, 10)})`,
    });
  }
}

/**
 * The policy of a day-2 request. `resize` is checked like a create of its
 * new size (limits, quotas with its growth, auto-approve thresholds);
 * `extend-lease` is auto-approved within `lease.maxDays` from now;
 * `reconcile` restores what was approved (auto-approved); `decommission`
 * needs a person (no finding).
 */
export function evaluateGuestChange(
  spec: VmSpec,
  ctx: PolicyContext,
  policy: PolicyConfig,
): PolicyResult {
  const findings: Finding[] = [];
  if (ctx.kind === 'resize') checkResize(spec, ctx, policy, findings);
  if (ctx.kind === 'extend-lease') checkLeaseEnd(ctx, policy, findings);
  const allowed = !findings.some(f => f.level === 'error');
  const quotaWarning = findings.some(
    f => f.level === 'warning' && f.code?.startsWith('quota.'),
  );
  let autoApprove = false;
  if (ctx.kind === 'resize') {
    autoApprove = allowed && !quotaWarning && withinAutoApprove(spec, policy);
  } else if (ctx.kind === 'extend-lease' || ctx.kind === 'reconcile') {
    autoApprove = allowed;
  }
  return {
    findings,
    allowed,
    autoApprove,
    leaseDays: spec.leaseDays ?? policy.lease.defaultDays,
  };
}

/** The policy of any request kind (`ctx.kind`, default `create`). */
export function evaluateRequestPolicy(
  spec: VmSpec,
  ctx: PolicyContext,
  policy: PolicyConfig,
): PolicyResult {
  return ctx.kind && ctx.kind !== 'create'
    ? evaluateGuestChange(spec, ctx, policy)
    : evaluatePolicy(spec, ctx, policy);
}
