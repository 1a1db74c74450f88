import type {
  AuditorService,
  AuditorServiceEvent,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { CONSOLE_CLOSE_CODES } from '@mycopod/plugin-proxmox-common';
import {
  ProxmoxApiError,
  type ProxmoxClusters,
  RfbByteReader,
  RfbStreamError,
  type VncConsole,
} from '@mycopod/plugin-proxmox-node';
import WebSocket from 'ws';
import { describeFailure } from '../inventory/describeFailure';
import type { ConsoleConfig } from './config';
import type { ConsoleBinding } from './ConsoleTicketStore';
import { guestPowerState } from './guestState';
import { relay } from './relay';
import { acceptRfbClient } from './rfbServerHandshake';

export interface ConsoleSessionDeps {
  clusters: ProxmoxClusters;
  auditor: AuditorService;
  logger: LoggerService;
  config: ConsoleConfig;
}

/** How a session ended. */
export interface ConsoleSessionEnd {
  code: number;
  reason: string;
  /** Who ended it. */
  by: 'browser' | 'proxmox' | 'backend';
}

const HANDSHAKE_TIMEOUT_MS = 15_000;
const STATUS_TIMEOUT_MS = 3_000;

/** `15 min`, `30 s`. */
function formatDuration(ms: number): string {
  return ms >= 60_000
    ? `${Math.round(ms / 60_000)} min`
    : `${Math.max(1, Math.round(ms / 1000))} s`;
}

/** A WebSocket close reason is at most 123 bytes. */
function closeReason(text: string): string {
  const b = Buffer.from(text, 'utf8');
  return b.length <= 123 ? text : `${b.subarray(0, 120).toString('utf8')}...`;
}

/**
 * One console session: the browser's WebSocket (accepted with a consumed
 * ticket), the RFB handshake with it (security None), the authenticated
 * connection to the guest's VNC server through proxmox-node, and the relay
 * of bytes both ways with backpressure until either side closes, no
 * traffic flows for `idleTimeoutMs` or `maxSessionMs` has passed. Both
 * sides are closed together; the session is audited when it opens
 * (`proxmox-console-session`) and when it ends (duration, bytes, who ended
 * it and why).
 */
export class ConsoleSession {
  readonly #deps: ConsoleSessionDeps;
  readonly #started = Date.now();
  readonly #abort = new AbortController();
  #upstream?: WebSocket;
  #event?: Promise<AuditorServiceEvent | undefined>;
  #ended?: ConsoleSessionEnd;
  #idleTimer?: NodeJS.Timeout;
  #maxTimer?: NodeJS.Timeout;
  #bytesToGuest = 0;
  #bytesFromGuest = 0;
  #opened = false;
  readonly done: Promise<ConsoleSessionEnd>;
  #resolveDone!: (end: ConsoleSessionEnd) => void;

  constructor(
    readonly id: string,
    readonly binding: ConsoleBinding,
    readonly browser: WebSocket,
    deps: ConsoleSessionDeps,
  ) {
    this.#deps = deps;
    this.done = new Promise(resolve => {
      this.#resolveDone = resolve;
    });
  }

  get #guest() {
    return `${this.binding.cluster}/${this.binding.vmid}`;
  }

  /** Runs the session until it ends (never rejects). */
  async run(): Promise<ConsoleSessionEnd> {
    const { config } = this.#deps;
    const b = this.binding;
    this.#event = this.#deps.auditor
      .createEvent({
        eventId: 'proxmox-console-session',
        severityLevel: 'medium',
        meta: {
          actor: b.userRef,
          cluster: b.cluster,
          vmid: b.vmid,
          node: b.node,
          guestType: b.type,
          sessionId: this.id,
        },
      })
      .catch(e => {
        this.#deps.logger.warn(
          `Could not audit console session ${this.id}: ${describeFailure(e)}`,
        );
        return undefined;
      });
    this.browser.on('error', () => undefined);
    this.browser.on('message', (data: Buffer) => {
      this.#bytesToGuest += data.length;
      this.#activity();
    });
    this.browser.once('close', (code: number) =>
      this.end({
        code: code === 1005 ? CONSOLE_CLOSE_CODES.normal : code,
        reason: 'The browser closed the console',
        by: 'browser',
      }),
    );
    this.#maxTimer = setTimeout(
      () =>
        this.end({
          code: CONSOLE_CLOSE_CODES.maxLength,
          reason: `Session ended: the maximum session length (${formatDuration(
            config.maxSessionMs,
          )}) was reached`,
          by: 'backend',
        }),
      config.maxSessionMs,
    );
    this.#activity();

    const browserReader = new RfbByteReader(this.browser);
    const handshake = {
      timeoutMs: HANDSHAKE_TIMEOUT_MS,
      signal: this.#abort.signal,
    };
    const opening = this.#deps.clusters
      .get(b.cluster)
      .openVncConsole(
        { type: b.type, node: b.node, vmid: b.vmid },
        { signal: this.#abort.signal },
      );
    // opened after the session ended (the browser gave up): close it again
    opening.then(
      v => this.#ended && v.socket.close(),
      () => undefined,
    );
    let vnc: VncConsole;
    try {
      [vnc] = await Promise.all([
        opening,
        acceptRfbClient(this.browser, browserReader, handshake),
      ]);
    } catch (e) {
      if (!this.#ended) await this.#failedToOpen(e);
      return this.done;
    }
    this.#upstream = vnc.socket;
    if (this.#ended) return this.done;
    this.#opened = true;
    vnc.socket.on('message', (data: Buffer) => {
      this.#bytesFromGuest += data.length;
      this.#activity();
    });
    vnc.socket.once('close', () => void this.#upstreamClosed());
    // the upstream bytes after its SecurityResult start with ServerInit;
    // the browser's next bytes are ClientInit: from here on a plain relay
    vnc.handOver(relay(vnc.socket, this.browser));
    browserReader.handOver(relay(this.browser, vnc.socket));
    this.#deps.logger.info(
      `Console session ${this.id} of ${b.userRef} on guest ${
        this.#guest
      } (node ${b.node}) open`,
    );
    return this.done;
  }

  /** Ends the session once: closes both sides, audits. */
  end(end: ConsoleSessionEnd) {
    if (this.#ended) return;
    this.#ended = end;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#maxTimer);
    this.#abort.abort(new Error(end.reason));
    if (this.browser.readyState === WebSocket.OPEN) {
      this.browser.close(end.code, closeReason(end.reason));
    } else if (this.browser.readyState === WebSocket.CONNECTING) {
      this.browser.terminate();
    }
    if (this.#upstream && this.#upstream.readyState === WebSocket.OPEN) {
      this.#upstream.close(1000);
    }
    // a peer that does not answer the close handshake is cut off
    setTimeout(() => {
      this.browser.terminate();
      this.#upstream?.terminate();
    }, 5_000).unref();
    void this.#audit(end).finally(() => this.#resolveDone(end));
  }

  #activity() {
    clearTimeout(this.#idleTimer);
    const ms = this.#deps.config.idleTimeoutMs;
    this.#idleTimer = setTimeout(
      () =>
        this.end({
          code: CONSOLE_CLOSE_CODES.idle,
          reason: `Session ended: no activity for ${formatDuration(ms)}`,
          by: 'backend',
        }),
      ms,
    );
  }

  /** Whether the guest runs now (undefined when that cannot be told). */
  async #running(): Promise<boolean | undefined> {
    try {
      const state = await guestPowerState(this.#deps.clusters, this.binding, {
        timeoutMs: STATUS_TIMEOUT_MS,
      });
      return state === 'running';
    } catch {
      return undefined;
    }
  }

  async #upstreamClosed() {
    if (this.#ended) return;
    const running = await this.#running();
    this.end(
      running === false
        ? {
            code: CONSOLE_CLOSE_CODES.guestStopped,
            reason: 'Session ended: the guest stopped',
            by: 'proxmox',
          }
        : {
            code: CONSOLE_CLOSE_CODES.upstreamClosed,
            reason: 'Session ended: Proxmox closed the console connection',
            by: 'proxmox',
          },
    );
  }

  async #failedToOpen(error: unknown) {
    if (error instanceof RfbStreamError) {
      this.end({
        code: CONSOLE_CLOSE_CODES.protocolError,
        reason: `The console client broke the RFB protocol: ${error.message}`,
        by: 'backend',
      });
      return;
    }
    const running =
      error instanceof ProxmoxApiError && error.kind === 'network'
        ? await this.#running()
        : undefined;
    if (running === false) {
      this.end({
        code: CONSOLE_CLOSE_CODES.guestStopped,
        reason: 'The guest is not running: start it to use its console',
        by: 'proxmox',
      });
      return;
    }
    const denied =
      error instanceof ProxmoxApiError && error.status === 403
        ? "Proxmox refused the console: MycoPod's API token lacks VM.Console on this guest"
        : undefined;
    this.end({
      code: CONSOLE_CLOSE_CODES.upstreamFailed,
      reason:
        denied ??
        `Could not open the console in Proxmox: ${describeFailure(error)}`,
      by: 'proxmox',
    });
  }

  async #audit(end: ConsoleSessionEnd) {
    const durationMs = Date.now() - this.#started;
    const meta = {
      opened: this.#opened,
      durationMs,
      bytesToGuest: this.#bytesToGuest,
      bytesFromGuest: this.#bytesFromGuest,
      closeCode: end.code,
      closeReason: end.reason,
      endedBy: end.by,
    };
    this.#deps.logger.info(
      `Console session ${this.id} of ${this.binding.userRef} on guest ${
        this.#guest
      } ended after ${Math.round(durationMs / 1000)} s (${end.by}: ${
        end.reason
      }; ${this.#bytesToGuest} bytes to the guest, ${
        this.#bytesFromGuest
      } from it)`,
    );
    const event = await this.#event;
    try {
      if (this.#opened) await event?.success({ meta });
      else await event?.fail({ error: new Error(end.reason), meta });
    } catch (e) {
      this.#deps.logger.warn(
        `Could not audit the end of console session ${
          this.id
        }: ${describeFailure(e)}`,
      );
    }
  }
}
