/** Status and power actions (start, stop, shutdown, reboot). */
import { die } from '../../http/errors';
import { TaskError, TaskInterrupt } from '../../state/tasks';
import { isTemplate, qemuStatusCurrent } from '../../state/views';
import { loadGuest } from '../guestOps';
import { P, RouteCtx, RouteDef } from '../types';
import {
  guestIds,
  skiplockParam,
  taskCheckLock,
  taskWork,
  guestTask,
  startGuest,
  stopGuest,
  vmPerm,
} from './common';

// --- power

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
  const powerdownTimeout = `VM quit/powerdown failed - got timeout\n`;
  const failure = {
    start: `start failed: QEMU exited with code 1\n`,
    stop: powerdownTimeout,
    shutdown: powerdownTimeout,
    reboot: powerdownTimeout,
  }[kind];
  const forceStop =
    kind === 'shutdown' && (P.bool(ctx.params, 'forceStop') ?? false);
  // stop `overrule-shutdown`: abort the guest's running shutdown tasks first
  const overrule =
    kind === 'stop' && (P.bool(ctx.params, 'overrule-shutdown') ?? false);
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
        if (t.failure === 'start-timeout') {
          // the kvm process outlives the start timeout: the VM runs anyway
          await t.sleep(ctx.sim.timings.taskMs);
          startGuest(ctx, g);
          throw new TaskError(
            `start failed: command '/usr/bin/kvm -id ${vmid} -name '${
              g.config.name ?? `VM${vmid}`
            },debug-threads=on' -no-shutdown …' failed: got timeout\n`,
          );
        }
        await taskWork(ctx, t);
        startGuest(ctx, g);
        return;
      }
      if (kind !== 'reboot') taskCheckLock(g, skiplock);
      if (g.status !== 'running') {
        if (kind === 'reboot') throw new TaskError(`VM ${vmid} not running\n`);
        return; // stop/shutdown of a stopped VM is a no-op
      }
      if (
        kind !== 'stop' &&
        (g.refusesShutdown || t.failure === 'shutdown-timeout')
      ) {
        // the guest ignores ACPI: every shutdown times out until a hard stop
        g.refusesShutdown = true;
        await t.sleep(ctx.sim.timings.taskMs);
        if (!forceStop) throw new TaskError(powerdownTimeout);
        t.log('VM still running - terminating now with SIGTERM');
      } else {
        await taskWork(ctx, t);
      }
      stopGuest(ctx, g);
      if (kind === 'reboot') startGuest(ctx, g);
    },
    {
      before: g0 => {
        if (kind === 'reboot' && g0.status !== 'running')
          throw die(`VM ${vmid} not running`);
        if (overrule) {
          for (const t of ctx.cluster.tasks.values()) {
            if (
              t.type === 'qmshutdown' &&
              t.id === String(vmid) &&
              t.status === 'running'
            ) {
              t.abort.abort(new TaskInterrupt());
            }
          }
        }
      },
      failureMessage: failure,
    },
  );
}

export const powerRoutes: RouteDef[] = [
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
];
