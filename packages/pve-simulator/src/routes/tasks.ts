import { paramError } from '../http/errors';
import { parseUpid, Task, TaskInterrupt } from '../state/tasks';
import { hasPriv } from '../context';
import { permError } from '../http/errors';
import { splitList } from '../schema/formats';
import { P, RouteCtx, RouteDef } from './types';

/** Tasks.pm $check_task_user: tokens see their own tasks, users see theirs + their tokens'. */
function ownsTask(task: Task, userid: string) {
  if (task.tokenid)
    return userid === `${task.user}!${task.tokenid}` || userid === task.user;
  return userid === task.user;
}

const visible = (t: Task) => Date.now() >= t.visibleAt;

/** The `{upid}` parameter's task, if it is on the URL node (a 400 when the UPID does not parse). */
function findTask(ctx: RouteCtx): Task | undefined {
  const upid = String(ctx.params.upid);
  const parsed = parseUpid(upid);
  if (!parsed) throw paramError({ upid: 'unable to parse worker upid' });
  const task = ctx.cluster.tasks.get(upid);
  // task files are node local: the URL node must be the UPID's node; a task
  // just forked is not visible yet (taskVisibilityLagMs)
  return task && parsed.node === ctx.params.node && visible(task)
    ? task
    : undefined;
}

function checkTaskAccess(ctx: RouteCtx, task: Task, priv: string) {
  const path = `/nodes/${String(ctx.params.node)}`;
  if (!ownsTask(task, ctx.auth.userid) && !hasPriv(ctx.auth, priv, path)) {
    throw permError(`/nodes/${String(ctx.params.node)}, ${priv}`);
  }
}

function statusType(t: Task): 'ok' | 'warning' | 'error' | 'unknown' {
  if (t.status === 'running') return 'unknown';
  if (t.exitstatus === 'OK') return 'ok';
  if (/^WARNINGS: \d+$/.test(t.exitstatus ?? '')) return 'warning';
  return 'error';
}

/** The fields that name a task (the parts of its UPID). */
function taskIdentity(t: Task) {
  return {
    upid: t.upid,
    node: t.node,
    pid: t.pid,
    pstart: t.pstart,
    starttime: t.starttime,
    type: t.type,
    id: t.id,
    user: t.user,
  };
}

export function taskStatusData(t: Task) {
  const e: Record<string, unknown> = { ...taskIdentity(t), status: t.status };
  if (t.tokenid) e.tokenid = t.tokenid;
  if (t.status === 'stopped') e.exitstatus = t.exitstatus;
  return e;
}

/**
 * A route on one task of the URL node: answered with `handler` once the
 * caller may see the task (its owner, or with `priv` on the node).
 */
function taskRoute(
  method: RouteDef['method'],
  path: string,
  priv: string,
  handler: (task: Task) => unknown,
): RouteDef {
  return {
    method,
    path: `/nodes/{node}/tasks/{upid}${path}`,
    permissions: { user: 'all' },
    proxyto: 'node',
    handler: ctx => {
      const task = findTask(ctx);
      if (!task) throw paramError({ upid: 'no such task' });
      checkTaskAccess(ctx, task, priv);
      return handler(task);
    },
  };
}

export const taskRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/nodes/{node}/tasks',
    permissions: { user: 'all' },
    proxyto: 'node',
    handler: ctx => {
      const { params, cluster, auth } = ctx;
      const node = String(params.node);
      const start = P.int(params, 'start') ?? 0;
      let limit = P.int(params, 'limit') ?? 50;
      const userfilter = P.str(params, 'userfilter');
      const typefilter = P.str(params, 'typefilter');
      const vmid = P.str(params, 'vmid');
      const since = P.int(params, 'since');
      const until = P.int(params, 'until');
      const source = P.str(params, 'source') ?? 'archive';
      const errors = P.bool(params, 'errors') ?? false;
      let statusfilter = {
        ok: true,
        warning: true,
        error: true,
        unknown: true,
      };
      const sf = P.str(params, 'statusfilter');
      if (sf !== undefined && !errors) {
        statusfilter = {
          ok: false,
          warning: false,
          error: false,
          unknown: false,
        };
        for (const f of splitList(sf))
          (statusfilter as Record<string, boolean>)[f.toLowerCase()] = true;
      } else if (errors) statusfilter.ok = false;
      const auditor = hasPriv(auth, 'Sys.Audit', `/nodes/${node}`);
      const tasks = [...cluster.tasks.values()]
        .filter(t => t.node === node && visible(t))
        .filter(t => {
          if (source === 'all') return true;
          return source === 'active'
            ? t.status === 'running'
            : t.status === 'stopped';
        })
        .sort((a, b) => b.starttime - a.starttime || b.pid - a.pid);
      let count = 0;
      const res: unknown[] = [];
      for (const t of tasks) {
        const fullUser = t.tokenid ? `${t.user}!${t.tokenid}` : t.user;
        if (
          userfilter &&
          !fullUser.toLowerCase().includes(userfilter.toLowerCase())
        )
          continue;
        if (!(auditor || ownsTask(t, auth.userid))) continue;
        if (typefilter && t.type !== typefilter) continue;
        if (vmid && t.id !== vmid) continue;
        if (since !== undefined && t.starttime < since) continue;
        if (until !== undefined && t.starttime > until) continue;
        if (!statusfilter[statusType(t)]) continue;
        if (count++ < start) continue;
        if (limit <= 0) continue;
        const e: Record<string, unknown> = taskIdentity(t);
        if (t.tokenid) e.tokenid = t.tokenid;
        if (t.status === 'stopped') {
          e.endtime = t.endtime;
          e.status = t.exitstatus;
        } else {
          e.status = 'RUNNING';
        }
        res.push(e);
        limit--;
      }
      ctx.attrib.total = count;
      return res;
    },
  },
  taskRoute('DELETE', '', 'Sys.Modify', task => {
    if (task.status === 'running') task.abort.abort(new TaskInterrupt());
    return null;
  }),
  taskRoute('GET', '/status', 'Sys.Audit', taskStatusData),
  {
    method: 'GET',
    path: '/nodes/{node}/tasks/{upid}/log',
    permissions: { user: 'all' },
    proxyto: 'node',
    handler: ctx => {
      const task = findTask(ctx);
      if (P.bool(ctx.params, 'download')) {
        // streaming download is not modelled
        throw paramError({
          download: 'download is not supported by the simulator',
        });
      }
      if (!task) {
        ctx.attrib.total = 1;
        return [{ n: 1, t: 'unable to open file - No such file or directory' }];
      }
      checkTaskAccess(ctx, task, 'Sys.Audit');
      const start = P.int(ctx.params, 'start') ?? 0;
      const limit = P.int(ctx.params, 'limit') ?? 50;
      const lines = task.log.length ? task.log : ['no content'];
      ctx.attrib.total = lines.length;
      const out: Array<{ n: number; t: string }> = [];
      for (let i = start; i < lines.length && out.length < limit; i++)
        out.push({ n: i + 1, t: lines[i] });
      return out;
    },
  },
];
