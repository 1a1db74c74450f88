/** Helpers shared by the qemu routes (ids, locks, tasks, power state). */
import { paramError } from '../../http/errors';
import { LockTimeoutError } from '../../state/locks';
import {
  isCdrom,
  isDriveKey,
  normalizeTags,
  parseDrive,
  parseNet,
  printNet,
} from '../../state/qemu';
import { StorageFullError } from '../../state/storage';
import { TaskContext, TaskError } from '../../state/tasks';
import type { Guest } from '../../state/types';
import { VolumeError } from '../../state/volumes';
import { randInt, randomMac, randomUuid } from '../../util';
import {
  applyPending,
  loadGuest,
  reloadGuest,
  validateSshKeys,
} from '../guestOps';
import { boolString, P, RouteCtx } from '../types';

export const VM_CONFIG_PERMS = [
  'VM.Config.Disk',
  'VM.Config.CDROM',
  'VM.Config.CPU',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.HWType',
  'VM.Config.Options',
  'VM.Config.Cloudinit',
];

/** The `{node}` and `{vmid}` of the route path. */
export function guestIds(ctx: RouteCtx) {
  return { node: String(ctx.params.node), vmid: Number(ctx.params.vmid) };
}

/** The `skiplock` parameter (only root may set it). */
export function skiplockParam(ctx: RouteCtx): boolean {
  const skiplock = P.bool(ctx.params, 'skiplock');
  if (skiplock && ctx.auth.userid !== 'root@pam') {
    throw paramError({ skiplock: 'Only root may use this option.' });
  }
  return skiplock ?? false;
}

/** A new stopped guest whose config holds only a lock (create / clone target). */
export function lockedGuest(
  vmid: number,
  node: string,
  lock: string,
  firewall: Guest['firewall'] = { options: {}, rules: [] },
): Guest {
  return {
    vmid,
    type: 'qemu',
    node,
    config: { lock },
    pending: {},
    pendingDelete: new Set(),
    snapshots: new Map(),
    status: 'stopped',
    createdAt: Date.now(),
    firewall,
  };
}

/** Normalizes option values like PVE does before writing (MACs, tags, vmgenid). */
export function normalizeOptions(ctx: RouteCtx, opts: Record<string, string>) {
  for (const key of Object.keys(opts)) {
    if (/^net\d+$/.test(key)) {
      const n = parseNet(opts[key]);
      if (!n.macaddr) n.macaddr = randomMac(ctx.sim.rng);
      opts[key] = printNet(n);
    } else if (key === 'tags') {
      opts[key] = normalizeTags(opts[key]);
    } else if (key === 'vmgenid' && opts[key] === '1') {
      opts[key] = randomUuid(ctx.sim.rng);
    } else if (key === 'cdrom') {
      opts.ide2 = opts[key];
      delete opts[key];
    } else if (key === 'sshkeys') {
      validateSshKeys(opts[key]);
    }
  }
}

/** Config options from validated params (values as config strings). */
export function configOptions(
  params: Record<string, unknown>,
  skip: ReadonlySet<string>,
) {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (skip.has(k) || v === undefined || v === null) continue;
    out[k] = boolString(v);
  }
  return out;
}

export function storageErr(e: unknown): string {
  if (
    e instanceof StorageFullError ||
    e instanceof VolumeError ||
    e instanceof Error
  )
    return e.message;
  return String(e);
}

export async function lockInTask(
  t: TaskContext,
  vmid: number,
  timeoutMs?: number,
) {
  try {
    return await t.lockGuest(vmid, timeoutMs);
  } catch (e) {
    if (e instanceof LockTimeoutError) throw new TaskError(e.message);
    throw e;
  }
}

export function taskCheckLock(g: Guest, skiplock: boolean) {
  if (!skiplock && g.config.lock)
    throw new TaskError(`VM is locked (${g.config.lock})\n`);
}

export function spawn(
  ctx: RouteCtx,
  type: string,
  id: string | number,
  worker: (t: TaskContext) => Promise<void>,
  failureMessage?: string,
  node?: string,
) {
  const task = ctx.sim.tasks.spawn(
    {
      cluster: ctx.cluster,
      node: node ?? String(ctx.params.node),
      type,
      id: String(id),
      authId: ctx.auth.userid,
      failureMessage,
    },
    worker,
  );
  return task;
}

/** The task's simulated work: one `taskMs` pause, then the abort checkpoint. */
export async function taskWork(ctx: RouteCtx, t: TaskContext) {
  await t.sleep(ctx.sim.timings.taskMs);
  t.checkpoint();
}

export const configLockFailure = (vmid: number) =>
  `can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout\n`;

/**
 * A task on the route's VM: loads the guest first (`before` may refuse it
 * there), then runs `work` in the worker with the VM lock held and the guest
 * re-read. Returns the UPID.
 */
export function guestTask(
  ctx: RouteCtx,
  type: string,
  work: (g: Guest, t: TaskContext) => Promise<void>,
  opts: { before?: (g: Guest) => void; failureMessage?: string } = {},
) {
  const { node, vmid } = guestIds(ctx);
  opts.before?.(loadGuest(ctx));
  const task = spawn(
    ctx,
    type,
    vmid,
    async t => {
      const unlock = await lockInTask(t, vmid);
      try {
        let g: Guest;
        try {
          g = reloadGuest(ctx.cluster, node, vmid);
        } catch (e) {
          throw new TaskError((e as Error).message);
        }
        await work(g, t);
      } finally {
        unlock();
      }
    },
    opts.failureMessage ?? configLockFailure(vmid),
  );
  return task.upid;
}

export const storageLockFailure = (storage: string) =>
  `can't lock file '/var/lock/pve-manager/pve-storage-${storage}' - got timeout\n`;

export function firstDiskStorage(cfg: Record<string, string>): string {
  for (const k of Object.keys(cfg).sort()) {
    if (!isDriveKey(k)) continue;
    const d = parseDrive(cfg[k]);
    if (isCdrom(d)) continue;
    const m = /^([^:]+):/.exec(d.file);
    if (m) return m[1];
  }
  return 'local-lvm';
}

export function startGuest(ctx: RouteCtx, g: Guest) {
  applyPending(ctx.cluster, g);
  g.status = 'running';
  g.startedAt = Date.now();
  g.pid = randInt(ctx.sim.rng, 1000, 4000000);
}

export function stopGuest(ctx: RouteCtx, g: Guest) {
  g.status = 'stopped';
  g.startedAt = undefined;
  g.pid = undefined;
  g.refusesShutdown = undefined;
  applyPending(ctx.cluster, g);
}

export const vmPerm = (privs: string[], any = false) => ({
  check: any
    ? ['perm', '/vms/{vmid}', privs, 'any', 1]
    : ['perm', '/vms/{vmid}', privs],
});
