/** Disk resize (task resize). */
import {
  configDigest,
  isCdrom,
  parseDrive,
  parseSize,
  printDrive,
  sizeString,
} from '../../state/qemu';
import { TaskError } from '../../state/tasks';
import { findVolume, growVolume } from '../../state/volumes';
import { P, RouteCtx, RouteDef } from '../types';
import {
  skiplockParam,
  storageErr,
  taskCheckLock,
  guestTask,
  vmPerm,
} from './common';

// --- resize

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
    if (t.failure === 'resize-partial') {
      // the storage grew, the config is never updated (no rollback)
      await t.sleep(ctx.sim.timings.resizeMs);
      throw new TaskError(
        g.status === 'running'
          ? `VM ${g.vmid} qmp command 'block_resize' failed - got timeout\n`
          : `command '/usr/bin/qemu-img resize -f raw ${d.file} ${newsize}' failed: got timeout\n`,
      );
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

export const diskRoutes: RouteDef[] = [
  {
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/resize',
    permissions: vmPerm(['VM.Config.Disk']),
    proxyto: 'node',
    handler: ctx => resizeVm(ctx),
  },
];
