/**
 * The guest's VNC server behind `qm vncproxy` (QEMU) or vncterm (LXC), as
 * far as a console client sees it: RFB 3.8 (3.3 and 3.7 too) with VNC
 * authentication only (the password vncproxy handed out, valid for 30 s as
 * `expire_password +30` makes it), raw encoding, any true-colour pixel
 * format, and the console screen of {@link GuestConsole} echoing key
 * events, Ctrl-Alt-Del and clipboard text.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ConsoleImage,
  ConsoleScreenModel,
  changedLines,
  consoleLineBand,
} from './screen';
import type { GuestConsole } from './guestConsole';
import { vncAuthResponse } from './vncAuth';

const SECURITY_VNC_AUTH = 2;
const AUTH_FAILED = 'Authentication failed';

interface PixelFormat {
  bpp: number;
  depth: number;
  bigEndian: boolean;
  trueColor: boolean;
  max: [number, number, number];
  shift: [number, number, number];
}

/** QEMU's ServerInit pixel format: 32 bpp, depth 24, little endian. */
const DEFAULT_FORMAT: PixelFormat = {
  bpp: 32,
  depth: 24,
  bigEndian: false,
  trueColor: true,
  max: [255, 255, 255],
  shift: [16, 8, 0],
};

function encodeFormat(f: PixelFormat): Buffer {
  const b = Buffer.alloc(16);
  b[0] = f.bpp;
  b[1] = f.depth;
  b[2] = f.bigEndian ? 1 : 0;
  b[3] = f.trueColor ? 1 : 0;
  b.writeUInt16BE(f.max[0], 4);
  b.writeUInt16BE(f.max[1], 6);
  b.writeUInt16BE(f.max[2], 8);
  b[10] = f.shift[0];
  b[11] = f.shift[1];
  b[12] = f.shift[2];
  return b;
}

function decodeFormat(b: Buffer): PixelFormat {
  return {
    bpp: b[0],
    depth: b[1],
    bigEndian: b[2] !== 0,
    trueColor: b[3] !== 0,
    max: [b.readUInt16BE(4), b.readUInt16BE(6), b.readUInt16BE(8)],
    shift: [b[10], b[11], b[12]],
  };
}

