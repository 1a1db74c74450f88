import https from 'node:https';
import { DEFAULT_TOKEN } from '../context';
import { suiteSimulator, TestClient } from '../testUtils';
import { openRfbClient } from './__testUtils__/rfbClient';
import { consoleLineBand, renderConsoleScreen } from './screen';

const OTHER_TOKEN = { tokenId: 'ops@pve!console', secret: 'other-secret' };
const READONLY_TOKEN = { tokenId: 'audit@pve!ro', secret: 'ro-secret' };

describe('guest console (vncproxy / vncwebsocket)', () => {
  const env = suiteSimulator({
    tokens: [
      { ...DEFAULT_TOKEN, privileges: 'admin' },
      { ...OTHER_TOKEN, privileges: 'admin' },
      { ...READONLY_TOKEN, privileges: 'readonly' },
    ],
  });
  const auth = (t: { tokenId: string; secret: string } = DEFAULT_TOKEN) =>
    `PVEAPIToken=${t.tokenId}=${t.secret}`;

  async function vncproxy(
    path: string,
    form: Record<string, number> = { websocket: 1 },
  ) {
    const res = await env.api.post(`${path}/vncproxy`, form);
    expect(res.status).toBe(200);
    return res.body.data as {
      user: string;
      ticket: string;
      password?: string;
      port: number;
      upid: string;
      cert: string;
    };
  }

  function socketUrl(path: string, port: number, ticket: string) {
    const wss = env.sim.clusters[0].url.replace(/^https/, 'wss');
    return `${wss}/api2/json${path}/vncwebsocket?port=${port}&vncticket=${encodeURIComponent(
      ticket,
    )}`;
  }

  async function connect(
    path: string,
    port: number,
    ticket: string,
    token: { tokenId: string; secret: string } = DEFAULT_TOKEN,
  ) {
    return openRfbClient(socketUrl(path, port, ticket), {
      ca: env.sim.caCertPem,
      authorization: auth(token),
    });
  }

  const web01 = '/nodes/pve1/qemu/100';
  const expected = (
    over: { typed?: string; notice?: string; entered?: string } = {},
  ) =>
    renderConsoleScreen({
      type: 'qemu',
      vmid: 100,
      name: 'web-01',
      node: 'pve1',
      cluster: 'lab',
      typed: '',
      ...over,
    });
  /** The pixels of screen line `i` of an RGB image of the console's width. */
  const band = (rgb: Uint8Array, width: number, i: number) => {
    const { y, height } = consoleLineBand(i);
    return Buffer.from(rgb.subarray(y * width * 3, (y + height) * width * 3));
  };

  it('answers vncproxy like PVE 8.4: user, VNC password + ticket, port, upid, cert', async () => {
    const data = await vncproxy(web01);
    expect(data.user).toBe(DEFAULT_TOKEN.tokenId);
    expect(data.password).toMatch(/^[!-`]{8}$/);
    expect(data.ticket.startsWith(`${data.password}:PVEVNC:`)).toBe(true);
    expect(data.ticket).toMatch(/^.{8}:PVEVNC:[0-9A-F]{8}::[A-Za-z0-9+/=]+$/);
    expect(data.ticket.length).toBeLessThanOrEqual(512);
    expect(data.port).toBeGreaterThanOrEqual(5900);
    expect(data.port).toBeLessThanOrEqual(5999);
    expect(data.upid).toMatch(
      /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vncproxy:100:root@pam!mycopod:$/,
    );
    expect(data.cert).toBe(env.sim.caCertPem);
    // a plain GET of vncwebsocket checks the ticket and names the port
    const plain = await env.api.get(
      `${web01}/vncwebsocket?port=${data.port}&vncticket=${encodeURIComponent(
        data.ticket,
      )}`,
    );
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual({ data: { port: String(data.port) } });
    expect(env.sim.vncTickets()).toContain(data.ticket);
  });

  it('speaks RFB 3.8 with VNC authentication, shows the guest and echoes keys', async () => {
    const data = await vncproxy(web01);
    const rfb = await connect(web01, data.port, data.ticket);
    expect(rfb.ws.protocol).toBe('binary');
    expect(await rfb.authenticate(data.password!)).toEqual({ result: 0 });
    const init = await rfb.init();
    expect(init).toEqual({ width: 640, height: 176, name: 'web-01' });

    rfb.requestUpdate(false);
    await rfb.readUpdate();
    const screen = expected();
    expect(Buffer.from(rfb.fb).equals(Buffer.from(screen.rgb))).toBe(true);

    // typing: the input line changes, and only it is sent
    rfb.requestUpdate(true);
    rfb.type('hi');
    let typed = '';
    while (typed !== 'hi') {
      const rects = await rfb.readUpdate();
      expect(rects.every(r => r.y === consoleLineBand(4).y)).toBe(true);
      typed = band(rfb.fb, 640, 4).equals(
        band(expected({ typed: 'hi' }).rgb, 640, 4),
      )
        ? 'hi'
        : typed;
      if (typed !== 'hi') rfb.requestUpdate(true);
    }
    expect(
      Buffer.from(rfb.fb).equals(Buffer.from(expected({ typed: 'hi' }).rgb)),
    ).toBe(true);

    // Return moves the line up; Ctrl-Alt-Del and clipboard text are shown
    rfb.requestUpdate(true);
    rfb.key(0xff0d);
    await rfb.readUpdate();
    rfb.requestUpdate(true);
    rfb.key(0xffe3);
    rfb.key(0xffe9);
    rfb.key(0xffff);
    rfb.key(0xffff, false);
    rfb.key(0xffe9, false);
    rfb.key(0xffe3, false);
    await rfb.readUpdate();
    expect(
      Buffer.from(rfb.fb).equals(
        Buffer.from(
          expected({ entered: 'hi', notice: 'Ctrl-Alt-Del received' }).rgb,
        ),
      ),
    ).toBe(true);

    // the task runs while connected and ends OK with the connection
    const status = await env.api.get(
      `/nodes/pve1/tasks/${encodeURIComponent(data.upid)}/status`,
    );
    expect(status.body.data.status).toBe('running');
    rfb.ws.close();
    expect((await env.api.waitTask(data.upid)).exitstatus).toBe('OK');
  });

  it('refuses a wrong password inside RFB with "Authentication failed"', async () => {
    const data = await vncproxy(web01);
    const rfb = await connect(web01, data.port, data.ticket);
    expect(await rfb.authenticate('wrongpwd')).toEqual({
      result: 1,
      reason: 'Authentication failed',
    });
    await rfb.ended();
  });

  it('refuses a wrong ticket, a ticket for another port and another user with 401', async () => {
    const data = await vncproxy(web01);
    const tampered = `${data.ticket.slice(0, -6)}AAAAA=`;
    for (const [port, ticket, token] of [
      [data.port, tampered, DEFAULT_TOKEN],
      [data.port === 5999 ? 5998 : data.port + 1, data.ticket, DEFAULT_TOKEN],
      [data.port, data.ticket, OTHER_TOKEN],
    ] as const) {
      await expect(connect(web01, port, ticket, token)).rejects.toMatchObject({
        status: 401,
        reason: 'permission denied - invalid PVEVNC ticket',
      });
    }
    // the proxy still waits for its one connection
    const rfb = await connect(web01, data.port, data.ticket);
    expect((await rfb.authenticate(data.password!)).result).toBe(0);
    rfb.ws.close();
  });

  it('drops a reused ticket without an answer: the port listens for one connection', async () => {
    const data = await vncproxy(web01);
    const first = await connect(web01, data.port, data.ticket);
    await expect(connect(web01, data.port, data.ticket)).rejects.toThrow(
      /socket hang up|ECONNRESET|closed before/,
    );
    expect((await first.authenticate(data.password!)).result).toBe(0);
    first.ws.close();
  });

  it('needs VM.Console: a read-only token gets 403', async () => {
    const api = new TestClient(env.sim);
    try {
      const res = await api.post(
        `${web01}/vncproxy`,
        { websocket: 1 },
        { token: READONLY_TOKEN },
      );
      expect(res.status).toBe(403);
      expect(res.reason).toBe('Permission check failed (/vms/100, VM.Console)');
    } finally {
      api.close();
    }
  });

  it('a stopped VM: vncproxy answers, the connection closes at once and the task fails', async () => {
    const data = await vncproxy('/nodes/pve2/qemu/102');
    const rfb = await connect('/nodes/pve2/qemu/102', data.port, data.ticket);
    await rfb.ended();
    expect(rfb.pending).toBe(0);
    const status = await env.api.waitTask(data.upid);
    expect(status.exitstatus).toBe('Failed to run vncproxy.');
    expect(await env.api.taskLog(data.upid)).toContain('VM 102 not running');
  });

  it('closes the connection when the guest stops', async () => {
    const vm = '/nodes/pve2/qemu/101';
    const data = await vncproxy(vm);
    const rfb = await connect(vm, data.port, data.ticket);
    expect((await rfb.authenticate(data.password!)).result).toBe(0);
    const stop = await env.api.post(`${vm}/status/stop`);
    await env.api.waitTask(stop.body.data);
    await rfb.ended();
    const start = await env.api.post(`${vm}/status/start`);
    await env.api.waitTask(start.body.data);
  });

  it('serves containers too (desktop name = hostname)', async () => {
    const ct = '/nodes/pve3/lxc/103';
    const data = await vncproxy(ct);
    const rfb = await connect(ct, data.port, data.ticket);
    expect((await rfb.authenticate(data.password!)).result).toBe(0);
    expect((await rfb.init()).name).toBe('dns-01');
    rfb.ws.close();
    const missing = await env.api.post('/nodes/pve3/lxc/100/vncproxy', {
      websocket: 1,
    });
    expect(missing.status).toBe(500);
    expect(missing.reason).toBe(
      "Configuration file 'nodes/pve3/lxc/100.conf' does not exist",
    );
  });

  it('refuses an upgrade with another WebSocket version (500, as pveproxy)', async () => {
    const data = await vncproxy(web01);
    const url = new URL(
      socketUrl(web01, data.port, data.ticket).replace(/^wss/, 'https'),
    );
    const res = await new Promise<{ status?: number; reason?: string }>(
      (resolve, reject) => {
        const req = https.request(url, {
          ca: env.sim.caCertPem,
          headers: {
            Authorization: auth(),
            Connection: 'Upgrade',
            Upgrade: 'websocket',
            'Sec-WebSocket-Version': '8',
            'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          },
        });
        req.on('response', r => {
          r.resume();
          resolve({ status: r.statusCode, reason: r.statusMessage });
        });
        req.on('upgrade', () => reject(new Error('upgraded')));
        req.on('error', reject);
        req.end();
      },
    );
    expect(res).toEqual({
      status: 500,
      reason: "unsupported websocket-version '8'",
    });
  });
});
