/*
 * A guest's VNC console as Proxmox serves it to noVNC: `POST …/vncproxy`
 * (websocket=1) starts a proxy task and answers a one-time ticket and the
 * VNC password; `GET …/vncwebsocket?port&vncticket`, upgraded to a
 * WebSocket (subprotocol `binary`) with the API token and this cluster's
 * TLS settings, carries the RFB stream of the guest's VNC server. This
 * module also does the RFB security handshake (VNC authentication with the
 * password), so the ticket and password never leave the client: the caller
 * gets a stream positioned at ClientInit.
 */
import WebSocket from 'ws';
import { ENDPOINTS, buildRequest, type PreparedRequest } from './endpoints';
import { createRedactor } from './errors';
import type { CallOptions } from './http';
import { internals } from './internals';
import type { ProxmoxApi } from './ProxmoxApi';
import { RfbByteReader, RfbStreamError } from './rfbByteReader';
import { apiLocation } from './transport';
import { vncAuthResponse } from './vncAuth';

/** The guest whose console to open. @public */
export interface VncConsoleTarget {
  type: 'qemu' | 'lxc';
  node: string;
  vmid: number;
}

/**
 * An authenticated VNC connection to a guest: the next message the server
 * expects is ClientInit, the next it sends is ServerInit.
 *
 * @public
 */
export interface VncConsole {
  /** The WebSocket to Proxmox (binary frames); close it when done. */
  socket: WebSocket;
  /** The RFB version agreed with the server, e.g. `RFB 003.008`. */
  version: string;
  /** The `vncproxy` task, which ends with the connection. */
  upid: string;
  /**
   * Passes every further byte from the server to `sink`: what arrived
   * already at once, then each message. Call once.
   */
  handOver(sink: (bytes: Buffer) => void): void;
}

const SECURITY_NONE = 1;
const SECURITY_VNC_AUTH = 2;

interface Failure {
  kind: 'http' | 'network' | 'timeout' | 'invalid-response';
  pveMessage: string;
  status?: number;
  code?: string;
}

/**
 * Opens the WebSocket; resolves once upgraded, with a reader that was
 * listening from the start (the first bytes may come with the 101).
 */
function connect(
  url: string,
  headers: Record<string, string>,
  tls: { rejectUnauthorized: boolean; ca?: string },
  handshakeTimeout: number,
  signal?: AbortSignal,
): Promise<{ ws: WebSocket; reader: RfbByteReader }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['binary'], {
      headers,
      ...tls,
      handshakeTimeout,
      perMessageDeflate: false,
      followRedirects: false,
      maxPayload: 16 * 1024 * 1024,
    });
    const reader = new RfbByteReader(ws);
    const onAbort = () => ws.terminate();
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (f?: Failure) => {
      signal?.removeEventListener('abort', onAbort);
      if (f) reject(f);
      else resolve({ ws, reader });
    };
    ws.once('open', () => settle());
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      settle({
        kind: 'http',
        status: res.statusCode,
        pveMessage:
          res.statusMessage?.trim() || `HTTP ${res.statusCode ?? '?'}`,
      });
    });
    ws.on('error', (e: Error & { code?: string }) => {
      if (ws.readyState === WebSocket.OPEN) return; // the caller's concern
      const timedOut = /handshake has timed out/i.test(e.message);
      settle({
        kind: timedOut ? 'timeout' : 'network',
        code: e.code,
        pveMessage: signal?.aborted ? 'aborted by the caller' : e.message,
      });
    });
  });
}

/** Writes a u8 list or buffer to the socket. */
const send = (ws: WebSocket, bytes: Buffer | number[]) =>
  ws.send(Buffer.from(bytes), { binary: true });

/** Reads an RFB failure reason (u32 length + text). */
async function reason(r: RfbByteReader, timeoutMs: number) {
  const len = (await r.read(4, { timeoutMs })).readUInt32BE(0);
  return (await r.read(Math.min(len, 4096), { timeoutMs })).toString('latin1');
}

