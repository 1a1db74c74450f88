/** Create, destroy, list and template conversion of VMs. */
import { hasPriv } from '../../context';
import { die, paramError, permError } from '../../http/errors';
import { qemuLockFile } from '../../state/locks';
import {
  isCdrom,
  isCloudinit,
  isDriveKey,
  parseDrive,
  printDrive,
} from '../../state/qemu';
import { TaskDied, TaskError } from '../../state/tasks';
import type { Guest, Volume } from '../../state/types';
import { isTemplate, qemuListEntry } from '../../state/views';
import {
  createDisks,
  findVolume,
  freeVolume,
  guestVolumes,
  renameVolume,
} from '../../state/volumes';
import { nowSec, randomUuid } from '../../util';
import { checkLock, loadGuest } from '../guestOps';
import { P, RouteCtx, RouteDef } from '../types';
import {
  guestIds,
  skiplockParam,
  lockedGuest,
  normalizeOptions,
  configOptions,
  storageErr,
  lockInTask,
  taskCheckLock,
  spawn,
  taskWork,
  guestTask,
  storageLockFailure,
  firstDiskStorage,
  startGuest,
  vmPerm,
  configLockFailure,
} from './common';

// --- create

async function createVm(ctx: RouteCtx) {
  const { cluster, params, auth } = ctx;
  const { node, vmid } = guestIds(ctx);
  const pool = P.str(params, 'pool');
  const storage = P.str(params, 'storage');
  const start = P.bool(params, 'start') ?? false;
  if (pool !== undefined && !cluster.pools.has(pool))
    throw permError(`pool '${pool}' does not exist`);
  // PVE: VM.Allocate on /vms/<vmid>, or on /pool/<pool> when a pool is given
  if (
    !hasPriv(auth, 'VM.Allocate', `/vms/${vmid}`) &&
    !(pool !== undefined && hasPriv(auth, 'VM.Allocate', `/pool/${pool}`))
  )
    throw permError();
  const opts = configOptions(
    params,
    new Set(['node', 'vmid', 'pool', 'storage', 'start', 'bwlimit']),
  );
  if (
    Object.keys(opts).length > 0 &&
    !hasPriv(auth, 'VM.Config.Disk', `/vms/${vmid}`)
  ) {
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
        if (t.failure === 'worker-died') {
          // the config is written, the `create` lock is never removed
          g.config = { ...opts, ...created.values, lock: 'create' };
          throw new TaskDied();
        }
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
        if (e instanceof TaskDied) throw e;
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

// --- destroy

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

export const createRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/nodes/{node}/qemu',
    permissions: { user: 'all' },
    proxyto: 'node',
    handler: ({ cluster, params, auth }) => {
      const full = P.bool(params, 'full') ?? false;
      const res: unknown[] = [];
      for (const g of cluster.guests.values()) {
        if (g.type !== 'qemu' || g.node !== params.node) continue;
        // only guests with VM.Audit, as PVE
        if (hasPriv(auth, 'VM.Audit', `/vms/${g.vmid}`))
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
    method: 'DELETE',
    path: '/nodes/{node}/qemu/{vmid}',
    permissions: vmPerm(['VM.Allocate']),
    proxyto: 'node',
    handler: ctx => destroyVm(ctx),
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
      return spawn(
        ctx,
        'qmtemplate',
        vmid,
        async t => {
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
        },
        configLockFailure(vmid),
      ).upid;
    },
  },
];
