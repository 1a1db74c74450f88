/**
 * WebSocket upgrades of a cluster's HTTPS server, as pveproxy handles them:
 * the request runs through the same API pipeline as any other (token,
 * permission, parameters, the vncwebsocket handler that checks the ticket);
 * an error answers as HTTP. On success the upgrade headers are checked
 * (500 "unsupported websocket-version …" etc.), then pveproxy connects to
 * the VNC port: nothing listening there (a reused or expired ticket) drops
 * the connection without an answer; otherwise 101 and the VNC stream.
 */
import {
  IncomingMessage,
  OutgoingHttpHeader,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { writeResponse } from '../http/server';
import type { ClusterState } from '../state/types';
import { acceptVncConnection, serveVnc } from './vncProxies';
import { switchingProtocols, upgradeRefusal } from './websocket';

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A response on the upgraded socket: error answers are written as HTTP; a
 * 200 (the API call succeeded) hands its JSON body to `succeeded`, which
 * upgrades, or returns false to have it answered as HTTP after all.
 */
type HeadArgs = [
  (string | OutgoingHttpHeaders | OutgoingHttpHeader[])?,
  (OutgoingHttpHeaders | OutgoingHttpHeader[])?,
];

class UpgradeResponse extends ServerResponse {
  #ok?: HeadArgs;

  constructor(
    req: IncomingMessage,
    private readonly succeeded: (body: string) => boolean,
  ) {
    super(req);
  }

  writeHead(status: number, ...args: HeadArgs): this {
    if (status === 200 && !this.#ok) {
      this.#ok = args;
      return this;
    }
    return (super.writeHead as (s: number, ...a: HeadArgs) => this)(
      status,
      ...args,
    );
  }

  end(chunk?: unknown, ...rest: unknown[]): this {
    const ok = this.#ok;
    if (ok && !this.headersSent) {
      if (this.succeeded(chunk === undefined ? '' : String(chunk))) return this;
      this.writeHead(200, ...ok);
    }
    return (super.end as (...a: unknown[]) => this)(chunk, ...rest);
  }
}

/** The `upgrade` listener of one cluster's server. */
export function createUpgradeHandler(opts: {
  cluster: ClusterState;
  handler: RequestHandler;
}) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    const res: UpgradeResponse = new UpgradeResponse(req, body => {
      // pveproxy upgrades GET .../…websocket paths only; others answer as HTTP
      if (req.method !== 'GET' || !/websocket$/.test(path)) return false;
      const refusal = upgradeRefusal(req);
      if (refusal) {
        writeResponse(req, res, 500, refusal, refusal);
        return true;
      }
      let port: number;
      try {
        port = Number(JSON.parse(body).data.port);
      } catch {
        socket.destroy();
        return true;
      }
      const proxy = acceptVncConnection(opts.cluster, port);
      if (!proxy) {
        // tcp_connect to the VNC port fails: pveproxy drops the connection
        socket.destroy();
        return true;
      }
      res.detachSocket(socket as Socket);
      socket.write(switchingProtocols(req));
      serveVnc(opts.cluster, proxy, socket, head);
      return true;
    });
    res.assignSocket(socket as Socket);
    res.once('finish', () => socket.end());
    opts.handler(req, res);
  };
}