/** Raw-encoded pixels of a rectangle of `img` in format `f`. */
function rawPixels(
  img: ConsoleImage,
  f: PixelFormat,
  x: number,
  y: number,
  w: number,
  h: number,
): Buffer {
  const bytes = f.bpp / 8;
  const out = Buffer.alloc(w * h * bytes);
  let o = 0;
  for (let row = y; row < y + h; row++) {
    for (let col = x; col < x + w; col++) {
      const p = (row * img.width + col) * 3;
      let v = 0;
      for (let c = 0; c < 3; c++) {
        v |= Math.round((img.rgb[p + c] * f.max[c]) / 255) << f.shift[c];
      }
      v >>>= 0;
      if (bytes === 4) {
        if (f.bigEndian) out.writeUInt32BE(v, o);
        else out.writeUInt32LE(v, o);
      } else if (bytes === 2) {
        if (f.bigEndian) out.writeUInt16BE(v & 0xffff, o);
        else out.writeUInt16LE(v & 0xffff, o);
      } else {
        out[o] = v & 0xff;
      }
      o += bytes;
    }
  }
  return out;
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

function intersect(a: Rect, b: Rect): Rect | undefined {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const r = Math.min(a.x + a.w, b.x + b.w);
  const bottom = Math.min(a.y + a.h, b.y + b.h);
  return r > x && bottom > y ? { x, y, w: r - x, h: bottom - y } : undefined;
}

const KEY = {
  backspace: 0xff08,
  enter: 0xff0d,
  kpEnter: 0xff8d,
  delete: 0xffff,
  kpDelete: 0xff9f,
  controlL: 0xffe3,
  controlR: 0xffe4,
  altL: 0xffe9,
  altR: 0xffea,
};

export interface RfbServerOptions {
  /** the VNC password (8 printable characters) */
  password: string;
  /** epoch ms after which the password no longer authenticates */
  passwordExpiresAt: number;
  /** ServerInit's desktop name */
  desktopName: string;
  console: GuestConsole;
  send(bytes: Buffer): void;
  /** ends the connection */
  close(): void;
}

type Phase = 'version' | 'security' | 'auth' | 'init' | 'normal' | 'closed';

/** One client connection to the simulated VNC server. */
export class RfbServer {
  #phase: Phase = 'version';
  #buf: Buffer = Buffer.alloc(0);
  #minor = 8;
  #challenge = randomBytes(16);
  #format = DEFAULT_FORMAT;
  /** the last screen this client was sent */
  #shown: ConsoleScreenModel;
  /** an incremental update request waiting for a change */
  #waiting?: Rect;
  #modifiers = new Set<number>();
  readonly #onChange = () => this.#flushWaiting();
  readonly opts: RfbServerOptions;

  constructor(opts: RfbServerOptions) {
    this.opts = opts;
    this.#shown = opts.console.model();
    opts.send(Buffer.from('RFB 003.008\n', 'latin1'));
    opts.console.subscribe(this.#onChange);
  }

  /** Bytes from the client. */
  receive(bytes: Buffer) {
    if (this.#phase === 'closed') return;
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, bytes]) : bytes;
    while (this.#step()) {
      // consume as many messages as the buffer holds
    }
  }

  /** The connection ended. */
  closed() {
    this.#phase = 'closed';
    this.opts.console.unsubscribe(this.#onChange);
  }

  #take(n: number): Buffer | undefined {
    if (this.#buf.length < n) return undefined;
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  #fail(reason: string) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(1);
    const parts: Buffer[] = [b];
    if (this.#minor >= 8) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(reason.length);
      parts.push(len, Buffer.from(reason, 'latin1'));
    }
    this.opts.send(Buffer.concat(parts));
    this.#end();
  }

  #end() {
    this.closed();
    this.opts.close();
  }

  /** Handles one protocol step; false when more bytes are needed. */
  #step(): boolean {
    switch (this.#phase) {
      case 'version': {
        const v = this.#take(12);
        if (!v) return false;
        const m = /^RFB 003\.00([3-8])\n$/.exec(v.toString('latin1'));
        const minor = m ? Number(m[1]) : 0;
        if (![3, 4, 5, 7, 8].includes(minor)) {
          // QEMU: "Unsupported client version" → VNC_AUTH_INVALID
          this.opts.send(Buffer.alloc(4));
          this.#end();
          return false;
        }
        this.#minor = minor >= 7 ? minor : 3;
        if (this.#minor === 3) {
          const t = Buffer.alloc(4);
          t.writeUInt32BE(SECURITY_VNC_AUTH);
          this.opts.send(Buffer.concat([t, this.#challenge]));
          this.#phase = 'auth';
        } else {
          this.opts.send(Buffer.from([1, SECURITY_VNC_AUTH]));
          this.#phase = 'security';
        }
        return true;
      }
      case 'security': {
        const t = this.#take(1);
        if (!t) return false;
        if (t[0] !== SECURITY_VNC_AUTH) {
          this.#fail(AUTH_FAILED);
          return false;
        }
        this.opts.send(this.#challenge);
        this.#phase = 'auth';
        return true;
      }
      case 'auth': {
        const r = this.#take(16);
        if (!r) return false;
        const expected = vncAuthResponse(this.opts.password, this.#challenge);
        if (
          Date.now() > this.opts.passwordExpiresAt ||
          !timingSafeEqual(expected, r)
        ) {
          this.#fail(AUTH_FAILED);
          return false;
        }
        this.opts.send(Buffer.alloc(4)); // SecurityResult OK
        this.#phase = 'init';
        return true;
      }
      case 'init': {
        if (!this.#take(1)) return false; // ClientInit: shared flag
        const img = this.opts.console.image();
        const head = Buffer.alloc(4);
        head.writeUInt16BE(img.width, 0);
        head.writeUInt16BE(img.height, 2);
        const name = Buffer.from(this.opts.desktopName, 'utf8');
        const len = Buffer.alloc(4);
        len.writeUInt32BE(name.length);
        this.opts.send(
          Buffer.concat([head, encodeFormat(this.#format), len, name]),
        );
        this.#phase = 'normal';
        return true;
      }
      case 'normal':
        return this.#message();
      default:
        return false;
    }
  }

  #message(): boolean {
    if (this.#buf.length < 1) return false;
    const type = this.#buf[0];
    switch (type) {
      case 0: {
        const m = this.#take(20);
        if (!m) return false;
        const f = decodeFormat(m.subarray(4, 20));
        if (!f.trueColor || ![8, 16, 32].includes(f.bpp)) {
          this.#end(); // colour maps are not simulated
          return false;
        }
        this.#format = f;
        return true;
      }
      case 2: {
        if (this.#buf.length < 4) return false;
        const count = this.#buf.readUInt16BE(2);
        return this.#take(4 + 4 * count) !== undefined; // raw is always allowed
      }
      case 3: {
        const m = this.#take(10);
        if (!m) return false;
        const rect = {
          x: m.readUInt16BE(2),
          y: m.readUInt16BE(4),
          w: m.readUInt16BE(6),
          h: m.readUInt16BE(8),
        };
        if (m[1]) {
          this.#waiting = rect;
          this.#flushWaiting();
        } else {
          this.#shown = this.opts.console.model();
          this.#sendRects([rect]);
        }
        return true;
      }
      case 4: {
        const m = this.#take(8);
        if (!m) return false;
        this.#key(m[1] !== 0, m.readUInt32BE(4));
        return true;
      }
      case 5:
        return this.#take(6) !== undefined; // pointer events move nothing
      case 6: {
        if (this.#buf.length < 8) return false;
        const len = this.#buf.readUInt32BE(4);
        const m = this.#take(8 + len);
        if (!m) return false;
        const text = m.subarray(8).toString('latin1').split(/\r?\n/)[0];
        this.opts.console.update({ notice: `clipboard: ${text}` });
        return true;
      }
      default:
        this.#end(); // an unknown message: QEMU drops the client
        return false;
    }
  }

  #key(down: boolean, keysym: number) {
    const modifier = [KEY.controlL, KEY.controlR, KEY.altL, KEY.altR];
    if (modifier.includes(keysym)) {
      if (down) this.#modifiers.add(keysym);
      else this.#modifiers.delete(keysym);
      return;
    }
    if (!down) return;
    const ctrl =
      this.#modifiers.has(KEY.controlL) || this.#modifiers.has(KEY.controlR);
    const alt = this.#modifiers.has(KEY.altL) || this.#modifiers.has(KEY.altR);
    const c = this.opts.console;
    const typed = c.model().typed;
    if ((keysym === KEY.delete || keysym === KEY.kpDelete) && ctrl && alt) {
      c.update({ notice: 'Ctrl-Alt-Del received' });
    } else if (keysym === KEY.enter || keysym === KEY.kpEnter) {
      c.update({ entered: typed, typed: '' });
    } else if (keysym === KEY.backspace) {
      c.update({ typed: typed.slice(0, -1) });
    } else if (
      !ctrl &&
      !alt &&
      ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff))
    ) {
      c.update({ typed: typed + String.fromCharCode(keysym) });
    }
  }

  /** Answers a waiting incremental request if the screen changed. */
  #flushWaiting() {
    if (this.#phase !== 'normal' || !this.#waiting) return;
    const now = this.opts.console.model();
    const lines = changedLines(this.#shown, now);
    if (!lines.length) return;
    const area = this.#waiting;
    this.#waiting = undefined;
    this.#shown = now;
    const width = this.opts.console.image().width;
    this.#sendRects(
      lines
        .map(i => consoleLineBand(i))
        .map(band =>
          intersect({ x: 0, y: band.y, w: width, h: band.height }, area),
        )
        .filter((r): r is Rect => r !== undefined),
    );
  }

  #sendRects(requested: Rect[]) {
    const img = this.opts.console.image();
    const screen = { x: 0, y: 0, w: img.width, h: img.height };
    const rects = requested
      .map(r => intersect(r, screen))
      .filter((r): r is Rect => r !== undefined);
    const head = Buffer.alloc(4);
    head[0] = 0; // FramebufferUpdate
    head.writeUInt16BE(rects.length, 2);
    const parts: Buffer[] = [head];
    for (const r of rects) {
      const rh = Buffer.alloc(12);
      rh.writeUInt16BE(r.x, 0);
      rh.writeUInt16BE(r.y, 2);
      rh.writeUInt16BE(r.w, 4);
      rh.writeUInt16BE(r.h, 6);
      rh.writeInt32BE(0, 8); // raw
      parts.push(rh, rawPixels(img, this.#format, r.x, r.y, r.w, r.h));
    }
    this.opts.send(Buffer.concat(parts));
  }
}
