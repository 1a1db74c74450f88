import type {
  HttpRouterServiceWebSocketContext,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { CONSOLE_CLOSE_CODES } from '@mycopod/plugin-proxmox-common';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { describeFailure } from '../inventory/describeFailure';
import { ConsoleSession, type ConsoleSessionDeps } from './ConsoleSession';
import type { ConsoleTicketStore } from './ConsoleTicketStore';

export interface ConsoleSocketDeps extends ConsoleSessionDeps {
  tickets: ConsoleTicketStore;
  /** Origins a browser may open the socket from (`Origin` header). */
  allowedOrigins: ReadonlySet<string>;
  logger: LoggerService;
}

/** Largest message a browser may send (RFB input is tiny; clipboard text). */
const MAX_BROWSER_MESSAGE = 1024 * 1024;

function refuse(socket: Duplex, status: string) {
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    () => socket.destroy(),
  );
}

/**
 * The console WebSocket (`authPolicy: 'unauthenticated'`: browsers cannot
 * send a token on a WebSocket, the one-time ticket in the `ticket` query
 * parameter is the credential). A missing, unknown, used or expired ticket
 * is refused with 401 before the upgrade, a foreign `Origin` with 403; the
 * ticket is consumed before anything else happens. Sessions are tracked so
 * a shutting-down backend closes them (1001).
 */
export class ConsoleSockets {
  readonly #deps: ConsoleSocketDeps;
  readonly #sessions = new Set<ConsoleSession>();
  readonly #wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_BROWSER_MESSAGE,
    handleProtocols: protocols => (protocols.has('binary') ? 'binary' : false),
  });

  constructor(deps: ConsoleSocketDeps) {
    this.#deps = deps;
  }

  /** Open sessions (tests, shutdown). */
  get sessions(): ReadonlySet<ConsoleSession> {
    return this.#sessions;
  }

  /** The `handler` of `httpRouter.addWebSocketHandler`. */
  readonly handle = async ({
    request,
    socket,
    head,
  }: HttpRouterServiceWebSocketContext): Promise<void> => {
    const { logger, tickets } = this.#deps;
    const origin = request.headers.origin;
    if (origin && !this.#deps.allowedOrigins.has(origin)) {
      logger.warn(`Console socket refused: origin ${origin} is not allowed`);
      refuse(socket, '403 Forbidden');
      return;
    }
    const ticket =
      new URL(request.url ?? '/', 'http://localhost').searchParams.get(
        'ticket',
      ) ?? '';
    let binding;
    try {
      binding = await tickets.consume(ticket);
    } catch (e) {
      logger.warn(`Console tickets unreadable: ${describeFailure(e)}`);
      refuse(socket, '503 Service Unavailable');
      return;
    }
    if (!binding) {
      logger.warn(
        'Console socket refused: missing, unknown, used or expired ticket',
        { remoteAddress: request.socket?.remoteAddress ?? '' },
      );
      refuse(socket, '401 Unauthorized');
      return;
    }
    if (socket.destroyed) return;
    this.#wss.handleUpgrade(request, socket, head, ws => {
      const session = new ConsoleSession(randomUUID(), binding, ws, this.#deps);
      this.#sessions.add(session);
      void session.run();
      void session.done.then(() => this.#sessions.delete(session));
    });
  };

  /** Ends every session (backend shutdown) and waits for their audits. */
  async closeAll(): Promise<void> {
    const open = [...this.#sessions];
    for (const s of open) {
      s.end({
        code: CONSOLE_CLOSE_CODES.shutdown,
        reason: 'Session ended: the backend is shutting down',
        by: 'backend',
      });
    }
    await Promise.all(open.map(s => s.done));
  }
}
