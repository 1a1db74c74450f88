import { hasPriv } from '../context';
import { die, paramError, permError } from '../http/errors';
import { splitList } from '../schema/formats';
import { LockTimeoutError, qemuLockFile } from '../state/locks';
import {
  CLOUDINIT_KEYS,
  configDigest,
  effectiveConfig,
  isCdrom,
  isCloudinit,
  isDriveKey,
  normalizeTags,
  parseDrive,
  parseNet,
  parseSize,
  printDrive,
  printNet,
  sizeString,
  typedConfig,
  typedValue,
} from '../state/qemu';
import {
  isPathStorage,
  storageEnabledOn,
  StorageFullError,
} from '../state/storage';
import { TaskContext, TaskError } from '../state/tasks';
import type { ClusterState, Guest, Snapshot, Volume } from '../state/types';
import { isTemplate, qemuListEntry, qemuStatusCurrent } from '../state/views';
import {
  allocVolume,
  createDisks,
  findVolume,
  freeVolume,
  growVolume,
  guestVolumes,
  renameVolume,
  VolumeError,
} from '../state/volumes';
import { frac, nowSec, randInt, randomMac, randomUuid } from '../util';
import {
  applyChanges,
  applyPending,
  checkLock,
  CONTROL_PARAMS,
  loadGuest,
  lockConfig,
  optionExists,
  reloadGuest,
  validateSshKeys,
} from './guestOps';
import { boolString, P, RouteCtx, RouteDef } from './types';

