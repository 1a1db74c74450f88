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
