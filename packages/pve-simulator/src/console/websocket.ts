/**
 * The server side of pveproxy's WebSocket proxy (`websocket_proxy` in
 * pve-http-server's AnyEvent.pm): the 101 answer, client frames (masked,
 * unfragmented, at most 128 KiB, else the connection is dropped), and the
 * byte stream of the VNC server sent back as binary frames of at most
 * 128 KiB. pveproxy never sends a close frame: a close from either side
 * ends the TCP connection.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const MAX_PAYLOAD = 128 * 1024;
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Why pveproxy refuses to upgrade, or undefined when it upgrades. */
export function upgradeRefusal(req: IncomingMessage): string | undefined {
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (upgrade !== 'websocket')
    return `unable to upgrade to protocol '${upgrade}'\n`;
  const version = req.headers['sec-websocket-version'];
  if (version !== '13')
    return `unsupported websocket-version '${version ?? ''}'\n`;
  if (!req.headers['sec-websocket-key']) return 'missing websocket-key\n';
  return undefined;
}

/**
 * The 101 answer. Like pveproxy it echoes the requested subprotocol header
 * verbatim ("for backwards compatibility").
 */
export function switchingProtocols(req: IncomingMessage): string {
  const accept = createHash('sha1')
    .update(`${req.headers['sec-websocket-key']}${GUID}`)
    .digest('base64');
  const proto = req.headers['sec-websocket-protocol'];
  return [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: upgrade',
    `Sec-WebSocket-Accept: ${accept}`,
    ...(proto ? [`Sec-WebSocket-Protocol: ${proto}`] : []),
    '',
    '',
  ].join('\r\n');
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  let head: Buffer;
  if (len <= 125) {
    head = Buffer.from([0x80 | opcode, len]);
  } else if (len <= 0xffff) {
    head = Buffer.alloc(4);
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

/** One proxied WebSocket connection. */
export class ProxyWebSocket {
  #buf: Buffer;
  #closed = false;

  constructor(
    private readonly socket: Duplex,
    head: Buffer,
    private readonly handlers: {
      /** bytes of a text or binary frame (what goes to the VNC server) */
      data(bytes: Buffer): void;
      /** the connection ended (either side) */
      close(): void;
    },
  ) {
    this.#buf = head;
    socket.on('data', (chunk: Buffer) => {
      this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
      this.#read();
    });
    socket.on('close', () => this.#ended());
    socket.on('error', () => this.#ended());
    socket.on('end', () => this.close());
    if (head.length) setImmediate(() => this.#read());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends VNC server bytes as binary frames. */
  send(bytes: Buffer) {
    if (this.#closed) return;
    for (let o = 0; o < bytes.length; o += MAX_PAYLOAD) {
      this.socket.write(frame(0x2, bytes.subarray(o, o + MAX_PAYLOAD)));
    }
  }

  /** Ends the connection the way pveproxy does: no close frame. */
  close() {
    if (this.#closed) return;
    this.socket.end();
    this.#ended();
  }

  /** Drops the connection at once. */
  destroy() {
    this.socket.destroy();
    this.#ended();
  }

  #ended() {
    if (this.#closed) return;
    this.#closed = true;
    this.handlers.close();
  }

  #read() {
    while (!this.#closed && this.#buf.length >= 2) {
      const b0 = this.#buf[0];
      const b1 = this.#buf[1];
      const opcode = b0 & 0x0f;
      // pveproxy dies (drops the connection) on fragments, RSV bits and
      // unmasked or oversized frames
      if (!(b0 & 0x80) || b0 & 0x70 || !(b1 & 0x80)) {
        this.destroy();
        return;
      }
      let len = b1 & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (this.#buf.length < 4) return;
        len = this.#buf.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (this.#buf.length < 10) return;
        len = Number(this.#buf.readBigUInt64BE(2));
        offset = 10;
      }
      if (len > MAX_PAYLOAD) {
        this.destroy();
        return;
      }
      if (this.#buf.length < offset + 4 + len) return;
      const mask = this.#buf.subarray(offset, offset + 4);
      const payload = Buffer.from(
        this.#buf.subarray(offset + 4, offset + 4 + len),
      );
      this.#buf = this.#buf.subarray(offset + 4 + len);
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      if (opcode === 0x1 || opcode === 0x2) {
        this.handlers.data(payload);
      } else if (opcode === 0x8) {
        this.close();
      } else if (opcode === 0x9) {
        this.socket.write(frame(0xa, payload));
      } else if (opcode !== 0xa) {
        this.destroy();
      }
    }
  }
}
