import { ProxmoxApiError } from '@mycopod/plugin-proxmox-node';
import type { FoundGuest } from '@mycopod/plugin-proxmox-node';
import { PermanentError, RetryLaterError, describeError } from './errors';
import type { AllocationResult, Step, StepContext, StepOutcome } from './types';
import { guestDescription, isOurs } from './vmConfig';

const CLONE_ALREADY_EXISTS = /already exists|File exists/i;

function allocation(ctx: StepContext): AllocationResult {
  const a = ctx.state.results['allocate-vmid'] as AllocationResult | undefined;
  if (!a || ctx.state.vmid === null) {
    throw new PermanentError(
      'The job has no VMID although it passed allocate-vmid',
    );
  }
  return a;
}

/** Nodes where the guest of the job may be: clone target and source. */
function guestNodes(ctx: StepContext): string[] {
  const a = allocation(ctx);
  return [ctx.state.node ?? a.node, a.node, a.sourceNode];
}

/**
 * allocate-vmid: resolve the template, choose the node, and reserve a VMID
 * (a unique row per cluster and VMID, shared by the replicas). The VMID is
 * stored in the job row before any clone is sent to it.
 */
export const allocateVmid: Step = async ctx => {
  const { cluster, spec, requestId } = ctx;
  const template = await ctx.placement.resolveTemplate(cluster, spec.template);
  if (!template) {
    throw new PermanentError(
      `Template ${spec.template} does not exist in cluster ${cluster}`,
    );
  }
  const target = await ctx.placement.choosePlacement(
    cluster,
    { node: template.node, storage: template.storage },
    { node: spec.node, storage: spec.storage, memoryMiB: spec.memoryMiB },
  );
  // An earlier attempt may have reserved a VMID and died before storing it;
  // nothing was sent to it (the VMID is stored before the clone), reuse it.
  const held = await ctx.jobs.reservedVmids(cluster, requestId);
  const vmid =
    held[0] ??
    (await ctx.pve.allocateVmid({
      reserve: id => ctx.jobs.reserveVmid(cluster, id, requestId, ctx.now()),
      signal: ctx.signal,
    }));
  // allocated just now and stored before the clone step: nothing was sent to
  // it, so the clone step of this same claim need not look at it first
  if (ctx.memo) {
    if (held.length) delete ctx.memo.freshVmid;
    else ctx.memo.freshVmid = vmid;
  }
  for (const extra of held.slice(1)) {
    await ctx.jobs.releaseVmid(cluster, extra, requestId);
  }
  const result: AllocationResult = {
    vmid,
    node: target.node,
    ...(target.storage ?? template.storage
      ? { storage: target.storage ?? template.storage }
      : {}),
    templateVmid: template.vmid,
    sourceNode: template.node,
  };
  return { result, vmid, node: target.node, upid: null };
};

/**
 * Waits until a guest at the VMID tells whose it is: a clone writes its
 * placeholder config (`lock: clone`, no description) before the real one.
 */
async function settledGuest(
  ctx: StepContext,
  vmid: number,
  untilUnlocked = false,
): Promise<FoundGuest | null> {
  for (let round = 0; ; round++) {
    const found = await ctx.pve.findGuest(vmid, guestNodes(ctx), {
      signal: ctx.signal,
    });
    if (!found || !found.config.lock || round >= 3) return found;
    if (!untilUnlocked && found.config.description) return found;
    try {
      await ctx.pve.waitForVmUnlock(
        { node: found.node, vmid },
        { timeoutMs: ctx.config.stepTimeouts.cloneMs, signal: ctx.signal },
      );
    } catch (e) {
      // moved to the target node or removed (failed clone): look again
      if (!(e instanceof ProxmoxApiError && e.isNotFound)) throw e;
    }
  }
}

/**
 * Looks at the job's VMID: a guest carrying our marker is adopted (an
 * earlier dispatch created it), a foreign one means the VMID was taken.
 */
async function inspectTarget(
  ctx: StepContext,
  vmid: number,
): Promise<'absent' | 'foreign' | StepOutcome> {
  const found = await settledGuest(ctx, vmid);
  if (!found) return 'absent';
  if (
    found.type === 'qemu' &&
    isOurs(ctx.requestId, found.config.description)
  ) {
    return { result: { adopted: true, vmid }, node: found.node, upid: null };
  }
  return 'foreign';
}

/** The VMID belongs to another guest: release it and allocate again. */
async function reallocate(
  ctx: StepContext,
  vmid: number,
): Promise<StepOutcome> {
  await ctx.jobs.releaseVmid(ctx.cluster, vmid, ctx.requestId);
  ctx.pve.releaseVmid(vmid);
  return {
    next: 'allocate-vmid',
    clear: ['allocate-vmid', 'clone'],
    vmid: null,
    upid: null,
  };
}

