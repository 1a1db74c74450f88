/*
 * The in-browser console through a real backend that listens on a port:
 * the ticket route (permission, guest state), the WebSocket on the plugin's
 * router (ticket checks before the upgrade), the relay to the PVE
 * simulator's VNC server over WSS (an RFB handshake through the proxy reads
 * the guest's name, typed keys come back on its screen), the session's
 * ends (browser, guest stopped, idle, maximum length) and their audit, and
 * no secret in any frame, log or response. SQLite and PostgreSQL.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import { CONSOLE_CLOSE_CODES } from '@mycopod/plugin-proxmox-common';
import {
  consoleLineBand,
  renderConsoleScreen,
  type RunningSimulator,
} from '@mycopod/pve-simulator';
import request from 'supertest';
import { auth, startSim } from '../__testUtils__/testBackend';
import {
  ActionsBackend,
  eventually,
  provisionTeamAGuest,
  simGuest,
  startActionsBackend,
} from '../guests/__testUtils__/guestActions';
import {
  consoleSocketUrl,
  openConsole,
  openSocket,
} from './__testUtils__/consoleClient';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('console on %p', databaseId => {
  let sim: RunningSimulator;
  let ctx: ActionsBackend;
  let vmid: number;
  let vmName: string;
  let node: string;
  /** Every answer body of the ticket route (leak checks). */
  const answers: string[] = [];
  /** Every byte the test browsers received (leak checks). */
  const frames: Buffer[] = [];

  beforeAll(async () => {
    sim = await startSim(31);
    const knex = await databases.init(databaseId);
    ctx = await startActionsBackend({
      knex,
      sim,
      proxmox: { console: { ticketTtlMs: 2_000 } },
    });
    vmName = 'console-01';
    vmid = await provisionTeamAGuest(ctx.server, vmName);
    node = simGuest(sim, vmid).node;
  });
  afterAll(async () => {
    await ctx?.backend.stop();
    await sim?.stop();
  });

  async function ticketFor(who = auth.user('dev'), id = vmid) {
    const res = await request(ctx.server)
      .post(`/api/proxmox/guests/lab/${id}/console`)
      .set('Authorization', who)
      .send({});
    answers.push(JSON.stringify(res.body));
    return res;
  }

  async function connect(ticket: string) {
    const client = await openConsole(
      consoleSocketUrl(ctx.server, `?ticket=${ticket}`),
    );
    void client.closed.then(() => frames.push(client.received));
    return client;
  }

  const screen = (typed = '') =>
    renderConsoleScreen({
      type: 'qemu',
      vmid,
      name: vmName,
      node,
      cluster: 'lab',
      typed,
    });
  const sessionAudits = () =>
    ctx.audit.filter(a => a.eventId === 'proxmox-console-session');

  it('issues a one-time ticket bound to the owner member and the guest', async () => {
    const res = await ticketFor();
    expect(res.status).toBe(201);
    expect(res.header['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      ticket: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
      socketPath: '/console/socket',
      guest: { cluster: 'lab', vmid, node, type: 'qemu', name: vmName },
      idleTimeoutMs: 15 * 60_000,
      maxSessionMs: 4 * 60 * 60_000,
    });
    const ttl = Date.parse(res.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2_000);
    expect(ctx.audit).toContainEqual(
      expect.objectContaining({
        eventId: 'proxmox-console-ticket',
        meta: expect.objectContaining({ actor: 'user:default/dev', vmid }),
      }),
    );
  });

  it('relays an RFB session both ways: the guest name, the screen, echoed keys; audited with bytes', async () => {
    const { body } = await ticketFor();
    const before = sessionAudits().length;
    const c = await connect(body.ticket);
    expect(c.ws.protocol).toBe('binary');
    // the backend authenticated to Proxmox: the browser gets security None
    expect(await c.handshake()).toEqual({
      version: 'RFB 003.008\n',
      types: [1],
      result: 0,
    });
    expect(await c.init()).toEqual({ name: vmName, width: 640, height: 176 });
    c.requestUpdate(false);
    await c.readUpdate();
    expect(Buffer.from(c.fb).equals(Buffer.from(screen().rgb))).toBe(true);

    c.type('ok');
    const want = screen('ok').rgb;
    const band = consoleLineBand(4);
    const line = (rgb: Uint8Array) =>
      Buffer.from(
        rgb.subarray(band.y * 640 * 3, (band.y + band.height) * 640 * 3),
      );
    while (!line(c.fb).equals(line(want))) {
      c.requestUpdate(true);
      await c.readUpdate();
    }

    await eventually(async () =>
      expect(sessionAudits()).toHaveLength(before + 1),
    );
    expect(sessionAudits()[before]).toMatchObject({
      meta: {
        actor: 'user:default/dev',
        cluster: 'lab',
        vmid,
        node,
        guestType: 'qemu',
      },
    });
    c.ws.close(1000);
    expect((await c.closed).code).toBe(1000);
    const record = await eventually(async () => {
      const r = sessionAudits()[before];
      expect(r.outcome).toBe('success');
      return r;
    });
    expect(record.endMeta).toMatchObject({
      opened: true,
      endedBy: 'browser',
      closeCode: 1000,
      durationMs: expect.any(Number),
    });
    expect(record.endMeta!.bytesToGuest).toBeGreaterThan(40); // handshake, init, keys
    expect(record.endMeta!.bytesFromGuest).toBeGreaterThan(640 * 176 * 4);
    // the Proxmox side ended with it: no vncproxy task of the guest runs
    const lab = sim.state.clusters.find(x => x.name === 'lab')!;
    await eventually(async () =>
      expect(
        [...lab.tasks.values()].filter(
          t =>
            t.type === 'vncproxy' &&
            t.id === String(vmid) &&
            t.status === 'running',
        ),
      ).toEqual([]),
    );
  });

  it('refuses sockets without a ticket, with an unknown, a used or an expired one (401)', async () => {
    await expect(
      openSocket(consoleSocketUrl(ctx.server, '')),
    ).rejects.toMatchObject({ status: 401 });
    await expect(
      openSocket(consoleSocketUrl(ctx.server, `?ticket=${'A'.repeat(43)}`)),
    ).rejects.toMatchObject({ status: 401 });

    const used = (await ticketFor()).body.ticket;
    const first = await connect(used);
    await expect(connect(used)).rejects.toMatchObject({ status: 401 });
    first.ws.close();

    const expiring = (await ticketFor()).body.ticket;
    await new Promise(r => setTimeout(r, 2_200));
    await expect(connect(expiring)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a socket from a foreign origin (403) and uses its ticket up', async () => {
    const { ticket } = (await ticketFor()).body;
    await expect(
      openSocket(consoleSocketUrl(ctx.server, `?ticket=${ticket}`), {
        Origin: 'https://evil.example.com',
      }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('needs proxmox.guest.console: another team 403, no token 401; approvers may', async () => {
    expect((await ticketFor(auth.user('other'))).status).toBe(403);
    expect((await ticketFor(auth.none())).status).toBe(401);
    expect((await ticketFor(auth.service())).status).toBe(403);
    expect((await ticketFor(auth.user('admin'))).status).toBe(201);
  });

  it('answers 404 for an unknown guest, 409 for a stopped one, 400 for bad input', async () => {
    expect((await ticketFor(auth.user('admin'), 4242)).status).toBe(404);
    // 102 build-runner is stopped in the demo fleet
    const stopped = await ticketFor(auth.user('admin'), 102);
    expect(stopped.status).toBe(409);
    expect(stopped.body.error.message).toMatch(/not running/);
    const bad = await request(ctx.server)
      .post('/api/proxmox/guests/lab/abc/console')
      .set('Authorization', auth.user('dev'))
      .send({ x: 1 });
    expect(bad.status).toBe(400);
  });

  it('closes the browser side when the guest stops (Proxmox ends the VNC connection)', async () => {
    const c = await connect((await ticketFor()).body.ticket);
    await c.handshake();
    await c.init();
    // the guest powers off (from inside): its VNC server goes away
    simGuest(sim, vmid).status = 'stopped';
    expect(await c.closed).toEqual({
      code: CONSOLE_CLOSE_CODES.guestStopped,
      reason: 'Session ended: the guest stopped',
    });
    await eventually(async () =>
      expect(sessionAudits().at(-1)).toMatchObject({
        outcome: 'success',
        endMeta: {
          endedBy: 'proxmox',
          closeCode: CONSOLE_CLOSE_CODES.guestStopped,
        },
      }),
    );
    // the guest is not running any more: no ticket
    expect((await ticketFor()).status).toBe(409);
  });

  it('leaks no secret: not in frames, logs, answers or audit events', async () => {
    await eventually(async () => expect(frames.length).toBeGreaterThan(2));
    const pveTickets = sim.vncTickets();
    expect(pveTickets.length).toBeGreaterThan(2);
    const secrets = [
      sim.token.secret,
      ...pveTickets,
      ...pveTickets.map(t => t.slice(0, 8)), // the VNC passwords
      ...pveTickets.map(t => t.slice(9)),
    ];
    const text = [
      ...frames.map(f => f.toString('latin1')),
      ...ctx.logs,
      ...answers,
      JSON.stringify(ctx.audit),
    ].join('\n');
    for (const s of secrets) expect(text).not.toContain(s);
    // the browser tickets stay out of the logs and the audit trail
    const tickets = answers
      .map(a => JSON.parse(a).ticket)
      .filter((t): t is string => typeof t === 'string');
    expect(tickets.length).toBeGreaterThan(3);
    const trail = [...ctx.logs, JSON.stringify(ctx.audit)].join('\n');
    for (const t of tickets) expect(trail).not.toContain(t);
  });
});

describe.each(databases.eachSupportedId())(
  'console limits on %p',
  databaseId => {
    let sim: RunningSimulator;
    let ctx: ActionsBackend;

    beforeAll(async () => {
      sim = await startSim(32);
      const knex = await databases.init(databaseId);
      ctx = await startActionsBackend({
        knex,
        sim,
        proxmox: { console: { idleTimeoutMs: 1_000, maxSessionMs: 2_500 } },
      });
    });
    afterAll(async () => {
      await ctx?.backend.stop();
      await sim?.stop();
    });

    /** A session on demo VM 100 (approvers may open any console). */
    async function session() {
      const res = await request(ctx.server)
        .post('/api/proxmox/guests/lab/100/console')
        .set('Authorization', auth.user('admin'))
        .send({});
      expect(res.status).toBe(201);
      const c = await openConsole(
        consoleSocketUrl(ctx.server, `?ticket=${res.body.ticket}`),
      );
      await c.handshake();
      expect((await c.init()).name).toBe('web-01');
      return c;
    }

    it('ends a session without traffic after idleTimeoutMs', async () => {
      const c = await session();
      expect(await c.closed).toEqual({
        code: CONSOLE_CLOSE_CODES.idle,
        reason: 'Session ended: no activity for 1 s',
      });
    });

    it('ends a busy session at maxSessionMs, both sides, audited', async () => {
      const c = await session();
      const busy = setInterval(() => c.point(), 200);
      try {
        expect((await c.closed).code).toBe(CONSOLE_CLOSE_CODES.maxLength);
      } finally {
        clearInterval(busy);
      }
      const record = await eventually(async () => {
        const r = ctx.audit
          .filter(a => a.eventId === 'proxmox-console-session')
          .at(-1)!;
        expect(r.outcome).toBe('success');
        return r;
      });
      expect(record.endMeta).toMatchObject({
        endedBy: 'backend',
        closeCode: CONSOLE_CLOSE_CODES.maxLength,
      });
      expect(record.endMeta!.durationMs).toBeGreaterThanOrEqual(2_400);
      // the Proxmox side is closed too: its vncproxy task ended
      const lab = sim.state.clusters.find(x => x.name === 'lab')!;
      await eventually(async () =>
        expect(
          [...lab.tasks.values()].filter(
            t => t.type === 'vncproxy' && t.status === 'running',
          ),
        ).toEqual([]),
      );
    });
  },
);
