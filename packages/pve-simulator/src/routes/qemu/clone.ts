/** POST …/clone (task qmclone). */
import { die, paramError, permError } from '../../http/errors';
import {
  isCdrom,
  isCloudinit,
  isDriveKey,
  parseDrive,
  parseNet,
  parseSize,
  printDrive,
  printNet,
  sizeString,
} from '../../state/qemu';
import { isPathStorage, storageEnabledOn } from '../../state/storage';
import { TaskDied, TaskError } from '../../state/tasks';
import type { Guest, Volume } from '../../state/types';
import { isTemplate } from '../../state/views';
import { allocVolume, findVolume, freeVolume } from '../../state/volumes';
import { nowSec, randomMac, randomUuid } from '../../util';
import { checkLock, loadGuest } from '../guestOps';
import { P, RouteCtx, RouteDef } from '../types';
import {
  guestIds,
  lockedGuest,
  storageErr,
  lockInTask,
  spawn,
  storageLockFailure,
  firstDiskStorage,
  configLockFailure,
  taskCheckLock,
} from './common';

// --- clone

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
  const firewall = src.firewall;
  /** The temporary target config, after the worker's re-checks. */
  const createTarget = (): Guest => {
    const now = cluster.guests.get(vmid);
    if (!now || now.node !== node || now.type !== 'qemu')
      throw new TaskError(
        `Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist\n`,
      );
    taskCheckLock(now, false);
    const other = cluster.guests.get(newid);
    if (other && other.node === node)
      throw new TaskError(
        `unable to create VM ${newid}: config file already exists\n`,
      );
    if (other) {
      // pmxcfs refuses the temp config: the id exists on another node
      throw new TaskError(
        `close (rename) atomic file '/etc/pve/nodes/${node}/qemu-server/${newid}.conf' failed: File exists\n`,
      );
    }
    const placeholder = lockedGuest(newid, node, 'clone', {
      options: { ...firewall.options },
      rules: firewall.rules.map(r => ({ ...r })),
    });
    cluster.guests.set(newid, placeholder);
    return placeholder;
  };
  const task = spawn(
    ctx,
    'qmclone',
    vmid,
    async t => {
      // in the worker (PVE 8 qmclone): lock the target (1 s), re-check, then
      // write the temporary config `lock: clone` (visible only from now on)
      const lockMs = Math.min(1000, sim.timings.lockWaitMs);
      if (t.failure === 'target-lock') {
        await t.sleep(lockMs);
        throw new TaskError(configLockFailure(newid));
      }
      const unlockTarget = await lockInTask(t, newid, lockMs);
      const created: Volume[] = [];
      let g: Guest;
      try {
        g = createTarget();
      } catch (e) {
        unlockTarget();
        throw e;
      }
      try {
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
        if (t.failure === 'worker-died') throw new TaskDied();
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
        // a dead worker cleans nothing up: the locked config and its disks stay
        if (e instanceof TaskDied) throw e;
        for (const v of created) freeVolume(cluster, v);
        if (cluster.guests.get(newid) === g) cluster.guests.delete(newid);
        const msg = e instanceof Error ? e.message : String(e);
        throw new TaskError(`clone failed: ${msg}`);
      } finally {
        unlockTarget();
      }
    },
    storageLockFailure(storage ?? firstDiskStorage(oldconf)),
  );
  return task.upid;
}

export const cloneRoutes: RouteDef[] = [
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
];
