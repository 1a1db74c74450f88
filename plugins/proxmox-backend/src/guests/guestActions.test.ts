/*
 * Immediate guest actions end to end on SQLite and PostgreSQL: the real
 * backend, permission backend and MycoPod policy, the PVE simulator over
 * HTTPS. Power (start, shutdown with a timeout then a forced stop, stop,
 * reboot) and snapshots (create with and without RAM, list, rollback,
 * delete) change the simulated guest; locked and busy guests answer 409;
 * each action signals its progress and is audited with its outcome.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import { guestSignalChannel } from '@mycopod/plugin-proxmox-common';
import { ENDPOINTS } from '@mycopod/plugin-proxmox-node';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import request from 'supertest';
import { auth, startSim } from '../__testUtils__/testBackend';
import { simClient } from '../leases/__testUtils__/guests';
import {
  ActionsBackend,
  eventually,
  provisionTeamAGuest,
  simGuest,
  startActionsBackend,
  waitTask,
} from './__testUtils__/guestActions';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('on %p', databaseId => {
  let sim: RunningSimulator;
  let ctx: ActionsBackend;
  let vmid: number;

  beforeAll(async () => {
    sim = await startSim(21);
    const knex = await databases.init(databaseId);
    ctx = await startActionsBackend({ knex, sim });
    vmid = await provisionTeamAGuest(ctx.server, 'actions-01');
  });
  afterAll(async () => {
    await ctx?.backend.stop();
    await sim?.stop();
  });
  afterEach(() => sim.setFaults(undefined));

  const post = (path: string, body: unknown, who = auth.user('dev')) =>
    request(ctx.server)
      .post(`/api/proxmox/guests/lab/${vmid}${path}`)
      .set('Authorization', who)
      .send(body as object);

  /** Runs one action as the dev; its final task state. */
  async function act(path: string, body: unknown, method = 'post') {
    const res = await (method === 'delete'
      ? request(ctx.server)
          .delete(`/api/proxmox/guests/lab/${vmid}${path}`)
          .set('Authorization', auth.user('dev'))
      : post(path, body));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      cluster: 'lab',
      vmid,
      status: 'running',
      upid: expect.stringMatching(/^UPID:/),
      startedAt: expect.any(String),
    });
    expect(res.header.location).toBe(
      `/api/proxmox/guests/lab/${vmid}/tasks/${encodeURIComponent(
        res.body.upid,
      )}`,
    );
    return waitTask(ctx.server, vmid, res.body.upid);
  }

  it('stops, starts, reboots and shuts down the VM in Proxmox', async () => {
    expect(simGuest(sim, vmid).status).toBe('running');

    const stop = await act('/power', { action: 'stop' });
    expect(stop).toMatchObject({
      action: 'stop',
      status: 'ok',
      exitStatus: 'OK',
    });
    expect(stop.logTail).toContain('TASK OK');
    expect(simGuest(sim, vmid).status).toBe('stopped');

    expect(await act('/power', { action: 'start' })).toMatchObject({
      action: 'start',
      status: 'ok',
    });
    expect(simGuest(sim, vmid).status).toBe('running');
    const bootedAt = simGuest(sim, vmid).startedAt;

    await new Promise(r => setTimeout(r, 5));
    expect(await act('/power', { action: 'reboot' })).toMatchObject({
      action: 'reboot',
      status: 'ok',
    });
    expect(simGuest(sim, vmid).status).toBe('running');
    expect(simGuest(sim, vmid).startedAt).toBeGreaterThan(bootedAt!);

    expect(
      await act('/power', { action: 'shutdown', timeoutSeconds: 30 }),
    ).toMatchObject({ action: 'shutdown', status: 'ok' });
    expect(simGuest(sim, vmid).status).toBe('stopped');

    await act('/power', { action: 'start' });
    expect(simGuest(sim, vmid).status).toBe('running');
  });

  it('reports a shutdown the guest ignores as failed; a forced stop then ends it', async () => {
    sim.setFaults({ taskFailureRate: 1, taskFailureTypes: ['qmshutdown'] });
    const shutdown = await act('/power', {
      action: 'shutdown',
      timeoutSeconds: 5,
    });
    expect(shutdown).toMatchObject({
      action: 'shutdown',
      status: 'failed',
      exitStatus: 'VM quit/powerdown failed - got timeout',
    });
    expect(simGuest(sim, vmid).status).toBe('running');
    sim.setFaults(undefined);

    expect(await act('/power', { action: 'stop' })).toMatchObject({
      status: 'ok',
    });
    expect(simGuest(sim, vmid).status).toBe('stopped');
    await act('/power', { action: 'start' });

    const audited = ctx.audit.filter(
      a => a.eventId === 'proxmox-guest-action' && a.meta.action === 'shutdown',
    );
    expect(audited.at(-1)).toMatchObject({
      meta: {
        actor: 'user:default/dev',
        cluster: 'lab',
        vmid,
        action: 'shutdown',
        timeoutSeconds: 5,
      },
      outcome: 'fail',
      endMeta: expect.objectContaining({ outcome: 'failed' }),
      error: expect.stringContaining('got timeout'),
    });
  });

  it('creates snapshots with and without RAM, lists, rolls back and deletes them', async () => {
    const plain = await act('/snapshots', {
      name: 'before-upgrade',
      description: 'clean state',
    });
    expect(plain).toMatchObject({ action: 'snapshot', status: 'ok' });
    const ram = await act('/snapshots', { name: 'with-ram', includeRam: true });
    expect(ram.status).toBe('ok');

    const snaps = simGuest(sim, vmid).snapshots;
    expect(snaps.get('before-upgrade')).toMatchObject({
      description: 'clean state',
      vmstate: false,
    });
    expect(snaps.get('with-ram')).toMatchObject({ vmstate: true });

    const list = await request(ctx.server)
      .get(`/api/proxmox/guests/lab/${vmid}/snapshots`)
      .set('Authorization', auth.user('dev'))
      .expect(200);
    expect(list.body.items).toEqual([
      {
        name: 'before-upgrade',
        description: 'clean state',
        createdAt: expect.any(String),
        includesRam: false,
      },
      {
        name: 'with-ram',
        createdAt: expect.any(String),
        includesRam: true,
        parent: 'before-upgrade',
      },
    ]);

    // a snapshot without RAM rolls the VM back stopped
    expect(await act('/snapshots/before-upgrade/rollback', {})).toMatchObject({
      action: 'rollback',
      status: 'ok',
    });
    expect(simGuest(sim, vmid).status).toBe('stopped');
    expect(simGuest(sim, vmid).config.parent).toBe('before-upgrade');

    // RAM state needs a running VM
    const refused = await post('/snapshots', {
      name: 'stopped-ram',
      includeRam: true,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/RAM state .* while it runs/);

    // a RAM snapshot resumes it running
    expect(await act('/snapshots/with-ram/rollback', {})).toMatchObject({
      status: 'ok',
    });
    expect(simGuest(sim, vmid).status).toBe('running');

    expect(await act('/snapshots/with-ram', undefined, 'delete')).toMatchObject(
      { action: 'delsnapshot', status: 'ok' },
    );
    expect([...simGuest(sim, vmid).snapshots.keys()]).toEqual([
      'before-upgrade',
    ]);
  });

  it('answers 409 for a wrong state, 404 for a missing snapshot, both audited', async () => {
    const running = await post('/power', { action: 'start' });
    expect(running.status).toBe(409);
    expect(running.body.error.message).toBe(
      `Guest lab/${vmid} is already running`,
    );
    await act('/snapshots', { name: 'dup-name' });
    const dup = await post('/snapshots', { name: 'dup-name' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toContain(
      "already has a snapshot named 'dup-name'",
    );
    const missing = await post('/snapshots/nope/rollback', {});
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe(
      `Guest lab/${vmid} has no snapshot named 'nope'`,
    );
    expect(
      ctx.audit.filter(
        a =>
          a.meta.vmid === vmid &&
          a.outcome === 'fail' &&
          a.endMeta?.outcome === 'refused',
      ).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('answers 409 with a clear message while the guest is locked', async () => {
    const g = simGuest(sim, vmid);
    g.config.lock = 'backup';
    try {
      for (const [path, body] of [
        ['/power', { action: 'stop' }],
        ['/snapshots', { name: 'while-locked' }],
      ] as const) {
        const res = await post(path, body);
        expect(res.status).toBe(409);
        expect(res.body.error).toEqual({
          name: 'ConflictError',
          message: `Guest lab/${vmid} is locked (backup) by another Proxmox operation. Try again when it has finished.`,
        });
      }
    } finally {
      delete g.config.lock;
    }
    expect(simGuest(sim, vmid).status).toBe('running');
  });

  /** Runs `fn` while simulated tasks take `ms`. */
  async function withSlowTasks<T>(ms: number, fn: () => Promise<T>) {
    const taskMs = sim.timings.taskMs;
    sim.timings.taskMs = ms;
    try {
      return await fn();
    } finally {
      sim.timings.taskMs = taskMs;
    }
  }

  it('answers 409 while the guest runs another task, and the task goes on', async () => {
    // a reboot holds no config lock: the running task list decides
    const reboot = await withSlowTasks(2_000, async () => {
      const slow = await post('/power', { action: 'reboot' });
      expect(slow.status).toBe(202);
      for (const [path, body] of [
        ['/power', { action: 'stop' }],
        ['/snapshots', { name: 'during-reboot' }],
      ] as const) {
        const busy = await post(path, body);
        expect(busy.status).toBe(409);
        expect(busy.body.error.name).toBe('ConflictError');
        expect(busy.body.error.message).toMatch(
          new RegExp(
            `^Guest lab/${vmid} is busy with a Proxmox task \\(qmreboot since \\d{4}-.+Z\\)\\. Try again when it has finished\\.$`,
          ),
        );
      }
      return slow.body.upid as string;
    });
    expect(await waitTask(ctx.server, vmid, reboot)).toMatchObject({
      status: 'ok',
    });
    expect(simGuest(sim, vmid).snapshots.has('during-reboot')).toBe(false);

    // a snapshot task locks the config: refused as locked or busy
    const snapshot = await withSlowTasks(2_000, async () => {
      const slow = await post('/snapshots', { name: 'slow-one' });
      expect(slow.status).toBe(202);
      const busy = await post('/power', { action: 'reboot' });
      expect(busy.status).toBe(409);
      expect(busy.body.error.message).toMatch(
        new RegExp(
          `^Guest lab/${vmid} (is busy with a Proxmox task \\(qmsnapshot|is locked \\(snapshot\\))`,
        ),
      );
      return slow.body.upid as string;
    });
    expect(await waitTask(ctx.server, vmid, snapshot)).toMatchObject({
      status: 'ok',
    });
    expect(simGuest(sim, vmid).snapshots.has('slow-one')).toBe(true);
  });

  it('does not count an open console (vncproxy task) as busy', async () => {
    const pve = simClient(sim);
    try {
      const guest = simGuest(sim, vmid);
      await pve.call(ENDPOINTS.qemuVncProxy, {
        node: guest.node,
        vmid,
        websocket: true,
      });
      const active = await pve.listTasks({
        node: guest.node,
        vmid,
        source: 'active',
      });
      expect(active.map(t => t.type)).toContain('vncproxy');
      expect(await act('/power', { action: 'reboot' })).toMatchObject({
        status: 'ok',
      });
    } finally {
      await pve.close();
    }
  });

  it('lets a forced stop end a shutdown that still waits for the guest', async () => {
    sim.setFaults({ taskFailureRate: 1, taskFailureTypes: ['qmshutdown'] });
    const shutdown = await withSlowTasks(5_000, async () => {
      const res = await post('/power', {
        action: 'shutdown',
        timeoutSeconds: 600,
      });
      expect(res.status).toBe(202);
      // the shutdown blocks other actions, but not a forced stop
      await eventually(async () => {
        const r = await post('/snapshots', { name: 'blocked' });
        expect(r.status).toBe(409);
      });
      return res.body.upid as string;
    });
    sim.setFaults(undefined);
    expect(await act('/power', { action: 'stop' })).toMatchObject({
      status: 'ok',
    });
    expect(await waitTask(ctx.server, vmid, shutdown)).toMatchObject({
      status: 'failed',
      exitStatus: 'received interrupt',
    });
    expect(simGuest(sim, vmid).status).toBe('stopped');
    await act('/power', { action: 'start' });
  });

  it('publishes the progress of each task on the guest channel and audits its outcome', async () => {
    const before = ctx.sent.signals.length;
    const task = await act('/power', { action: 'reboot' });
    // an earlier test's task may still report late: look at this task's only
    const signals = ctx.sent.signals
      .slice(before)
      .filter(s => s.channel === guestSignalChannel('lab', vmid))
      .map(s => s.message)
      .filter(m => m.task?.upid === task.upid);
    expect(signals[0]).toEqual({
      type: 'task',
      task: expect.objectContaining({ upid: task.upid, status: 'running' }),
    });
    await eventually(async () => {
      const last = ctx.sent.signals
        .filter(s => s.channel === guestSignalChannel('lab', vmid))
        .map(s => s.message)
        .filter(m => m.task.upid === task.upid)
        .at(-1);
      expect(last.task).toMatchObject({
        status: 'ok',
        exitStatus: 'OK',
        endedAt: expect.any(String),
      });
    });
    await eventually(async () => {
      expect(ctx.audit.find(a => a.endMeta?.upid === task.upid)).toMatchObject({
        eventId: 'proxmox-guest-action',
        meta: {
          actor: 'user:default/dev',
          cluster: 'lab',
          vmid,
          action: 'reboot',
        },
        outcome: 'success',
        endMeta: { outcome: 'ok', exitStatus: 'OK' },
      });
    });
    // what the backend saw ends up in the task read too
    const read = await waitTask(ctx.server, vmid, task.upid);
    expect(read.endedAt).toEqual(expect.any(String));
  });

  it('refuses containers and templates (409), unknown guests and tasks (404)', async () => {
    const container = await request(ctx.server)
      .post('/api/proxmox/guests/lab/103/power')
      .set('Authorization', auth.user('admin'))
      .send({ action: 'stop' });
    expect(container.status).toBe(409);
    expect(container.body.error.message).toContain('is a container');
    const template = await request(ctx.server)
      .post('/api/proxmox/guests/lab/9000/snapshots')
      .set('Authorization', auth.user('admin'))
      .send({ name: 'tpl' });
    expect(template.status).toBe(409);
    expect(template.body.error.message).toContain('is a template');
    await request(ctx.server)
      .post('/api/proxmox/guests/lab/4242/power')
      .set('Authorization', auth.user('admin'))
      .send({ action: 'start' })
      .expect(404);
    // a UPID of another guest, and one Proxmox does not know
    const other = `UPID:pve1:0000AAAA:0000BBBB:6700CCCC:qmstart:100:root@pam:`;
    const unknown = `UPID:pve1:0000AAAA:0000BBBB:6700CCCC:qmstart:${vmid}:root@pam:`;
    for (const upid of [other, unknown]) {
      await request(ctx.server)
        .get(
          `/api/proxmox/guests/lab/${vmid}/tasks/${encodeURIComponent(upid)}`,
        )
        .set('Authorization', auth.user('dev'))
        .expect(404);
    }
    const bad = await request(ctx.server)
      .get(`/api/proxmox/guests/lab/${vmid}/tasks/not-a-upid`)
      .set('Authorization', auth.user('dev'))
      .expect(400);
    expect(bad.body.fields).toEqual([
      { field: 'upid', message: 'must be a Proxmox task id (UPID:…)' },
    ]);
  });

  it('answers 503 with what Proxmox said when it fails, never a 500 or a secret', async () => {
    sim.setFaults({
      routes: [
        {
          path: '/nodes/{node}/qemu/{vmid}/status/reboot',
          rate: 1,
          kinds: ['503'],
        },
      ],
    });
    const res = await post('/power', { action: 'reboot' });
    expect(res.status).toBe(503);
    expect(res.body.error).toEqual({
      name: 'ServiceUnavailableError',
      message: expect.stringMatching(
        new RegExp(
          `^Could not reboot guest lab/${vmid}: Proxmox cluster 'lab' did not carry it out \\(.*Service Unavailable\\)$`,
        ),
      ),
    });
    expect(JSON.stringify(res.body)).not.toContain(sim.token.secret);
    expect(ctx.audit.at(-1)).toMatchObject({
      meta: { action: 'reboot', vmid },
      outcome: 'fail',
      endMeta: { outcome: 'refused' },
    });
  });

  it('never lets the token secret out', () => {
    const secret = sim.token.secret;
    expect(JSON.stringify(ctx.sent)).not.toContain(secret);
    expect(JSON.stringify(ctx.audit)).not.toContain(secret);
    expect(ctx.logs.join('\n')).not.toContain(secret);
  });
});
