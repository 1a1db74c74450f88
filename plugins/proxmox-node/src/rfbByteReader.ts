import type WebSocket from 'ws';

/** Why an RFB stream could not be read. @public */
export class RfbStreamError extends Error {
  override readonly name = 'RfbStreamError';
  constructor(
    message: string,
    readonly reason: 'closed' | 'timeout' | 'protocol',
  ) {
    super(message);
  }
}

/**
 * The bytes of a WebSocket carrying an RFB stream, read exactly: RFB
 * messages do not follow WebSocket frame boundaries. After a handshake,
 * {@link RfbByteReader.handOver} passes the rest of the stream on without
 * losing a byte.
 *
 * @public
 */
export class RfbByteReader {
  #buf: Buffer = Buffer.alloc(0);
  #wake?: () => void;
  #closed = false;
  #sink?: (bytes: Buffer) => void;

  constructor(ws: WebSocket) {
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const bytes = toBuffer(data);
      if (this.#sink) {
        this.#sink(bytes);
        return;
      }
      this.#buf = this.#buf.length ? Buffer.concat([this.#buf, bytes]) : bytes;
      this.#wake?.();
    });
    ws.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  /**
   * Exactly `n` bytes. Rejects when the connection closes first, after
   * `timeoutMs` or when `signal` aborts.
   */
  async read(
    n: number,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<Buffer> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    while (this.#buf.length < n) {
      opts.signal?.throwIfAborted();
      if (this.#closed) {
        throw new RfbStreamError(
          `the connection closed after ${this.#buf.length} of ${n} bytes`,
          'closed',
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new RfbStreamError(
          `no data within the handshake timeout`,
          'timeout',
        );
      }
      await new Promise<void>(resolve => {
        const timer = setTimeout(done, Math.min(left, 1000));
        function done() {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', done);
          resolve();
        }
        this.#wake = done;
        opts.signal?.addEventListener('abort', done, { once: true });
      });
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /**
   * Every further byte goes to `sink`: what is buffered at once, then each
   * message as it arrives. Reading is over.
   */
  handOver(sink: (bytes: Buffer) => void) {
    if (this.#sink) throw new Error('RfbByteReader: handed over already');
    this.#sink = sink;
    const rest = this.#buf;
    this.#buf = Buffer.alloc(0);
    if (rest.length) sink(rest);
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
