/*
 * The guest console over real HTTPS/WSS against @mycopod/pve-simulator:
 * vncproxy, the vncwebsocket upgrade with the cluster's TLS settings, and
 * the RFB handshake done here, so callers never see ticket or password.
 */
import { randomBytes } from 'node:crypto';
import util from 'node:util';
import {
  DEFAULT_TOKEN,
  startSimulator,
  vncAuthResponse as simulatorVncAuth,
} from '@mycopod/pve-simulator';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { ProxmoxApiError } from './errors';
import { ProxmoxClient } from './ProxmoxClient';
import type { VncConsole } from './vncConsole';
import { vncAuthResponse } from './vncAuth';

jest.setTimeout(30_000);

const READONLY = { tokenId: 'audit@pve!ro', secret: 'readonly-secret-1234' };
let sim: RunningSimulator;
const clients: ProxmoxClient[] = [];

function client(over: Record<string, unknown> = {}) {
  const c = new ProxmoxClient({
    cluster: {
      name: 'lab',
      url: sim.clusters[0].url,
      tokenId: sim.token.tokenId,
      tokenSecret: sim.token.secret,
      caCert: sim.caCertPem,
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
      timeouts: { requestMs: 5_000, connectMs: 2_000, taskMs: 10_000 },
      ...over,
    } as any,
  });
  clients.push(c);
  return c;
}

/** ClientInit → ServerInit over the handed-over stream. */
async function serverInit(vnc: VncConsole) {
  let buf = Buffer.alloc(0);
  const got = new Promise<Buffer>(resolve => {
    vnc.handOver(bytes => {
      buf = Buffer.concat([buf, bytes]);
      if (buf.length >= 24 && buf.length >= 24 + buf.readUInt32BE(20)) {
        resolve(buf);
      }
    });
  });
  vnc.socket.send(Buffer.from([1]));
  const b = await got;
  return {
    width: b.readUInt16BE(0),
    height: b.readUInt16BE(2),
    name: b.subarray(24, 24 + b.readUInt32BE(20)).toString('utf8'),
  };
}

async function failureOf(p: Promise<unknown>): Promise<ProxmoxApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ProxmoxApiError);
    return e as ProxmoxApiError;
  }
  throw new Error('expected a failure');
}

/** Nothing secret in an error: no ticket, password or token secret. */
function expectNoSecrets(e: unknown) {
  const text = `${String(e)} ${util.inspect(e, { depth: 5 })} ${JSON.stringify(
    e,
  )}`;
  for (const ticket of sim.vncTickets()) {
    expect(text).not.toContain(ticket);
    expect(text).not.toContain(ticket.slice(9)); // without the password
  }
  expect(text).not.toContain(sim.token.secret);
}

beforeAll(async () => {
  sim = await startSimulator({
    fleet: 'demo',
    timings: { taskMs: 30, unauthorizedDelayMs: 20 },
    tokens: [
      { ...DEFAULT_TOKEN, privileges: 'admin' },
      { ...READONLY, privileges: 'readonly' },
    ],
  });
});

afterAll(async () => {
  await Promise.all(clients.map(c => c.close()));
  await sim.stop();
});

describe('openVncConsole', () => {
  it('answers the VNC challenge like the server expects (same DES as the simulator)', () => {
    const challenge = randomBytes(16);
    expect(vncAuthResponse('Ab3!x#1y', challenge)).toEqual(
      simulatorVncAuth('Ab3!x#1y', challenge),
    );
    expect(vncAuthResponse('a', challenge)).not.toEqual(
      vncAuthResponse('b', challenge),
    );
  });

  it('opens an authenticated RFB stream to a VM, trusting the configured CA', async () => {
    const vnc = await client().openVncConsole({
      type: 'qemu',
      node: 'pve1',
      vmid: 100,
    });
    expect(vnc.version).toBe('RFB 003.008');
    expect(vnc.upid).toMatch(/:vncproxy:100:root@pam!mycopod:$/);
    expect(vnc.socket.protocol).toBe('binary');
    expect(await serverInit(vnc)).toEqual({
      width: 640,
      height: 176,
      name: 'web-01',
    });
    vnc.socket.close();
  });

  it('opens a container console; tlsVerify: false works without the CA', async () => {
    const vnc = await client({
      caCert: undefined,
      tlsVerify: false,
    }).openVncConsole({ type: 'lxc', node: 'pve3', vmid: 103 });
    expect((await serverInit(vnc)).name).toBe('dns-01');
    vnc.socket.close();
  });

  it('refuses a server it cannot verify (no CA configured): network error, no secrets', async () => {
    const e = await failureOf(
      client({ caCert: undefined }).openVncConsole({
        type: 'qemu',
        node: 'pve1',
        vmid: 100,
      }),
    );
    expect(e.kind).toBe('network');
    expectNoSecrets(e);
  });

  it('a stopped VM: the VNC server closes at once → network error asking whether it runs', async () => {
    const e = await failureOf(
      client().openVncConsole({ type: 'qemu', node: 'pve2', vmid: 102 }),
    );
    expect(e.kind).toBe('network');
    expect(e.pveMessage).toMatch(/is the guest running\?/);
    expect(e.path).toBe('/nodes/pve2/qemu/102/vncwebsocket');
    expect(e.upid).toMatch(/:vncproxy:102:/);
    expectNoSecrets(e);
  });

  it('without VM.Console: 403 from vncproxy', async () => {
    const e = await failureOf(
      client({
        tokenId: READONLY.tokenId,
        tokenSecret: READONLY.secret,
      }).openVncConsole({ type: 'qemu', node: 'pve1', vmid: 100 }),
    );
    expect(e.kind).toBe('http');
    expect(e.status).toBe(403);
    expect(e.pveMessage).toBe('Permission check failed (/vms/100, VM.Console)');
  });

  it('an unknown guest: 500 from vncproxy', async () => {
    const e = await failureOf(
      client().openVncConsole({ type: 'qemu', node: 'pve1', vmid: 4242 }),
    );
    expect(e.status).toBe(500);
    expect(e.pveMessage).toMatch(/does not exist/);
  });

  it('an aborted open rejects with the signal reason and closes what it opened', async () => {
    const controller = new AbortController();
    const p = client().openVncConsole(
      { type: 'qemu', node: 'pve1', vmid: 101 },
      { signal: controller.signal },
    );
    controller.abort(new Error('user went away'));
    await expect(p).rejects.toThrow(/user went away|aborted/);
  });
});