/** The client side of the RFB version and security handshake. */
async function rfbHandshake(
  ws: WebSocket,
  r: RfbByteReader,
  password: string,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<string> {
  const read = (n: number) => r.read(n, opts);
  const server = (await read(12)).toString('latin1');
  const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(server);
  if (!m || Number(m[1]) < 3) {
    throw new RfbStreamError(
      `not an RFB server (${JSON.stringify(server)})`,
      'protocol',
    );
  }
  const serverMinor = Number(m[1]) > 3 ? 8 : Number(m[2]);
  let minor = 3;
  if (serverMinor >= 8) minor = 8;
  else if (serverMinor === 7) minor = 7;
  const version = `RFB 003.00${minor}`;
  send(ws, Buffer.from(`${version}\n`, 'latin1'));

  let type: number;
  if (minor === 3) {
    type = (await read(4)).readUInt32BE(0);
    if (type === 0) {
      throw new RfbStreamError(
        `refused: ${await reason(r, opts.timeoutMs)}`,
        'protocol',
      );
    }
  } else {
    const count = (await read(1))[0];
    if (count === 0) {
      throw new RfbStreamError(
        `refused: ${await reason(r, opts.timeoutMs)}`,
        'protocol',
      );
    }
    const types = [...(await read(count))];
    if (types.includes(SECURITY_VNC_AUTH)) type = SECURITY_VNC_AUTH;
    else if (types.includes(SECURITY_NONE)) type = SECURITY_NONE;
    else {
      throw new RfbStreamError(
        `no supported security type (offered: ${types.join(', ')})`,
        'protocol',
      );
    }
    send(ws, [type]);
  }
  if (type === SECURITY_VNC_AUTH) {
    const challenge = await read(16);
    send(ws, vncAuthResponse(password, challenge));
  } else if (type !== SECURITY_NONE) {
    throw new RfbStreamError(`unsupported security type ${type}`, 'protocol');
  }
  // SecurityResult: always in 3.8, after authentication only before
  if (minor === 8 || type === SECURITY_VNC_AUTH) {
    const result = (await read(4)).readUInt32BE(0);
    if (result !== 0) {
      const why = minor === 8 ? await reason(r, opts.timeoutMs) : 'failed';
      throw new RfbStreamError(`VNC authentication failed: ${why}`, 'protocol');
    }
  }
  return version;
}

/**
 * Opens the VNC console of a guest (see the module comment). Fails with a
 * `ProxmoxApiError`: `http` (vncproxy refused, e.g. 403 without
 * `VM.Console`, 500 for a missing guest; or the upgrade answered with a
 * status), `network` (no upgrade, or the VNC server closed the connection
 * before the handshake ended — a guest that is not running), `timeout`,
 * `invalid-response` (not RFB, or the VNC authentication failed). The
 * messages never contain the ticket, the password or the API token.
 *
 * @public
 */
export async function openVncConsole(
  client: ProxmoxApi,
  target: VncConsoleTarget,
  options: Pick<CallOptions, 'signal' | 'timeoutMs'> = {},
): Promise<VncConsole> {
  const { http, config } = internals(client);
  const guest = { node: target.node, vmid: target.vmid };
  const proxy = await client.call(
    target.type === 'qemu' ? ENDPOINTS.qemuVncProxy : ENDPOINTS.lxcVncProxy,
    { ...guest, websocket: true },
    { signal: options.signal, timeoutMs: options.timeoutMs },
  );
  const req: PreparedRequest = buildRequest(
    target.type === 'qemu'
      ? ENDPOINTS.qemuVncWebSocket
      : ENDPOINTS.lxcVncWebSocket,
    { ...guest, port: proxy.port, vncticket: proxy.ticket },
  );
  const secrets = [proxy.ticket, proxy.password ?? '', config.tokenSecret];
  const redact = createRedactor(secrets.filter(Boolean));
  const fail = (f: Failure) =>
    http.newError(req, {
      kind: f.kind,
      status: f.status,
      code: f.code,
      pveMessage: redact(f.pveMessage),
      transient: false,
      maybeApplied: false,
      upid: proxy.upid,
    });

  const { origin, basePath } = apiLocation(config.url);
  const url = `${origin.replace(/^http/, 'ws')}${basePath}${req.path}?${
    req.query
  }`;
  const timeoutMs = options.timeoutMs ?? config.timeouts.requestMs;
  let ws: WebSocket;
  let reader: RfbByteReader;
  try {
    ({ ws, reader } = await connect(
      url,
      { Authorization: `PVEAPIToken=${config.tokenId}=${config.tokenSecret}` },
      {
        rejectUnauthorized: config.tlsVerify,
        ...(config.caCert && config.tlsVerify ? { ca: config.caCert } : {}),
      },
      config.timeouts.connectMs,
      options.signal,
    ));
  } catch (e) {
    options.signal?.throwIfAborted();
    throw fail(e as Failure);
  }
  // errors after the upgrade surface as 'close'; keep them from crashing
  ws.on('error', () => undefined);
  try {
    const version = await rfbHandshake(
      ws,
      reader,
      proxy.password ?? proxy.ticket,
      { timeoutMs, signal: options.signal },
    );
    return {
      socket: ws,
      version,
      upid: proxy.upid,
      handOver: sink => reader.handOver(sink),
    };
  } catch (e) {
    ws.terminate();
    options.signal?.throwIfAborted();
    if (e instanceof RfbStreamError) {
      const kinds = {
        closed: 'network',
        timeout: 'timeout',
        protocol: 'invalid-response',
      } as const;
      const what =
        e.reason === 'closed'
          ? `the VNC server closed the connection during the RFB handshake (${e.message}); is the guest running?`
          : e.message;
      throw fail({ kind: kinds[e.reason], pveMessage: what });
    }
    throw e;
  }
}
