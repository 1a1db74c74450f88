/* A browser stand-in for the console tests: opens the console WebSocket of
 * a test backend with a ticket and speaks RFB over it (security None, as
 * the backend offers), keeping every byte it received for leak checks. */
import { RfbByteReader } from '@mycopod/plugin-proxmox-node';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';

/** The WebSocket URL of the console of a test backend. */
export function consoleSocketUrl(server: Server, query: string): string {
  const { port } = server.address() as AddressInfo;
  return `ws://localhost:${port}/api/proxmox/console/socket${query}`;
}

/** Opens a WebSocket; rejects with `{ status }` when the upgrade is refused. */
export function openSocket(
  url: string,
  headers: Record<string, string> = {},
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['binary'], { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(
        Object.assign(new Error(`HTTP ${res.statusCode}`), {
          status: res.statusCode,
        }),
      );
    });
    ws.once('error', reject);
  });
}

export class ConsoleClient {
  readonly reader: RfbByteReader;
  /** Every byte received, in order. */
  received: Buffer = Buffer.alloc(0);
  width = 0;
  height = 0;
  /** RGB, 3 bytes per pixel. */
  fb = new Uint8Array(0);
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.received = Buffer.concat([this.received, data]);
    });
    this.reader = new RfbByteReader(ws);
    this.closed = new Promise(resolve =>
      ws.once('close', (code, reason) =>
        resolve({ code, reason: reason.toString() }),
      ),
    );
  }

  read(n: number) {
    return this.reader.read(n, { timeoutMs: 10_000 });
  }

  send(bytes: Buffer | number[]) {
    this.ws.send(Buffer.from(bytes));
  }

  /** Version, security (the types offered and the result). */
  async handshake() {
    const version = (await this.read(12)).toString('latin1');
    this.send(Buffer.from('RFB 003.008\n', 'latin1'));
    const count = (await this.read(1))[0];
    const types = [...(await this.read(count))];
    this.send([1]);
    const result = (await this.read(4)).readUInt32BE(0);
    return { version, types, result };
  }

  /** ClientInit → ServerInit; then 32 bpp little-endian RGB, raw encoding. */
  async init() {
    this.send([1]);
    const head = await this.read(24);
    this.width = head.readUInt16BE(0);
    this.height = head.readUInt16BE(2);
    const name = (await this.read(head.readUInt32BE(20))).toString('utf8');
    this.fb = new Uint8Array(this.width * this.height * 3);
    const pf = Buffer.alloc(20);
    Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0]).copy(pf, 4);
    this.send(pf);
    this.send([2, 0, 0, 1, 0, 0, 0, 0]);
    return { name, width: this.width, height: this.height };
  }

  requestUpdate(incremental: boolean) {
    const m = Buffer.alloc(10);
    m[0] = 3;
    m[1] = incremental ? 1 : 0;
    m.writeUInt16BE(this.width, 6);
    m.writeUInt16BE(this.height, 8);
    this.send(m);
  }

  /** One raw FramebufferUpdate into `fb`. */
  async readUpdate() {
    const head = await this.read(4);
    if (head[0] !== 0) throw new Error(`server message ${head[0]}`);
    for (let i = head.readUInt16BE(2); i > 0; i--) {
      const r = await this.read(12);
      const [x, y, w, h] = [0, 2, 4, 6].map(o => r.readUInt16BE(o));
      const px = await this.read(w * h * 4);
      for (let row = 0; row < h; row++) {
        for (let col = 0; col < w; col++) {
          const v = px.readUInt32LE((row * w + col) * 4);
          const o = ((y + row) * this.width + x + col) * 3;
          this.fb[o] = (v >> 16) & 0xff;
          this.fb[o + 1] = (v >> 8) & 0xff;
          this.fb[o + 2] = v & 0xff;
        }
      }
    }
  }

  /** Presses and releases each character. */
  type(text: string) {
    for (const ch of text) {
      for (const down of [1, 0]) {
        const m = Buffer.alloc(8);
        m[0] = 4;
        m[1] = down;
        m.writeUInt32BE(ch.charCodeAt(0), 4);
        this.send(m);
      }
    }
  }

  /** A pointer event (traffic that changes nothing). */
  point() {
    this.send([5, 0, 0, 10, 0, 10]);
  }
}

/**
 * A console client on a new socket; rejects with `{ status }` when the
 * upgrade is refused. It listens before the socket opens: the first bytes
 * may arrive with the 101.
 */
export async function openConsole(url: string): Promise<ConsoleClient> {
  const ws = new WebSocket(url, ['binary']);
  const client = new ConsoleClient(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(
        Object.assign(new Error(`HTTP ${res.statusCode}`), {
          status: res.statusCode,
        }),
      );
    });
    ws.once('error', reject);
  });
  return client;
}
