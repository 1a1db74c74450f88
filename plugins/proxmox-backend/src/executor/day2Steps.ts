import { ProxmoxApiError, type FoundGuest } from '@mycopod/plugin-proxmox-node';
import { PermanentError } from './errors';
import { firewall, taskOptions } from './guestSteps';
import type { Day2Context, Step, StepContext } from './types';
import { guestTags, isOurs, netConfig } from './vmConfig';

/*
 * The steps of requests that change a guest MycoPod created. Each finds the
 * guest first (it may have moved to another node) and acts only on a guest
 * that still carries the marker of its create request. Every step is safe
 * to run again after a crash or an ambiguous failure.
 */

function day2(ctx: StepContext): Day2Context {
  if (!ctx.day2) throw new PermanentError('The job is not a day-2 job');
  return ctx.day2;
}

function vmidOf(ctx: StepContext): number {
  if (ctx.state.vmid === null) {
    throw new PermanentError('The job names no guest');
  }
  return ctx.state.vmid;
}

/**
 * The guest where it is now (null when it is gone), after checking it still
 * carries the marker of its create request; a new node is stored.
 */
async function locate(
  ctx: StepContext,
  withStatus = false,
): Promise<FoundGuest | null> {
  const vmid = vmidOf(ctx);
  const found = await ctx.pve.findGuest(
    vmid,
    ctx.state.node ? [ctx.state.node] : [],
    { signal: ctx.signal, withStatus },
  );
  if (!found) return null;
  if (
    found.type !== 'qemu' ||
    !isOurs(ctx.markerId, found.config.description)
  ) {
    throw new PermanentError(
      `VMID ${vmid} is no longer the guest of request ${ctx.markerId} (its marker is gone); nothing was changed`,
    );
  }
  if (found.node !== ctx.state.node) await ctx.save({ node: found.node });
  return found;
}

/** Waits for the guest's lock to clear; false when the guest went away meanwhile. */
async function unlocked(ctx: StepContext, found: FoundGuest): Promise<boolean> {
  if (!found.config.lock) return true;
  try {
    await ctx.pve.waitForVmUnlock(
      { node: found.node, vmid: vmidOf(ctx) },
      { timeoutMs: ctx.config.stepTimeouts.taskMs, signal: ctx.signal },
    );
    return true;
  } catch (e) {
    if (e instanceof ProxmoxApiError && e.isNotFound) return false;
    throw e;
  }
}

const hotplug = (value: unknown): string[] => {
  const text = value === undefined ? '' : String(value);
  if (text === '' || text === '1') return ['network', 'disk', 'usb'];
  return text === '0' ? [] : text.split(',');
};

/**
 * apply-config (resize, reconcile): the declared cores and memory (and, for
 * a reconcile, the network and tags) of the fields the request changes, in
 * one config PUT that allocates no volume (safe to re-send). On a running
 * VM whose hotplug does not cover them, Proxmox keeps the CPU and memory as
 * pending changes until the next reboot (`appliesAtReboot`).
 */
export const applyConfig: Step = async ctx => {
  const d = day2(ctx);
  const found = await locate(ctx, true);
  if (!found) {
    throw new PermanentError(
      `Guest ${vmidOf(ctx)} no longer exists in Proxmox; nothing to change`,
    );
  }
  const fields = Object.keys(d.change?.after ?? {});
  const spec = ctx.spec;
  const update = {
    ...(fields.includes('cores') ? { cores: spec.cores } : {}),
    ...(fields.includes('memoryMiB') ? { memory: spec.memoryMiB } : {}),
    ...(d.kind === 'reconcile' && fields.includes('network')
      ? { net0: netConfig(spec, found.config.raw.net0 as string | undefined) }
      : {}),
    ...(d.kind === 'reconcile' && fields.includes('tags')
      ? { tags: guestTags(spec) }
      : {}),
  };
  const where = { node: found.node, vmid: vmidOf(ctx) };
  if (Object.keys(update).length) {
    await ctx.pve.updateVmConfig(
      { ...where, ...update },
      { signal: ctx.signal },
    );
  }
  // for resize-disk in this claim: the update changed no disk, kept the marker
  if (ctx.memo) ctx.memo.guestConfig = { ...where, config: found.config };
  const hot = hotplug(found.config.raw.hotplug);
  const appliesAtReboot =
    found.status?.status === 'running' &&
    (('cores' in update && !hot.includes('cpu')) ||
      ('memory' in update && !hot.includes('memory')));
  return {
    result: {
      ...update,
      ...(appliesAtReboot ? { appliesAtReboot } : {}),
    },
    node: found.node,
  };
};

