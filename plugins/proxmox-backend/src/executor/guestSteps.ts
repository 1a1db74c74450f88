import { ipv4PoolOf } from '@mycopod/plugin-proxmox-common';
import { ProxmoxApiError } from '@mycopod/plugin-proxmox-node';
import { findBootDisk } from '../inventory/bootDisk';
import { PermanentError } from './errors';
import type { Step, StepContext } from './types';
import { configUpdate, isOurs } from './vmConfig';

function guest(ctx: StepContext): { node: string; vmid: number } {
  if (ctx.state.node === null || ctx.state.vmid === null) {
    throw new PermanentError('The job has no guest location after its clone');
  }
  return { node: ctx.state.node, vmid: ctx.state.vmid };
}

export function taskOptions(ctx: StepContext) {
  return {
    call: { signal: ctx.signal },
    wait: {
      timeoutMs: ctx.config.stepTimeouts.taskMs,
      signal: ctx.signal,
      logOnSuccess: false, // the log is read when the task fails
    },
  };
}

/**
 * The guest's config, checked to be still ours: the one the previous step
 * of this claim read (kept in memory only, taken once), else read now.
 */
async function ourConfig(ctx: StepContext) {
  const where = guest(ctx);
  const known = ctx.memo?.guestConfig;
  if (ctx.memo) delete ctx.memo.guestConfig;
  const config =
    known && known.vmid === where.vmid && known.node === where.node
      ? known.config
      : await ctx.pve.getVmConfig(where, { signal: ctx.signal });
  if (!isOurs(ctx.markerId, config.description)) {
    throw new PermanentError(
      `VMID ${ctx.state.vmid} no longer carries the marker of request ${ctx.markerId}`,
    );
  }
  return config;
}

/** `cloudInit.ipv4: { pool }`: the address taken at approval (src/ipam). */
async function pooledIpv4(ctx: StepContext) {
  const pool = ipv4PoolOf(ctx.spec.cloudInit.ipv4);
  if (pool === undefined) return undefined;
  const lease = await ctx.ipPools?.leaseOf(ctx.requestId);
  if (!lease) {
    throw new PermanentError(
      `No address of IP pool ${pool} is allocated to this request`,
    );
  }
  return lease;
}

/**
 * configure: cores, memory, cloud-init, network, tags and the description
 * with the marker. One PUT that allocates no volume: safe to re-send.
 */
export const configure: Step = async ctx => {
  const config = await ourConfig(ctx);
  const update = configUpdate(
    ctx.requestId,
    ctx.spec,
    config.raw.net0 as string | undefined,
    await pooledIpv4(ctx),
  );
  await ctx.pve.updateVmConfig(
    { ...guest(ctx), ...update },
    { signal: ctx.signal },
  );
  // for resize-disk in this claim: the update changed no disk, kept the marker
  if (ctx.memo) {
    ctx.memo.guestConfig = { ...guest(ctx), config };
  }
  return {
    result: {
      cores: update.cores,
      memoryMiB: update.memory,
      net0: update.net0,
      ipconfig0: update.ipconfig0,
      tags: update.tags,
    },
  };
};

/** resize-disk: the boot disk to `spec.diskGiB` (absolute); skipped when large enough. */
export const resizeDisk: Step = async ctx => {
  const config = await ourConfig(ctx);
  const disk = findBootDisk(config.raw);
  if (!disk) throw new PermanentError('The clone has no boot disk to resize');
  if (disk.sizeGiB >= ctx.spec.diskGiB) {
    return {
      result: { disk: disk.key, sizeGiB: disk.sizeGiB, resized: false },
    };
  }
  const task = await ctx.pve.resizeDiskAndWait(
    { ...guest(ctx), disk: disk.key, size: `${ctx.spec.diskGiB}G` },
    taskOptions(ctx),
  );
  return {
    result: {
      disk: disk.key,
      sizeGiB: ctx.spec.diskGiB,
      resized: true,
      ...(task?.logTail?.length ? { logTail: task.logTail } : {}),
    },
  };
};

/** firewall: attach every security group, then enable the VM firewall. */
export const firewall: Step = async ctx => {
  const groups = ctx.spec.securityGroups;
  // one rule per group, each checked before it is added: independent
  await Promise.all(
    groups.map(group =>
      ctx.pve.ensureVmFirewallGroup(
        { ...guest(ctx), group, comment: 'mycopod' },
        { signal: ctx.signal },
      ),
    ),
  );
  if (groups.length) {
    await ctx.pve.updateVmFirewallOptions(
      { ...guest(ctx), enable: true },
      { signal: ctx.signal },
    );
  }
  return { result: { groups, enabled: groups.length > 0 } };
};

/** start: "already running" counts as started. */
export const start: Step = async ctx => {
  await ctx.pve.startVmAndWait(guest(ctx), taskOptions(ctx));
  return { result: { started: true } };
};

/** wait-ip: bounded wait for the guest agent to report an address. */
export const waitIp: Step = async ctx => {
  const { ipMs } = ctx.config.stepTimeouts;
  try {
    const ip = await ctx.pve.waitForGuestIp(
      { ...guest(ctx), family: 'any' },
      { timeoutMs: ipMs, pollIntervalMs: 100, signal: ctx.signal },
    );
    return {
      result: { addresses: [...new Set(ip.addresses.map(a => a.address))] },
    };
  } catch (e) {
    if (
      !(e instanceof ProxmoxApiError) ||
      e.kind !== 'timeout' ||
      ctx.signal.aborted
    ) {
      throw e;
    }
    const note = `The guest agent reported no IP address within ${Math.round(
      ipMs / 1000,
    )} s`;
    if (ctx.config.ipWait === 'required') throw new PermanentError(note);
    return { result: { addresses: [], note } };
  }
};