/**
 * clone: one full clone of the template to the stored VMID. Before sending,
 * a guest already carrying the request's marker is adopted (a crash between
 * "clone sent" and "UPID stored"), so no second VM is ever created. An
 * ambiguous dispatch is re-sent to the same VMID after a backoff.
 */
export const clone: Step = async ctx => {
  const a = allocation(ctx);
  const vmid = ctx.state.vmid!;
  // Looked at unless the VMID was allocated in this claim and nothing was
  // sent to it (a resumed job, a re-sent or ambiguous clone: always looked
  // at). A guest created there by someone else meanwhile makes the clone
  // fail with "already exists" (`taken`), which is inspected below.
  const fresh =
    ctx.memo?.freshVmid === vmid && ctx.state.results.clone === undefined;
  if (ctx.memo) delete ctx.memo.freshVmid;
  if (!fresh) {
    const seen = await inspectTarget(ctx, vmid);
    if (seen === 'foreign') return reallocate(ctx, vmid);
    if (seen !== 'absent') return seen;
  }

  const dispatch = await ctx.pve.cloneTo(
    {
      node: a.sourceNode,
      vmid: a.templateVmid,
      newid: vmid,
      name: ctx.spec.name,
      description: guestDescription(ctx.requestId, ctx.spec),
      full: true,
      ...(a.storage ? { storage: a.storage } : {}),
      ...(a.node !== a.sourceNode ? { target: a.node } : {}),
    },
    { signal: ctx.signal },
  );
  if (dispatch.outcome === 'dispatched') {
    return { result: { upid: dispatch.upid, vmid }, upid: dispatch.upid };
  }
  if (dispatch.outcome === 'taken') {
    const again = await inspectTarget(ctx, vmid);
    if (again === 'foreign' || again === 'absent') return reallocate(ctx, vmid);
    return again;
  }
  await ctx.save({
    results: {
      ...ctx.state.results,
      clone: { ambiguous: describeError(dispatch.error), vmid },
    },
  });
  throw new RetryLaterError(
    `The clone to VMID ${vmid} may or may not have been applied (${describeError(
      dispatch.error,
    )}); it is checked and re-sent to the same VMID`,
  );
};

/**
 * wait-clone: re-polls the stored UPID (also after a resume), then waits
 * until the guest's `clone` lock is gone and records where it lives.
 */
export const waitClone: Step = async ctx => {
  const vmid = ctx.state.vmid!;
  let logTail: string[] | undefined;
  if (ctx.state.upid) {
    try {
      const task = await ctx.pve.waitForTask(ctx.state.upid, {
        timeoutMs: ctx.config.stepTimeouts.cloneMs,
        signal: ctx.signal,
        logOnSuccess: false, // the log is read when the task fails
      });
      logTail = task.logTail;
    } catch (e) {
      if (!(e instanceof ProxmoxApiError) || e.kind !== 'task') throw e;
      const text = `${e.exitstatus ?? ''} ${e.pveMessage ?? ''}`;
      const back = {
        next: 'clone' as const,
        clear: ['clone' as const],
        upid: null,
      };
      // another dispatch to this VMID won (ours or not): clone decides
      if (CLONE_ALREADY_EXISTS.test(text)) return back;
      if (e.isLockTimeout) {
        // Proxmox removed the partial clone: send it again after a backoff
        await ctx.save({
          step: 'clone',
          upid: null,
          results: {
            ...ctx.state.results,
            clone: undefined,
            taskLogTail: e.logTail,
          },
        });
        throw new RetryLaterError(
          `The clone failed on a lock: ${describeError(e)}`,
          e.logTail,
        );
      }
      throw e;
    }
  }
  const found = await settledGuest(ctx, vmid);
  if (!found || !isOurs(ctx.requestId, found.config.description)) {
    if (ctx.state.upid) {
      throw new PermanentError(
        `The clone task ended but VMID ${vmid} ${
          found ? 'is another guest' : 'does not exist'
        }`,
        logTail,
      );
    }
    return { next: 'clone', clear: ['clone'], upid: null };
  }
  const settled = found.config.lock
    ? await settledGuest(ctx, vmid, true)
    : found;
  if (!settled || settled.config.lock) {
    throw new RetryLaterError(
      `VMID ${vmid} is still locked (${
        settled?.config.lock ?? 'gone'
      }) after its clone`,
      logTail,
    );
  }
  const node = settled.node;
  if (ctx.memo) ctx.memo.guestConfig = { vmid, node, config: settled.config };
  return {
    result: { node, vmid, ...(logTail?.length ? { logTail } : {}) },
    node,
  };
};
