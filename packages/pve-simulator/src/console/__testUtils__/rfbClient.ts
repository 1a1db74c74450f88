/* A minimal RFB client over a `ws` WebSocket for the console tests: reads
 * the byte stream exactly, does the version / VNC-auth / init handshake and
 * keeps a framebuffer of raw updates (32 bpp, little endian, RGB shifts
 * 16/8/0). */
import WebSocket from 'ws';
import { vncAuthResponse } from '../vncAuth';

export interface ServerInit {
  width: number;
  height: number;
  name: string;
}

export class TestRfbClient {
  #buf = Buffer.alloc(0);
  #wake?: () => void;
  #closed = false;
  /** RGB of the framebuffer, 3 bytes per pixel */
  fb = new Uint8Array(0);
  width = 0;
  height = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, data]);
      this.#wake?.();
    });
    ws.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  get closed() {
    return this.#closed;
  }

  /** Exactly `n` bytes; rejects if the connection ends first. */
  async read(n: number, timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.#buf.length < n) {
      if (this.#closed)
        throw new Error(`closed after ${this.#buf.length} of ${n} bytes`);
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${n} bytes`);
      await new Promise<void>(resolve => {
        this.#wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /** Bytes received and not read yet. */
  get pending(): number {
    return this.#buf.length;
  }

  write(bytes: Buffer | number[]) {
    this.ws.send(Buffer.from(bytes));
  }

  /** Version and security handshake; returns the SecurityResult (0 = OK) and reason. */
  async authenticate(
    password: string,
  ): Promise<{ result: number; reason?: string }> {
    const version = (await this.read(12)).toString('latin1');
    if (version !== 'RFB 003.008\n')
      throw new Error(`server version ${version}`);
    this.write(Buffer.from('RFB 003.008\n', 'latin1'));
    const count = (await this.read(1))[0];
    const types = [...(await this.read(count))];
    if (!types.includes(2)) throw new Error(`security types ${types}`);
    this.write([2]);
    const challenge = await this.read(16);
    this.write(vncAuthResponse(password, challenge));
    const result = (await this.read(4)).readUInt32BE(0);
    if (result === 0) return { result };
    const len = (await this.read(4)).readUInt32BE(0);
    return { result, reason: (await this.read(len)).toString('latin1') };
  }

  /** ClientInit (shared) → ServerInit; asks for 32 bpp little endian RGB. */
  async init(): Promise<ServerInit> {
    this.write([1]);
    const head = await this.read(24);
    this.width = head.readUInt16BE(0);
    this.height = head.readUInt16BE(2);
    const name = (await this.read(head.readUInt32BE(20))).toString('utf8');
    this.fb = new Uint8Array(this.width * this.height * 3);
    const pf = Buffer.alloc(20);
    pf[0] = 0; // SetPixelFormat
    Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0]).copy(pf, 4);
    this.write(pf);
    this.write([2, 0, 0, 1, 0, 0, 0, 0]); // SetEncodings: raw
    return { width: this.width, height: this.height, name };
  }

  requestUpdate(incremental: boolean) {
    const m = Buffer.alloc(10);
    m[0] = 3;
    m[1] = incremental ? 1 : 0;
    m.writeUInt16BE(this.width, 6);
    m.writeUInt16BE(this.height, 8);
    this.write(m);
  }

  /** Reads one FramebufferUpdate into `fb`; returns its rectangles. */
  async readUpdate(timeoutMs = 5000) {
    const head = await this.read(4, timeoutMs);
    if (head[0] !== 0) throw new Error(`server message ${head[0]}`);
    const rects = [];
    for (let i = head.readUInt16BE(2); i > 0; i--) {
      const r = await this.read(12, timeoutMs);
      const rect = {
        x: r.readUInt16BE(0),
        y: r.readUInt16BE(2),
        w: r.readUInt16BE(4),
        h: r.readUInt16BE(6),
        encoding: r.readInt32BE(8),
      };
      if (rect.encoding !== 0) throw new Error(`encoding ${rect.encoding}`);
      const px = await this.read(rect.w * rect.h * 4, timeoutMs);
      for (let y = 0; y < rect.h; y++) {
        for (let x = 0; x < rect.w; x++) {
          const v = px.readUInt32LE((y * rect.w + x) * 4);
          const o = ((rect.y + y) * this.width + rect.x + x) * 3;
          this.fb[o] = (v >> 16) & 0xff;
          this.fb[o + 1] = (v >> 8) & 0xff;
          this.fb[o + 2] = v & 0xff;
        }
      }
      rects.push(rect);
    }
    return rects;
  }

  key(keysym: number, down = true) {
    const m = Buffer.alloc(8);
    m[0] = 4;
    m[1] = down ? 1 : 0;
    m.writeUInt32BE(keysym, 4);
    this.write(m);
  }

  /** Presses and releases each character of `text`. */
  type(text: string) {
    for (const ch of text) {
      this.key(ch.charCodeAt(0), true);
      this.key(ch.charCodeAt(0), false);
    }
  }

  /** Resolves when the connection ended (with the close code). */
  ended(timeoutMs = 5000): Promise<number> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve(1006);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('still open')), timeoutMs);
      this.ws.once('close', code => {
        clearTimeout(t);
        resolve(code);
      });
    });
  }
}

/**
 * Opens a WebSocket with an RFB client listening from the start (the first
 * bytes may come with the 101); rejects with the HTTP answer or error.
 */
export function openRfbClient(
  url: string,
  opts: { ca: string; authorization?: string; protocols?: string[] },
): Promise<TestRfbClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts.protocols ?? ['binary'], {
      ca: opts.ca,
      headers: opts.authorization ? { Authorization: opts.authorization } : {},
    });
    const client = new TestRfbClient(ws);
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c;
      });
      res.on('end', () =>
        reject(
          Object.assign(
            new Error(`HTTP ${res.statusCode} ${res.statusMessage}`),
            {
              status: res.statusCode,
              reason: res.statusMessage,
              body,
            },
          ),
        ),
      );
    });
    ws.once('error', e => reject(e));
  });
}
