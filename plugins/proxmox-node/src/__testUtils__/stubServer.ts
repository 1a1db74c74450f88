import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type StubHandler = (
  req: StubRequest,
  res: http.ServerResponse,
  n: number,
) => void;

/** A plain HTTP server standing in for pveproxy in transport tests. */
export async function startStubServer() {
  const requests: StubRequest[] = [];
  let handler: StubHandler = (_req, res) => {
    res.writeHead(501, 'no handler');
    res.end();
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const r: StubRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(r);
      handler(r, res, requests.length);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    handle(h: StubHandler) {
      requests.length = 0;
      handler = h;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}

/** Writes a PVE-style JSON answer. */
export function pve(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  reason?: string,
) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, reason ?? http.STATUS_CODES[status] ?? 'Unknown', {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    server: 'pve-api-daemon/3.0',
    ...(status >= 400 ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/** The status of a finished task (node, type and id as in its UPID). */
export function finishedTask(upid: string, exitstatus = 'OK') {
  const [, node, , , , type, id] = upid.split(':');
  return {
    data: {
      upid,
      node,
      type,
      id,
      user: 'mycopod@pve',
      status: 'stopped',
      exitstatus,
    },
  };
}

/**
 * Answers the status poll (a {@link finishedTask}) and the log poll (`TASK OK`)
 * of a task; false for any other request.
 */
export function answerTaskPolls(
  r: StubRequest,
  res: http.ServerResponse,
  upid: string,
  exitstatus = 'OK',
): boolean {
  if (r.url.includes('/tasks/') && r.url.endsWith('/status')) {
    pve(res, 200, finishedTask(upid, exitstatus));
    return true;
  }
  if (r.url.includes('/log')) {
    pve(res, 200, { data: [{ n: 1, t: 'TASK OK' }], total: 1 });
    return true;
  }
  return false;
}