const VM_CONFIG_PERMS = [
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
function guestIds(ctx: RouteCtx) {
  return { node: String(ctx.params.node), vmid: Number(ctx.params.vmid) };
}

/** The `skiplock` parameter (only root may set it). */
function skiplockParam(ctx: RouteCtx): boolean {
  const skiplock = P.bool(ctx.params, 'skiplock');
  if (skiplock && ctx.auth.userid !== 'root@pam') {
    throw paramError({ skiplock: 'Only root may use this option.' });
  }
  return skiplock ?? false;
}

/** A new stopped guest whose config holds only a lock (create / clone target). */
function lockedGuest(
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
function normalizeOptions(ctx: RouteCtx, opts: Record<string, string>) {
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
function configOptions(
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

function storageErr(e: unknown): string {
  if (
    e instanceof StorageFullError ||
    e instanceof VolumeError ||
    e instanceof Error
  )
    return e.message;
  return String(e);
}

async function lockInTask(t: TaskContext, vmid: number, timeoutMs?: number) {
  try {
    return await t.lockGuest(vmid, timeoutMs);
  } catch (e) {
    if (e instanceof LockTimeoutError) throw new TaskError(e.message);
    throw e;
  }
}

function taskCheckLock(g: Guest, skiplock: boolean) {
  if (!skiplock && g.config.lock)
    throw new TaskError(`VM is locked (${g.config.lock})\n`);
}

function spawn(
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
async function taskWork(ctx: RouteCtx, t: TaskContext) {
  await t.sleep(ctx.sim.timings.taskMs);
  t.checkpoint();
}

const configLockFailure = (vmid: number) =>
  `can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout\n`;

/**
 * A task on the route's VM: loads the guest first (`before` may refuse it
 * there), then runs `work` in the worker with the VM lock held and the guest
 * re-read. Returns the UPID.
 */
function guestTask(
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

const storageLockFailure = (storage: string) =>
  `can't lock file '/var/lock/pve-manager/pve-storage-${storage}' - got timeout\n`;

function firstDiskStorage(cfg: Record<string, string>): string {
  for (const k of Object.keys(cfg).sort()) {
    if (!isDriveKey(k)) continue;
    const d = parseDrive(cfg[k]);
    if (isCdrom(d)) continue;
    const m = /^([^:]+):/.exec(d.file);
    if (m) return m[1];
  }
  return 'local-lvm';
}

function startGuest(ctx: RouteCtx, g: Guest) {
  applyPending(ctx.cluster, g);
  g.status = 'running';
  g.startedAt = Date.now();
  g.pid = randInt(ctx.sim.rng, 1000, 4000000);
}

function stopGuest(ctx: RouteCtx, g: Guest) {
  g.status = 'stopped';
  g.startedAt = undefined;
  g.pid = undefined;
  applyPending(ctx.cluster, g);
}

// ---------------------------------------------------------------- create

async function createVm(ctx: RouteCtx) {
  const { cluster, params, auth } = ctx;
  const { node, vmid } = guestIds(ctx);
  const pool = P.str(params, 'pool');
  const storage = P.str(params, 'storage');
  const start = P.bool(params, 'start') ?? false;
  if (pool !== undefined && !cluster.pools.has(pool))
    throw permError(`pool '${pool}' does not exist`);
  if (!hasPriv(auth, 'VM.Allocate')) throw permError();
  const opts = configOptions(
    params,
    new Set(['node', 'vmid', 'pool', 'storage', 'start', 'bwlimit']),
  );
  if (Object.keys(opts).length > 0 && !hasPriv(auth, 'VM.Config.Disk')) {
    throw permError(`/vms/${vmid}, VM.Config.Disk`);
  }
  for (const [k, v] of Object.entries(opts)) {
    if (!isDriveKey(k)) continue;
    const d = parseDrive(v);
    const m = /^(?:([^/:\s]+):)?(?:\d+(?:\.\d+)?|cloudinit)$/.exec(d.file);
    if (m) {
      const sid = m[1] ?? storage;
      if (!sid) continue;
      const def = cluster.storages.get(sid);
      if (!def) throw die(`storage '${sid}' does not exist`);
      if (!def.content.includes('images'))
        throw paramError({
          storage: `storage '${sid}' does not support vm images`,
        });
    }
  }
  normalizeOptions(ctx, opts);

  const emsg = `unable to create VM ${vmid} -`;
  // create_and_lock_config: flock (5 s) + check_vmid_unused
  let release: () => void;
  try {
    release = await cluster.locks.acquire(
      `qemu-${vmid}`,
      Math.min(5000, ctx.sim.timings.lockWaitMs),
      qemuLockFile(vmid),
    );
  } catch (e) {
    throw die(`${emsg} ${(e as Error).message}`);
  }
  const existing = cluster.guests.get(vmid);
  if (existing) {
    release();
    throw die(
      `${emsg} ${
        existing.type === 'lxc' ? 'CT' : 'VM'
      } ${vmid} already exists on node '${existing.node}'`,
    );
  }
  const g = lockedGuest(vmid, node, 'create');
  cluster.guests.set(vmid, g);
  release();

  const task = spawn(
    ctx,
    'qmcreate',
    vmid,
    async t => {
      const unlock = await lockInTask(t, vmid);
      let volumes: Volume[] = [];
      try {
        await t.sleep(ctx.sim.timings.taskMs);
        let created: ReturnType<typeof createDisks>;
        try {
          created = createDisks(cluster, node, vmid, opts, storage);
        } catch (e) {
          throw new TaskError(`${emsg} ${storageErr(e)}`);
        }
        volumes = created.volumes;
        for (const v of volumes)
          t.log(`  Logical volume "${v.volname.split('/').pop()}" created.`);
        t.checkpoint();
        const cfg: Record<string, string> = { ...opts, ...created.values };
        cfg.meta = `creation-qemu=9.2.0,ctime=${nowSec()}`;
        if (!cfg.boot) {
          const devs = Object.keys(cfg)
            .filter(k => isDriveKey(k) || /^net\d+$/.test(k))
            .sort(
              (a, b) =>
                (a.startsWith('net') ? 1 : 0) - (b.startsWith('net') ? 1 : 0) ||
                a.localeCompare(b),
            );
          cfg.boot = `order=${devs.join(';')}`;
        }
        if (!cfg.smbios1) cfg.smbios1 = `uuid=${randomUuid(ctx.sim.rng)}`;
        if (cfg.vmgenid === undefined) cfg.vmgenid = randomUuid(ctx.sim.rng);
        g.config = cfg;
        g.createdAt = Date.now();
        if (pool) cluster.pools.get(pool)?.vms.add(vmid);
        if (start) {
          t.log('Execute autostart');
          startGuest(ctx, g);
        }
      } catch (e) {
        for (const v of volumes) freeVolume(cluster, v);
        if (cluster.guests.get(vmid) === g) cluster.guests.delete(vmid);
        throw e instanceof TaskError
          ? e
          : new TaskError(`${emsg} ${(e as Error).message}`);
      } finally {
        unlock();
      }
    },
    `${emsg} ${storageLockFailure(storage ?? firstDiskStorage(opts))}`,
  );
  return task.upid;
}

// ---------------------------------------------------------------- config update

async function updateVm(ctx: RouteCtx, sync: boolean) {
  const { cluster, params } = ctx;
  const { node, vmid } = guestIds(ctx);
  const skiplock = skiplockParam(ctx);
  const force = P.bool(params, 'force') ?? false;
  const digest = P.str(params, 'digest');
  const deleteStr = P.str(params, 'delete');
  const revertStr = P.str(params, 'revert');
  const set = configOptions(params, CONTROL_PARAMS);
  if (!deleteStr && !revertStr && Object.keys(set).length === 0)
    throw die('no options specified');

  const revert = new Set<string>();
  for (const opt of splitList(revertStr ?? '')) {
    if (!optionExists(opt))
      throw paramError({ revert: `unknown option '${opt}'` });
    if (set[opt] !== undefined) {
      throw paramError({
        delete: `you can't use '-${opt}' and -revert ${opt}' at the same time`,
      });
    }
    revert.add(opt);
  }
  const deletes: string[] = [];
  for (let opt of splitList(deleteStr ?? '')) {
    if (opt === 'cdrom') opt = 'ide2';
    if (set[opt] !== undefined) {
      throw paramError({
        delete: `you can't use '-${opt}' and -delete ${opt}' at the same time`,
      });
    }
    if (revert.has(opt)) {
      throw paramError({
        revert: `you can't use '-delete ${opt}' and -revert ${opt}' at the same time`,
      });
    }
    if (!optionExists(opt))
      throw paramError({ delete: `unknown option '${opt}'` });
    deletes.push(opt);
  }
  normalizeOptions(ctx, set);

  const release = await lockConfig(ctx, vmid);
  let releaseInTask = false;
  try {
    const g = reloadGuest(cluster, node, vmid);
    if (digest && digest !== configDigest(g))
      throw die('checksum mismatch (file change by other user?)');
    if (!skiplock) checkLock(g);
    for (const opt of revert) {
      if (g.pending[opt] !== undefined) delete g.pending[opt];
      g.pendingDelete.delete(opt);
    }
    const paramList = Object.keys(set)
      .sort()
      .map(k => `-${k} ${k === 'cipassword' ? '<hidden>' : set[k]}`)
      .concat(deletes.length ? [`-delete ${deletes.join(',')}`] : [])
      .join(' ');
    const apply = (t?: TaskContext) => {
      t?.log(`update VM ${vmid}: ${paramList}`);
      const res = applyChanges(cluster, g, set, deletes, force);
      if (t) for (const w of res.warnings) t.warn(w);
      if (Object.keys(res.errors).length) {
        if (t) {
          for (const [k, v] of Object.entries(res.errors))
            t.log(`${k}: ${v.trim()}`);
          throw new TaskError('Parameter verification failed.\n');
        }
        throw paramError(res.errors);
      }
    };
    if (sync) {
      apply();
      return null;
    }
    const task = spawn(
      ctx,
      'qmconfig',
      vmid,
      async t => {
        try {
          await taskWork(ctx, t);
          apply(t);
        } finally {
          release();
        }
      },
      configLockFailure(vmid),
    );
    releaseInTask = true;
    const delay = P.int(params, 'background_delay');
    if (delay) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        task.done,
        new Promise(r => {
          timer = setTimeout(r, delay * 1000);
        }),
      ]);
      clearTimeout(timer); // do not keep the process alive for up to 30 s
      if (task.status === 'stopped') {
        if (
          task.exitstatus === 'OK' ||
          /^WARNINGS: \d+$/.test(task.exitstatus ?? '')
        )
          return null;
        throw die(`failed to update VM ${vmid}: ${task.exitstatus}`);
      }
    }
    return task.upid;
  } finally {
    if (!releaseInTask) release();
  }
}

// ---------------------------------------------------------------- clone

function cloneVm(ctx: RouteCtx) {
  const { cluster, params, sim } = ctx;
  const { node, vmid } = guestIds(ctx);
  const newid = Number(params.newid);
  const pool = P.str(params, 'pool');
  const snapname = P.str(params, 'snapname');
  const storage = P.str(params, 'storage');
  const format = P.str(params, 'format');
  let target = P.str(params, 'target');
  if (target === node || target === 'localhost') target = undefined;

  if (pool !== undefined && !cluster.pools.has(pool))
    throw permError(`pool '${pool}' does not exist`);
  if (target && !cluster.nodes.has(target))
    throw die(`no such cluster node '${target}'`);
  if (storage) {
    const def = cluster.storages.get(storage);
    if (!def || !storageEnabledOn(def, node))
      throw die(`storage '${storage}' does not exist`);
    if (!def.content.includes('images')) {
      throw paramError({
        storage: `storage '${storage}' does not support vm images`,
      });
    }
    if (target) {
      if (!storageEnabledOn(def, target))
        throw die(`storage '${storage}' is not available on node '${target}'`);
      if (!def.shared)
        throw die(`can't clone to non-shared storage '${storage}'`);
    }
  }
  const src = loadGuest(ctx);
  checkLock(src);
  const running = src.status === 'running';
  if (snapname && !src.snapshots.has(snapname))
    throw die(`snapshot '${snapname}' does not exist`);
  const full = P.bool(params, 'full') ?? !isTemplate(src);
  if (storage !== undefined && !full)
    throw die(`parameter 'storage' not allowed for linked clones`);
  if (format !== undefined && !full)
    throw die(`parameter 'format' not allowed for linked clones`);
  const oldconf = snapname ? src.snapshots.get(snapname)!.config : src.config;

  // drives to clone and shared-ness
  let sharedvm = true;
  const drives: Array<{
    key: string;
    file: string;
    opts: Record<string, string>;
    vol?: Volume;
    full: boolean;
  }> = [];
  const newconf: Record<string, string> = {};
  for (const key of Object.keys(oldconf).sort()) {
    if (
      [
        'snapshots',
        'parent',
        'snaptime',
        'vmstate',
        'snapstate',
        'runningcpu',
        'runningmachine',
        'lock',
      ].includes(key)
    )
      continue;
    if (/^unused\d+$/.test(key)) continue;
    const value = oldconf[key];
    if (/^net\d+$/.test(key)) {
      const n = parseNet(value);
      n.macaddr = randomMac(sim.rng);
      newconf[key] = printNet(n);
    } else if (isDriveKey(key)) {
      const d = parseDrive(value);
      if (isCdrom(d) && !isCloudinit(d)) {
        newconf[key] = value;
        continue;
      }
      const vol = findVolume(cluster, node, d.file);
      const sid = /^([^:]+):/.exec(d.file)?.[1];
      const def = sid ? cluster.storages.get(sid) : undefined;
      if (!def?.shared) sharedvm = false;
      if (full && running && !snapname && key === 'tpmstate0') {
        throw die('cannot clone TPM state while VM is running');
      }
      const driveFull = full || isCloudinit(d) || key === 'tpmstate0';
      if (
        !driveFull &&
        def &&
        (def.type === 'lvm' || (isPathStorage(def) && !/\.qcow2$/.test(d.file)))
      ) {
        throw die(
          `Linked clone feature is not supported for${
            snapname ? ' a snapshot of' : ''
          } '${d.file}' (${key})`,
        );
      }
      drives.push({ key, file: d.file, opts: d.opts, vol, full: driveFull });
    } else {
      newconf[key] = value;
    }
  }
  if (target && !sharedvm)
    throw die(`can't clone VM to node '${target}' (VM uses local storage)`);
  const existing = cluster.guests.get(newid);
  if (existing && existing.node === node)
    throw die(`unable to create VM ${newid}: config file already exists`);

  // worker side, done right away so the new config is visible with the UPID
  const releaseTarget = cluster.locks.tryAcquire(`qemu-${newid}`);
  let placeholder: Guest | undefined;
  if (!existing && releaseTarget) {
    placeholder = lockedGuest(newid, node, 'clone', {
      options: { ...src.firewall.options },
      rules: src.firewall.rules.map(r => ({ ...r })),
    });
    cluster.guests.set(newid, placeholder);
  }
  const smbios = (newconf.smbios1 ?? '')
    .split(',')
    .filter(p => p && !p.startsWith('uuid='));
  newconf.smbios1 = [`uuid=${randomUuid(sim.rng)}`, ...smbios].join(',');
  if (newconf.vmgenid) newconf.vmgenid = randomUuid(sim.rng);
  delete newconf.template;
  newconf.name = P.str(params, 'name') ?? `Copy-of-VM-${oldconf.name ?? vmid}`;
  const description = P.str(params, 'description');
  if (description) newconf.description = description;
  if (!newconf.meta) newconf.meta = `creation-qemu=9.2.0,ctime=${nowSec()}`;

  const cloneMs = sim.timings.cloneMs;
  const task = spawn(
    ctx,
    'qmclone',
    vmid,
    async t => {
      const created: Volume[] = [];
      let unlockTarget = releaseTarget;
      try {
        if (!unlockTarget) unlockTarget = await lockInTask(t, newid, 1000);
        if (!placeholder) {
          const other = cluster.guests.get(newid);
          if (other) {
            throw new TaskError(
              `close (rename) atomic file '/etc/pve/nodes/${node}/qemu-server/${newid}.conf' failed: File exists\n`,
            );
          }
          placeholder = lockedGuest(newid, node, 'clone');
          cluster.guests.set(newid, placeholder);
        }
        const g = placeholder;
        // allocate all target volumes first (storage errors fail the task)
        const newDrives: Record<string, string> = {};
        const total = drives.reduce((s, d) => s + (d.vol?.size ?? 0), 0);
        for (const d of drives) {
          const srcSid = /^([^:]+):/.exec(d.file)![1];
          const sid = d.full ? storage ?? srcSid : srcSid;
          const size =
            d.vol?.size ??
            (isCloudinit({ file: d.file, opts: d.opts })
              ? 4 * 1024 * 1024
              : parseSize(d.opts.size ?? '0') ?? 0);
          t.log(
            `create ${d.full ? 'full' : 'linked'} clone of drive ${d.key} (${
              d.file
            })`,
          );
          let vol: Volume;
          try {
            const base = !d.full
              ? /^[^:]+:(.+)$/.exec(d.file)![1].split('/')[0]
              : undefined;
            vol = allocVolume(cluster, sid, node, newid, size, {
              cloudinit: isCloudinit({ file: d.file, opts: d.opts }),
              format: d.full ? format : undefined,
              linkedBase: base && /^base-/.test(base) ? base : undefined,
            });
          } catch (e) {
            throw new TaskError(storageErr(e));
          }
          created.push(vol);
          const opts = { ...d.opts };
          if (!isCloudinit({ file: d.file, opts }))
            opts.size = sizeString(size);
          newDrives[d.key] = printDrive({
            file: `${sid}:${vol.volname}`,
            opts,
          });
        }
        await t.sleep(cloneMs / 2);
        const half = Math.round(total / 2);
        if (total > 0)
          t.log(
            `transferred ${sizeString(half)} of ${sizeString(total)} (50.00%)`,
          );
        g.config = { ...newconf, ...newDrives, lock: 'clone' };
        await t.sleep(cloneMs - cloneMs / 2);
        if (total > 0)
          t.log(
            `transferred ${sizeString(total)} of ${sizeString(
              total,
            )} (100.00%)`,
          );
        t.checkpoint();
        const cfg = { ...g.config };
        delete cfg.lock;
        if (Object.keys(src.pending).length) {
          t.warn(
            `found pending changes for '${Object.keys(src.pending).join(
              ',',
            )}', discarding for clone`,
          );
        }
        g.config = cfg;
        g.createdAt = Date.now(); // pvestatd has no RRD data for the finished VM yet
        if (target) g.node = target;
        if (pool) cluster.pools.get(pool)?.vms.add(newid);
      } catch (e) {
        for (const v of created) freeVolume(cluster, v);
        if (placeholder && cluster.guests.get(newid) === placeholder)
          cluster.guests.delete(newid);
        const msg = e instanceof Error ? e.message : String(e);
        throw new TaskError(`clone failed: ${msg}`);
      } finally {
        unlockTarget?.();
      }
    },
    storageLockFailure(storage ?? firstDiskStorage(oldconf)),
  );
  return task.upid;
}

// ---------------------------------------------------------------- resize

function resizeVm(ctx: RouteCtx) {
  const { cluster, params } = ctx;
  const skiplock = skiplockParam(ctx);
  const disk = String(params.disk);
  const sizeStr = String(params.size);
  const digest = P.str(params, 'digest');
  return guestTask(ctx, 'resize', async (g, t) => {
    if (digest && digest !== configDigest(g))
      throw new TaskError('checksum mismatch (file change by other user?)\n');
    taskCheckLock(g, skiplock);
    const value = g.config[disk];
    if (!value) throw new TaskError(`disk '${disk}' does not exist\n`);
    const d = parseDrive(value);
    if (!d.file)
      throw new TaskError(`disk '${disk}' has no associated volume\n`);
    if (isCdrom(d)) throw new TaskError(`you can't resize a cdrom\n`);
    const vol = findVolume(cluster, g.node, d.file);
    const size = vol?.size ?? parseSize(d.opts.size ?? '') ?? 0;
    const m = /^(\+)?(\d+(\.\d+)?)([KMGT])?$/.exec(sizeStr)!;
    const mult: Record<string, number> = {
      K: 1024,
      M: 1024 ** 2,
      G: 1024 ** 3,
      T: 1024 ** 4,
    };
    const amount = Math.trunc(Number(m[2]) * (m[4] ? mult[m[4]] : 1));
    const newsize = m[1] ? size + amount : amount;
    if (newsize < size)
      throw new TaskError('shrinking disks is not supported\n');
    if (newsize === size) {
      t.log(`Image resized.`);
      return;
    }
    if (vol) {
      try {
        growVolume(cluster, vol, newsize);
      } catch (e) {
        throw new TaskError(storageErr(e));
      }
    }
    try {
      await t.sleep(ctx.sim.timings.resizeMs);
      t.checkpoint();
    } catch (e) {
      if (vol) {
        const def = cluster.storages.get(vol.storage)!;
        const usedKey = def.shared ? def.storage : `${vol.node}/${def.storage}`;
        vol.size = size;
        cluster.storageUsed.set(
          usedKey,
          Math.max(
            0,
            (cluster.storageUsed.get(usedKey) ?? 0) - (newsize - size),
          ),
        );
      }
      throw e;
    }
    t.log(`Image resized.`);
    g.config[disk] = printDrive({
      file: d.file,
      opts: { ...d.opts, size: sizeString(newsize) },
    });
  });
}

// ---------------------------------------------------------------- power

function powerTask(
  ctx: RouteCtx,
  kind: 'start' | 'stop' | 'shutdown' | 'reboot',
) {
  const { vmid } = guestIds(ctx);
  // reboot never checks the lock, so it has no use for skiplock
  const skiplock = kind !== 'reboot' && skiplockParam(ctx);
  const type = {
    start: 'qmstart',
    stop: 'qmstop',
    shutdown: 'qmshutdown',
    reboot: 'qmreboot',
  }[kind];
  const failure = {
    start: `start failed: QEMU exited with code 1\n`,
    stop: `VM quit/powerdown failed - got timeout\n`,
    shutdown: `VM quit/powerdown failed - got timeout\n`,
    reboot: `VM quit/powerdown failed - got timeout\n`,
  }[kind];
  return guestTask(
    ctx,
    type,
    async (g, t) => {
      if (kind === 'start') {
        taskCheckLock(g, skiplock);
        if (g.status === 'running')
          throw new TaskError(`VM ${vmid} already running\n`);
        if (isTemplate(g))
          throw new TaskError(`you can't start a vm if it's a template\n`);
        await taskWork(ctx, t);
        startGuest(ctx, g);
        return;
      }
      if (kind !== 'reboot') taskCheckLock(g, skiplock);
      if (g.status !== 'running') {
        if (kind === 'reboot') throw new TaskError(`VM ${vmid} not running\n`);
        return; // stop/shutdown of a stopped VM is a no-op
      }
      await taskWork(ctx, t);
      stopGuest(ctx, g);
      if (kind === 'reboot') startGuest(ctx, g);
    },
    {
      before: g0 => {
        if (kind === 'reboot' && g0.status !== 'running')
          throw die(`VM ${vmid} not running`);
      },
      failureMessage: failure,
    },
  );
}

// ---------------------------------------------------------------- destroy

function destroyVm(ctx: RouteCtx) {
  const { cluster, params } = ctx;
  const { vmid } = guestIds(ctx);
  const skiplock = skiplockParam(ctx);
  /** Why the VM cannot be destroyed at all (checked before and in the task). */
  const refusal = (g: Guest) => {
    if (g.config.protection === '1')
      return `can't remove VM ${vmid} - protection mode enabled\n`;
    if (g.status === 'running')
      return `VM ${vmid} is running - destroy failed\n`;
    return undefined;
  };
  return guestTask(
    ctx,
    'qmdestroy',
    async (g, t) => {
      const refused = refusal(g);
      if (refused) throw new TaskError(refused);
      taskCheckLock(g, skiplock);
      await taskWork(ctx, t);
      const vols = guestVolumes(cluster, g.node, [
        g.config,
        g.pending,
        ...[...g.snapshots.values()].map(s => s.config),
      ]);
      for (const v of vols) {
        t.log(
          `  Logical volume "${v.volname
            .split('/')
            .pop()}" successfully removed.`,
        );
        freeVolume(cluster, v);
      }
      if (P.bool(params, 'destroy-unreferenced-disks') ?? true) {
        for (const v of [...cluster.volumes.values()]) {
          if (
            v.vmid === vmid &&
            (v.node === g.node || cluster.storages.get(v.storage)?.shared)
          )
            freeVolume(cluster, v);
        }
      }
      for (const p of cluster.pools.values()) p.vms.delete(vmid);
      cluster.guests.delete(vmid);
      if (P.bool(params, 'purge'))
        t.log(`purging VM ${vmid} from related configurations..`);
    },
    {
      before: g => {
        const refused = refusal(g);
        if (refused) throw die(refused);
      },
    },
  );
}

// ---------------------------------------------------------------- agent

function agentIfaces(ctx: RouteCtx, g: Guest) {
  const cfg = g.config;
  if (!/(^|,)(enabled=)?(1|on|yes|true)(,|$)/.test(cfg.agent ?? ''))
    throw die('No QEMU guest agent configured');
  if (g.status !== 'running') throw die(`VM ${g.vmid} is not running`);
  if (Date.now() - (g.startedAt ?? 0) < ctx.sim.timings.agentIpDelayMs)
    throw die('QEMU guest agent is not running');
  const result: unknown[] = [
    {
      name: 'lo',
      'hardware-address': '00:00:00:00:00:00',
      'ip-addresses': [
        { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
        { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
      ],
      statistics: {
        'rx-bytes': 8016,
        'rx-dropped': 0,
        'rx-errs': 0,
        'rx-packets': 96,
        'tx-bytes': 8016,
        'tx-dropped': 0,
        'tx-errs': 0,
        'tx-packets': 96,
      },
    },
  ];
  const nets = Object.keys(cfg)
    .filter(k => /^net\d+$/.test(k))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  for (const k of nets) {
    const i = Number(k.slice(3));
    const mac = (parseNet(cfg[k]).macaddr ?? '').toLowerCase();
    const ipcfg = cfg[`ipconfig${i}`] ?? '';
    const st = /(?:^|,)ip=([\d.]+)\/(\d+)/.exec(ipcfg);
    const ip = st
      ? { ip: st[1], prefix: Number(st[2]) }
      : {
          ip: `10.${100 + ctx.cluster.index}.${
            Math.floor(g.vmid / 250) % 250
          }.${(g.vmid % 250) + 2 + i}`,
          prefix: 24,
        };
    const macParts = mac.split(':');
    const ll =
      macParts.length === 6
        ? `fe80::${(parseInt(macParts[0], 16) ^ 2).toString(16)}${
            macParts[1]
          }:${macParts[2]}ff:fe${macParts[3]}:${macParts[4]}${macParts[5]}`
        : 'fe80::1';
    const f = frac(`agent:${g.vmid}:${i}`);
    result.push({
      name: `ens${18 + i}`,
      'hardware-address': mac,
      'ip-addresses': [
        { 'ip-address': ip.ip, 'ip-address-type': 'ipv4', prefix: ip.prefix },
        {
          'ip-address': ll.replace(/:0+([0-9a-f])/g, ':$1'),
          'ip-address-type': 'ipv6',
          prefix: 64,
        },
      ],
      statistics: {
        'rx-bytes': Math.round(1e6 + f * 1e8),
        'rx-dropped': 0,
        'rx-errs': 0,
        'rx-packets': Math.round(1e4 + f * 1e6),
        'tx-bytes': Math.round(5e5 + f * 5e7),
        'tx-dropped': 0,
        'tx-errs': 0,
        'tx-packets': Math.round(5e3 + f * 5e5),
      },
    });
  }
  return { result };
}

// ---------------------------------------------------------------- snapshots

function snapshotList(g: Guest) {
  const res: Array<Record<string, unknown>> = [];
  for (const s of g.snapshots.values()) {
    const e: Record<string, unknown> = {
      name: s.name,
      snaptime: s.snaptime,
      description: s.description,
    };
    if (s.parent) e.parent = s.parent;
    e.vmstate = s.vmstate ? 1 : 0;
    res.push(e);
  }
  const current: Record<string, unknown> = {
    name: 'current',
    digest: configDigest(g),
    running: g.status === 'running' ? 1 : 0,
    description: 'You are here!',
  };
  if (g.config.parent) current.parent = g.config.parent;
  res.push(current);
  return res;
}

/** The guest's snapshot of that name (PVE's error, or in a task a task error, when there is none). */
function findSnapshot(
  g: Guest,
  snapname: string,
  { inTask = false } = {},
): Snapshot {
  const s = g.snapshots.get(snapname);
  if (s) return s;
  const msg = `snapshot '${snapname}' does not exist`;
  throw inTask ? new TaskError(`${msg}\n`) : die(msg);
}

/** A snapshot's config as the API returns it (with its snaptime, description, parent). */
function snapshotConfig(s: Snapshot): Record<string, string> {
  const cfg: Record<string, string> = {
    ...s.config,
    snaptime: String(s.snaptime),
  };
  if (s.description) cfg.description = s.description;
  if (s.parent) cfg.parent = s.parent;
  return cfg;
}

function snapshotFeatureCheck(cluster: ClusterState, g: Guest) {
  for (const k of Object.keys(g.config)) {
    if (!isDriveKey(k)) continue;
    const d = parseDrive(g.config[k]);
    if (isCdrom(d) || isCloudinit(d)) continue;
    const def = cluster.storages.get(/^([^:]+):/.exec(d.file)?.[1] ?? '');
    if (
      !def ||
      def.type === 'lvm' ||
      (isPathStorage(def) && !/\.qcow2$/.test(d.file))
    ) {
      throw new TaskError('snapshot feature is not available\n');
    }
  }
}

function snapshotTask(
  ctx: RouteCtx,
  type: 'qmsnapshot' | 'qmdelsnapshot' | 'qmrollback',
  lockName: string,
  body: (g: Guest, t: TaskContext) => void,
  pre?: (g: Guest) => void,
) {
  return guestTask(
    ctx,
    type,
    async (g, t) => {
      try {
        taskCheckLock(g, false);
        g.config.lock = lockName;
        await taskWork(ctx, t);
        delete g.config.lock;
        body(g, t);
      } finally {
        if (g.config.lock === lockName) delete g.config.lock;
      }
    },
    { before: pre },
  );
}

// ---------------------------------------------------------------- cloud-init

function cloudinitDump(g: Guest, type: string) {
  const cfg = effectiveConfig(g);
  const name = cfg.name ?? `VM${g.vmid}`;
  if (type === 'user') {
    const lines = [
      '#cloud-config',
      `hostname: ${name}`,
      'manage_etc_hosts: true',
      `fqdn: ${name}`,
    ];
    if (cfg.ciuser) lines.push(`user: ${cfg.ciuser}`);
    if (cfg.cipassword) lines.push(`password: ${cfg.cipassword}`);
    if (cfg.sshkeys) {
      lines.push('ssh_authorized_keys:');
      for (const k of decodeURIComponent(cfg.sshkeys)
        .split('\n')
        .filter(Boolean))
        lines.push(`  - ${k}`);
    }
    lines.push(
      'chpasswd:',
      '  expire: False',
      'users:',
      '  - default',
      `package_upgrade: ${cfg.ciupgrade === '0' ? 'false' : 'true'}`,
    );
    return `${lines.join('\n')}\n`;
  }
  if (type === 'network') {
    const lines = ['version: 1', 'config:'];
    for (const k of Object.keys(cfg)
      .filter(x => /^net\d+$/.test(x))
      .sort()) {
      const i = k.slice(3);
      const mac = (parseNet(cfg[k]).macaddr ?? '').toLowerCase();
      lines.push(
        `    - type: physical`,
        `      name: eth${i}`,
        `      mac_address: '${mac}'`,
        `      subnets:`,
      );
      const ipc = cfg[`ipconfig${i}`] ?? 'ip=dhcp';
      const ip = /(?:^|,)ip=([^,]+)/.exec(ipc)?.[1] ?? 'dhcp';
      const gw = /(?:^|,)gw=([^,]+)/.exec(ipc)?.[1];
      if (ip === 'dhcp') lines.push(`      - type: dhcp4`);
      else {
        lines.push(`      - type: static`, `        address: '${ip}'`);
        if (gw) lines.push(`        gateway: '${gw}'`);
      }
    }
    if (cfg.nameserver || cfg.searchdomain) {
      lines.push('    - type: nameserver');
      if (cfg.nameserver)
        lines.push(
          '      address:',
          ...splitList(cfg.nameserver).map(n => `      - '${n}'`),
        );
      if (cfg.searchdomain)
        lines.push(
          '      search:',
          ...splitList(cfg.searchdomain).map(n => `      - '${n}'`),
        );
    }
    return `${lines.join('\n')}\n`;
  }
  return `instance-id: ${configDigest(g)}\n`;
}

// ---------------------------------------------------------------- routes

const vmPerm = (privs: string[], any = false) => ({
  check: any
    ? ['perm', '/vms/{vmid}', privs, 'any', 1]
    : ['perm', '/vms/{vmid}', privs],
});

export const qemuRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/nodes/{node}/qemu',
    permissions: { user: 'all' },
    proxyto: 'node',
    handler: ({ cluster, params }) => {
      const full = P.bool(params, 'full') ?? false;
      const res: unknown[] = [];
      for (const g of cluster.guests.values()) {
        if (g.type === 'qemu' && g.node === params.node)
          res.push(qemuListEntry(g, full));
      }
      return res;
    },
  },
  {
    method: 'POST',
    path: '/nodes/{node}/qemu',
    permissions: { user: 'all' },
    proxyto: 'node',
    handler: ctx => createVm(ctx),
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/config',
    permissions: vmPerm(['VM.Audit']),
    proxyto: 'node',
    handler: ctx => {
      const g = loadGuest(ctx);
      const snapname = P.str(ctx.params, 'snapshot');
      let cfg: Record<string, string>;
      if (snapname) {
        cfg = snapshotConfig(findSnapshot(g, snapname));
      } else {
        cfg = P.bool(ctx.params, 'current')
          ? { ...g.config }
          : effectiveConfig(g);
      }
      return { ...typedConfig(cfg), digest: configDigest(g) };
    },
  },
  {
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/config',
    permissions: vmPerm(VM_CONFIG_PERMS, true),
    proxyto: 'node',
    handler: ctx => updateVm(ctx, false),
  },
  {
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/config',
    permissions: vmPerm(VM_CONFIG_PERMS, true),
    proxyto: 'node',
    handler: ctx => updateVm(ctx, true),
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/pending',
    permissions: vmPerm(['VM.Audit']),
    proxyto: 'node',
    handler: ctx => {
      const g = loadGuest(ctx);
      const keys = [
        ...new Set([
          ...Object.keys(g.config),
          ...Object.keys(g.pending),
          ...g.pendingDelete,
        ]),
      ].sort();
      return keys.map(key => {
        const e: Record<string, unknown> = { key };
        if (g.config[key] !== undefined)
          e.value = typedValue(key, g.config[key]);
        if (g.pending[key] !== undefined)
          e.pending = typedValue(key, g.pending[key]);
        if (g.pendingDelete.has(key)) e.delete = 1;
        return e;
      });
    },
  },
  {
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/clone',
    permissions: {
      check: [
        'and',
        ['perm', '/vms/{vmid}', ['VM.Clone']],
        [
          'or',
          ['perm', '/vms/{newid}', ['VM.Allocate']],
          ['perm', '/pool/{pool}', ['VM.Allocate'], 'require_param', 'pool'],
        ],
      ],
    },
    proxyto: 'node',
    handler: ctx => cloneVm(ctx),
  },
  {
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/resize',
    permissions: vmPerm(['VM.Config.Disk']),
    proxyto: 'node',
    handler: ctx => resizeVm(ctx),
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/status',
    permissions: { user: 'all' },
    proxyto: 'node',
    handler: ctx => {
      loadGuest(ctx);
      return [
        'current',
        'start',
        'stop',
        'reset',
        'shutdown',
        'suspend',
        'reboot',
      ].map(subdir => ({ subdir }));
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/status/current',
    permissions: vmPerm(['VM.Audit']),
    proxyto: 'node',
    handler: ctx => qemuStatusCurrent(loadGuest(ctx)),
  },
  ...(['start', 'stop', 'shutdown', 'reboot'] as const).map(
    (kind): RouteDef => ({
      method: 'POST',
      path: `/nodes/{node}/qemu/{vmid}/status/${kind}`,
      permissions: vmPerm(['VM.PowerMgmt']),
      proxyto: 'node',
      handler: ctx => powerTask(ctx, kind),
    }),
  ),
  {
    method: 'DELETE',
    path: '/nodes/{node}/qemu/{vmid}',
    permissions: vmPerm(['VM.Allocate']),
    proxyto: 'node',
    handler: ctx => destroyVm(ctx),
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces',
    permissions: vmPerm(['VM.Monitor']),
    proxyto: 'node',
    handler: ctx => agentIfaces(ctx, loadGuest(ctx)),
  },
  {
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/template',
    permissions: vmPerm(['VM.Allocate']),
    proxyto: 'node',
    handler: ctx => {
      const { cluster, params } = ctx;
      const vmid = Number(params.vmid);
      const g = loadGuest(ctx);
      checkLock(g);
      if (g.snapshots.size)
        throw die('unable to create template, because VM contains snapshots');
      if (isTemplate(g))
        throw die("you can't convert a template to a template");
      if (g.status === 'running')
        throw die("you can't convert a VM to template if VM is running");
      const only = P.str(params, 'disk');
      return spawn(ctx, 'qmtemplate', vmid, async t => {
        const unlock = await lockInTask(t, vmid);
        try {
          await taskWork(ctx, t);
          for (const k of Object.keys(g.config).sort()) {
            if (!isDriveKey(k) || (only && k !== only)) continue;
            const d = parseDrive(g.config[k]);
            if (isCdrom(d) || isCloudinit(d)) continue;
            const vol = findVolume(cluster, g.node, d.file);
            if (!vol || !/(^|\/)vm-\d+-disk-\d+/.test(vol.volname)) continue;
            const newName = vol.volname.replace(
              /(^|\/)vm-(\d+-disk-\d+)/,
              '$1base-$2',
            );
            t.log(
              `  Renamed "${vol.volname.split('/').pop()}" to "${newName
                .split('/')
                .pop()}" in volume group "pve"`,
            );
            renameVolume(cluster, vol, newName);
            g.config[k] = printDrive({
              file: `${vol.storage}:${newName}`,
              opts: d.opts,
            });
          }
          g.config.template = '1';
        } finally {
          unlock();
        }
      }).upid;
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/cloudinit',
    permissions: vmPerm(['VM.Audit']),
    proxyto: 'node',
    handler: ctx => {
      const g = loadGuest(ctx);
      const cfg = effectiveConfig(g);
      const keys = Object.keys(cfg)
        .filter(
          k =>
            [...CLOUDINIT_KEYS, 'name'].includes(k) || /^ipconfig\d+$/.test(k),
        )
        .sort();
      return keys.map(key => {
        const e: Record<string, unknown> = {
          key,
          value:
            key === 'cipassword' ? '**********' : typedValue(key, cfg[key]),
        };
        if (g.pending[key] !== undefined)
          e.pending =
            key === 'cipassword'
              ? '**********'
              : typedValue(key, g.pending[key]);
        return e;
      });
    },
  },
  {
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/cloudinit',
    permissions: vmPerm(['VM.Config.Cloudinit']),
    proxyto: 'node',
    handler: ctx => {
      const g = loadGuest(ctx);
      checkLock(g);
      return null;
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/cloudinit/dump',
    permissions: vmPerm(['VM.Audit']),
    proxyto: 'node',
    handler: ctx => cloudinitDump(loadGuest(ctx), String(ctx.params.type)),
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/snapshot',
    permissions: vmPerm(['VM.Audit']),
    proxyto: 'node',
    handler: ctx => snapshotList(loadGuest(ctx)),
  },
  {
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/snapshot',
    permissions: vmPerm(['VM.Snapshot']),
    proxyto: 'node',
    handler: ctx => {
      const snapname = String(ctx.params.snapname);
      if (snapname === 'current')
        throw die("unable to use snapshot name 'current' (reserved name)");
      if (snapname === 'pending')
        throw die("unable to use snapshot name 'pending' (reserved name)");
      const description = P.str(ctx.params, 'description') ?? '';
      const vmstate = P.bool(ctx.params, 'vmstate') ?? false;
      return snapshotTask(ctx, 'qmsnapshot', 'snapshot', (g, t) => {
        if (g.snapshots.has(snapname))
          throw new TaskError(`snapshot name '${snapname}' already used\n`);
        snapshotFeatureCheck(ctx.cluster, g);
        const cfg = { ...g.config };
        delete cfg.parent;
        const snap: Snapshot = {
          name: snapname,
          description,
          snaptime: nowSec(),
          vmstate: vmstate && g.status === 'running',
          parent: g.config.parent,
          config: cfg,
        };
        g.snapshots.set(snapname, snap);
        g.config.parent = snapname;
        t.log(
          `snapshotting 'drive-scsi0' (${
            parseDrive(g.config.scsi0 ?? '').file || 'none'
          })`,
        );
      });
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}',
    permissions: { user: 'all' },
    handler: () => [{ cmd: 'rollback' }, { cmd: 'config' }],
  },
  {
    method: 'DELETE',
    path: '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}',
    permissions: vmPerm(['VM.Snapshot']),
    proxyto: 'node',
    handler: ctx => {
      const snapname = String(ctx.params.snapname);
      return snapshotTask(
        ctx,
        'qmdelsnapshot',
        'snapshot-delete',
        g => {
          const s = findSnapshot(g, snapname, { inTask: true });
          for (const other of g.snapshots.values())
            if (other.parent === snapname) other.parent = s.parent;
          if (g.config.parent === snapname) {
            if (s.parent) g.config.parent = s.parent;
            else delete g.config.parent;
          }
          g.snapshots.delete(snapname);
        },
        g => {
          if (isTemplate(g))
            throw die("you can't delete a snapshot if vm is a template");
        },
      );
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config',
    permissions: vmPerm(
      ['VM.Snapshot', 'VM.Snapshot.Rollback', 'VM.Audit'],
      true,
    ),
    proxyto: 'node',
    handler: ctx => {
      const s = findSnapshot(loadGuest(ctx), String(ctx.params.snapname));
      return typedConfig(snapshotConfig(s));
    },
  },
  {
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config',
    permissions: vmPerm(['VM.Snapshot']),
    proxyto: 'node',
    handler: async ctx => {
      const vmid = Number(ctx.params.vmid);
      const release = await lockConfig(ctx, vmid);
      try {
        const s = findSnapshot(loadGuest(ctx), String(ctx.params.snapname));
        const d = P.str(ctx.params, 'description');
        if (d !== undefined) s.description = d;
        return null;
      } finally {
        release();
      }
    },
  },
  {
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback',
    permissions: vmPerm(['VM.Snapshot', 'VM.Snapshot.Rollback'], true),
    proxyto: 'node',
    handler: ctx => {
      const snapname = String(ctx.params.snapname);
      const start = P.bool(ctx.params, 'start') ?? false;
      return snapshotTask(
        ctx,
        'qmrollback',
        'rollback',
        g => {
          const s = findSnapshot(g, snapname, { inTask: true });
          g.config = { ...s.config, parent: snapname };
          g.pending = {};
          g.pendingDelete.clear();
          if (!s.vmstate) {
            g.status = 'stopped';
            g.startedAt = undefined;
            g.pid = undefined;
            if (start) startGuest(ctx, g);
          } else {
            startGuest(ctx, g);
          }
        },
        g => {
          findSnapshot(g, snapname);
          if (isTemplate(g))
            throw die("you can't rollback if vm is a template");
        },
      );
    },
  },
];