/**
 * firewall (reconcile): removes the security-group rules the spec does not
 * declare (and disabled ones), one at a time guarded by the rules' digest,
 * then attaches the declared groups and enables the firewall.
 */
export const reconcileFirewall: Step = async ctx => {
  const where = { node: ctx.state.node!, vmid: vmidOf(ctx) };
  const declared = new Set(ctx.spec.securityGroups);
  const removed: string[] = [];
  for (let round = 0; round < 100; round++) {
    const rules = await ctx.pve.listVmFirewallRules(where, {
      signal: ctx.signal,
    });
    const stale = rules
      .filter(r => r.type === 'group' && (!declared.has(r.action) || !r.enable))
      .sort((a, b) => b.pos - a.pos)[0];
    if (!stale) break;
    await ctx.pve.deleteVmFirewallRule(
      {
        ...where,
        pos: stale.pos,
        ...(stale.digest ? { digest: stale.digest } : {}),
      },
      { signal: ctx.signal },
    );
    removed.push(stale.action);
  }
  const attached = await firewall(ctx);
  return {
    result: { ...(attached.result as object), removed },
  };
};

/** stop (decommission): a hard stop; a stopped or absent guest is fine. */
export const stopGuest: Step = async ctx => {
  const found = await locate(ctx, true);
  if (!found || !(await unlocked(ctx, found))) {
    return { result: { absent: true } };
  }
  const where = { node: found.node, vmid: vmidOf(ctx) };
  if (found.status?.status === 'stopped') {
    return { result: { stopped: false, wasStopped: true }, node: found.node };
  }
  await ctx.pve.stopVmAndWait(where, taskOptions(ctx));
  return { result: { stopped: true }, node: found.node };
};

/**
 * destroy (decommission): the VM with every disk (`purge`, unreferenced
 * disks too). A guest already gone counts as destroyed; an ambiguous
 * dispatch is settled by looking whether the VM still exists before sending
 * it again (the client's `deleteVmAndWait`).
 */
export const destroyGuest: Step = async ctx => {
  const found = await locate(ctx, true);
  if (!found || !(await unlocked(ctx, found))) {
    return { result: { absent: true } };
  }
  const where = { node: found.node, vmid: vmidOf(ctx) };
  try {
    if (found.status?.status === 'running') {
      await ctx.pve.stopVmAndWait(where, taskOptions(ctx)); // started again meanwhile
    }
    await ctx.pve.deleteVmAndWait(
      { ...where, purge: true, 'destroy-unreferenced-disks': true },
      taskOptions(ctx),
    );
  } catch (e) {
    if (e instanceof ProxmoxApiError && e.isNotFound) {
      return { result: { absent: true } };
    }
    throw e;
  }
  return { result: { destroyed: true, node: found.node }, node: found.node };
};

/**
 * release (decommission): the VMID reservation of the guest goes, the
 * release hooks run (e.g. IP pools free the address) and the step is
 * stored, in one transaction.
 */
export const releaseGuest: Step = async ctx => {
  const d = day2(ctx);
  const vmid = vmidOf(ctx);
  const result = { vmid, hooks: d.releaseHooks.length };
  await ctx.jobs.knex.transaction(async trx => {
    await ctx.jobs.releaseVmid(ctx.cluster, vmid, d.createRequestId, trx);
    for (const hook of d.releaseHooks) {
      await hook.onGuestReleased(trx, {
        cluster: ctx.cluster,
        vmid,
        requestId: d.createRequestId,
      });
    }
    await ctx.save(
      { step: 'done', results: { ...ctx.state.results, release: result } },
      trx,
    );
  });
  ctx.pve.releaseVmid(vmid);
  return { result, next: 'done' };
};

/** extend-lease: the create request's lease end becomes the asked one (absolute). */
export const extendLease: Step = async ctx => {
  const d = day2(ctx);
  const endsAt = d.change?.after.leaseEndsAt;
  const ms = typeof endsAt === 'string' ? Date.parse(endsAt) : NaN;
  if (!Number.isFinite(ms)) {
    throw new PermanentError('The request names no new lease end');
  }
  await d.requests.setLeaseEnd(
    d.requests.knex,
    d.createRequestId,
    ms,
    ctx.now(),
  );
  return { result: { leaseEndsAt: endsAt } };
};
