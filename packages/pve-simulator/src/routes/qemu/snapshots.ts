/** Snapshots: list, create, delete, config, rollback. */
import { die } from '../../http/errors';
import {
  configDigest,
  isCdrom,
  isCloudinit,
  isDriveKey,
  parseDrive,
  typedConfig,
} from '../../state/qemu';
import { isPathStorage } from '../../state/storage';
import { TaskContext, TaskError } from '../../state/tasks';
import type { ClusterState, Guest, Snapshot } from '../../state/types';
import { isTemplate } from '../../state/views';
import { nowSec } from '../../util';
import { loadGuest, lockConfig } from '../guestOps';
import { P, RouteCtx, RouteDef } from '../types';
import {
  taskCheckLock,
  taskWork,
  guestTask,
  startGuest,
  vmPerm,
} from './common';

// --- snapshots

export function snapshotList(g: Guest) {
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
export function findSnapshot(
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
export function snapshotConfig(s: Snapshot): Record<string, string> {
  const cfg: Record<string, string> = {
    ...s.config,
    snaptime: String(s.snaptime),
  };
  if (s.description) cfg.description = s.description;
  if (s.parent) cfg.parent = s.parent;
  return cfg;
}

export function snapshotFeatureCheck(cluster: ClusterState, g: Guest) {
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

export function snapshotTask(
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

export const snapshotRoutes: RouteDef[] = [
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
