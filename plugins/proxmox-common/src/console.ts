/*
 * The in-browser console contract between the proxmox backend and the
 * portal. Paths are relative to `/api/proxmox`.
 *
 * 1. `POST /guests/:cluster/:vmid/console` (no body; permission
 *    `proxmox.guest.console` on the guest) → 201 {@link ConsoleTicket}: a
 *    one-time ticket bound to the caller and the guest. 403 without the
 *    permission, 404 for an unknown guest, 409 when the guest is not
 *    running.
 * 2. A WebSocket to {@link CONSOLE_SOCKET_PATH}`?ticket=…` (subprotocol
 *    `binary`) within the ticket's lifetime carries an RFB 3.8 stream with
 *    security type None: the backend has authenticated to Proxmox already.
 *    A missing, unknown, expired or used ticket is refused (HTTP 401 on the
 *    upgrade); the backend ends a session with one of
 *    {@link CONSOLE_CLOSE_CODES}.
 */

/** The WebSocket path under the plugin's base URL. */
export const CONSOLE_SOCKET_PATH = '/console/socket';

/** `POST /guests/:cluster/:vmid/console` → 201. */
export interface ConsoleTicket {
  /** One-time, opaque; goes into the socket URL's `ticket` parameter. */
  ticket: string;
  /** ISO 8601: the socket must be opened before. */
  expiresAt: string;
  /** {@link CONSOLE_SOCKET_PATH}, relative to the plugin's base URL. */
  socketPath: string;
  /** The guest the ticket opens. */
  guest: {
    cluster: string;
    vmid: number;
    node: string;
    type: 'qemu' | 'lxc';
    name?: string;
  };
  /** Limits of the session, in ms. */
  idleTimeoutMs: number;
  maxSessionMs: number;
}

/**
 * Close codes (4000–4999: application) the backend ends a console session
 * with; the close reason is a sentence for the user.
 */
export const CONSOLE_CLOSE_CODES = {
  /** The user or the browser closed it (1000, normal). */
  normal: 1000,
  /** The backend shuts down (1001, going away). */
  shutdown: 1001,
  /** No traffic in either direction for `idleTimeoutMs`. */
  idle: 4001,
  /** The session reached `maxSessionMs`. */
  maxLength: 4002,
  /** The guest is not running (it stopped, or never started). */
  guestStopped: 4003,
  /** Proxmox ended the console connection (guest side). */
  upstreamClosed: 4004,
  /** Proxmox could not be reached or refused the console. */
  upstreamFailed: 4005,
  /** The browser broke the RFB protocol. */
  protocolError: 4006,
} as const;

export type ConsoleCloseCode =
  (typeof CONSOLE_CLOSE_CODES)[keyof typeof CONSOLE_CLOSE_CODES];
