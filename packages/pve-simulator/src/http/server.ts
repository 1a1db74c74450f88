import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AuthInfo, SimContext } from '../context';
import { authenticate, checkPermissions } from './auth';
import {
  normalizePveParameters,
  validatePveParameters,
} from '../schema/validate';
import { ROUTE_PARAMS } from '../routes/params';
import type { RouteCtx } from '../routes/types';
import type { ClusterState } from '../state/types';
import { guestPool, nodeOnline } from '../state/views';
import { sleep } from '../util';
import { ApiError, RawStatus } from './errors';
import type { Router } from './router';

const MAX_BODY = 512 * 1024;

export interface StatsCollector {
  calls: Map<string, number>;
  total: number;
}

export interface ControlHooks {
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    body: string,
    /** the raw query string (without `?`) */
    query?: string,
  ): void;
}

export interface HandlerOptions {
  sim: SimContext;
  cluster: ClusterState;
  router: Router;
  stats: StatsCollector;
  control: ControlHooks;
  /** timers of delayed responses (cleared on stop) */
  timers: Set<NodeJS.Timeout>;
}

/** pveproxy serves up to 100 requests per connection (keep_alive => 100). */
const KEEP_ALIVE_REQUESTS = 100;

type CountedSocket = { pveRequests?: number };

function requestsOnSocket(req: IncomingMessage): number {
  return (req.socket as unknown as CountedSocket).pveRequests ?? 0;
}

function sanitizeReason(msg: string, status: number): string {
  const first = (msg.split(/\r?\n/)[0] ?? '').replace(
    /[^\t\x20-\x7e\x80-\xff]/g,
    '?',
  );
  return first || String(status);
}

/** Writes a response with pve-api-daemon's headers. */
export function writeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  reason: string,
  body?: string | Buffer,
  contentType?: string,
) {
  if (res.headersSent || res.destroyed) return;
  const date = new Date().toUTCString();
  res.sendDate = false;
  const headers: Record<string, string | number> = {
    'Cache-Control': 'max-age=0',
    Date: date,
    Expires: date,
    Pragma: 'no-cache',
    Server: 'pve-api-daemon/3.0',
    Connection:
      status < 400 && requestsOnSocket(req) < KEEP_ALIVE_REQUESTS
        ? 'Keep-Alive'
        : 'close',
  };
  let payload: Buffer | undefined =
    body === undefined || body.length === 0 ? undefined : Buffer.from(body);
  if (contentType) headers['Content-Type'] = contentType;
  if (payload && payload.length > 1024) {
    const ae = String(req.headers['accept-encoding'] ?? '');
    if (/gzip/.test(ae)) {
      payload = gzipSync(payload);
      headers['Content-Encoding'] = 'gzip';
    }
  }
  if (payload) headers['Content-Length'] = payload.length;
  // pve-api-daemon never uses chunked encoding: bodyless answers (401, 595,
  // HEAD…) carry no Content-Length and end with the connection (they are all
  // `Connection: close`); Node would otherwise fall back to chunked encoding
  else res.useChunkedEncodingByDefault = false;
  const noBody = /^(1\d\d|[23]04)$/.test(String(status));
  res.writeHead(status, sanitizeReason(reason, status), headers);
  res.end(noBody ? undefined : payload);
}

const JSON_CT = 'application/json;charset=UTF-8';

function jsonResult(
  req: IncomingMessage,
  res: ServerResponse,
  data: unknown,
  total?: number,
) {
  const out: Record<string, unknown> = {
    data: data === undefined ? null : data,
  };
  if (total) out.total = total;
  writeResponse(req, res, 200, 'OK', JSON.stringify(out), JSON_CT);
}

function jsonError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  errors?: Record<string, string>,
) {
  const out: Record<string, unknown> = { data: null };
  if (errors && Object.keys(errors).length) out.errors = errors;
  out.message = message;
  writeResponse(req, res, status, message, JSON.stringify(out), JSON_CT);
}

/** AnyEvent.pm decode_urlencoded (repeated keys → array, `a=b=c` keeps `b`). */
export function decodeUrlencoded(data: string): Record<string, unknown> {
  const res: Record<string, unknown> = {};
  if (!data) return res;
  const dec = (s: string) =>
    Buffer.from(
      s
        .replace(/\+/g, ' ')
        .replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) =>
          String.fromCharCode(parseInt(h, 16)),
        ),
      'latin1',
    ).toString('utf8');
  for (const kv of data.split(/[&;]/)) {
    const parts = kv.split('=');
    const k = dec(parts[0]);
    if (parts.length < 2) {
      if (!(k in res)) res[k] = undefined;
      continue;
    }
    const v = dec(parts[1]);
    const old = res[k];
    if (old !== undefined) res[k] = Array.isArray(old) ? [...old, v] : [old, v];
    else res[k] = v;
  }
  return res;
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * A stand-in response whose `writeHead`/`end` run `replace` instead of
 * answering (for faults that strike after the handler applied the change).
 */
function answerAfter(res: ServerResponse, replace: () => void): ServerResponse {
  let done = false;
  const fire = () => {
    if (done) return;
    done = true;
    replace();
  };
  return new Proxy(res, {
    get(target, prop) {
      if (prop === 'end') return () => fire();
      if (prop === 'writeHead') return () => undefined;
      if (prop === 'headersSent') return false;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
    set(target, prop, value) {
      return Reflect.set(target, prop, value, target);
    },
  });
}

/** Creates the request listener of one cluster's HTTPS server. */
export function createRequestHandler(opts: HandlerOptions) {
  const { sim, cluster, router, stats, control, timers } = opts;

  const delayed = (ms: number, fn: () => void) => {
    if (ms <= 0) {
      fn();
      return;
    }
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(err => {
      const msg = err instanceof Error ? err.message : String(err);
      writeResponse(req, res, 500, msg, `${msg}\n`);
    });
  };

  async function handle(req: IncomingMessage, originalRes: ServerResponse) {
    let res = originalRes;
    const started = Date.now();
    const sock = req.socket as unknown as CountedSocket;
    sock.pveRequests = (sock.pveRequests ?? 0) + 1;
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const qIndex = rawUrl.indexOf('?');
    const rawPath = qIndex >= 0 ? rawUrl.slice(0, qIndex) : rawUrl;
    const query = qIndex >= 0 ? rawUrl.slice(qIndex + 1) : '';
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = rawPath;
    }

    if (path.startsWith('/_sim/')) {
      const body =
        method === 'POST' || method === 'PUT'
          ? await readBody(req, MAX_BODY)
          : '';
      control.handle(req, res, path, body, query);
      return;
    }

    if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method)) {
      writeResponse(req, res, 501, `method '${method}' not available`);
      return;
    }
    const te = req.headers['transfer-encoding'];
    if (te) {
      const msg =
        te.toLowerCase() === 'chunked'
          ? 'chunked transfer encoding not supported'
          : `Unknown transfer encoding '${te}'`;
      writeResponse(req, res, 501, msg, msg);
      return;
    }
    const m = /^\/api2\/+([a-z][a-z0-9]+)(\/.*)?$/.exec(path);
    if (!m) {
      writeResponse(req, res, 501, 'no such uri', 'no such uri');
      return;
    }
    const format = m[1];
    const rel = m[2] ?? '/';
    const match = router.match(method, rel);
    stats.total++;
    const statKey = match
      ? `${method} ${match.route.path}`
      : `${method} (unknown route)`;
    stats.calls.set(statKey, (stats.calls.get(statKey) ?? 0) + 1);

    const latency = sim.faults.latency();
    if (latency > 0) await sleep(latency);

    // authentication (before anything else, like pveproxy)
    let auth: AuthInfo = { userid: '', isToken: false, privileges: 'readonly' };
    const noAuth =
      method === 'POST' && rel.replace(/\/+$/, '') === '/access/ticket';
    if (!noAuth) {
      const a = authenticate(sim, req, method);
      if (!a.ok) {
        req.resume();
        delayed(sim.timings.unauthorizedDelayMs - (Date.now() - started), () =>
          writeResponse(req, res, 401, a.reason),
        );
        return;
      }
      auth = a.auth;
      if (auth.acl) auth.poolOf = vmid => guestPool(cluster, vmid);
    }

    // injected faults
    const fault = sim.faults.decide(method, match?.route.path, rel);
    if (fault.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'status') {
      req.resume();
      if (fault.body) jsonError(req, res, fault.status, `${fault.reason}\n`);
      else writeResponse(req, res, fault.status, fault.reason);
      return;
    }
    // faults after the handler: the answer is replaced once the change is applied
    if (fault.kind === 'reset-after' || fault.kind === 'status-after') {
      const realRes = res;
      res = answerAfter(realRes, () => {
        if (fault.kind === 'reset-after') req.socket.destroy();
        else if (fault.body)
          jsonError(req, realRes, fault.status, `${fault.reason}\n`);
        else writeResponse(req, realRes, fault.status, fault.reason);
      });
    }

    const len = Number(req.headers['content-length'] ?? 0);
    if (len > 0 && method !== 'POST' && method !== 'PUT') {
      req.resume();
      const msg = `Unexpected content for method '${method}'`;
      writeResponse(req, res, 501, msg, msg);
      return;
    }
    if (len > MAX_BODY) {
      req.resume();
      writeResponse(req, res, 501, 'for data too large', 'for data too large');
      return;
    }
    const ctype = req.headers['content-type'];
    const ct = ctype ? ctype.split(';')[0].trim() : undefined;
    if (
      len > 0 &&
      ct &&
      ct !== 'application/x-www-form-urlencoded' &&
      ct !== 'application/json'
    ) {
      req.resume();
      const msg = `upload 'Content-Type '${ctype}' not implemented`;
      writeResponse(req, res, 506, msg, msg);
      return;
    }
    let body = '';
    if (len > 0) {
      try {
        body = await readBody(req, MAX_BODY);
      } catch {
        return;
      }
    } else {
      req.resume();
    }

    // extract_params
    let params: Record<string, unknown> = {};
    if (method === 'POST' || method === 'PUT') {
      if (ct === 'application/json') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          const msg = `malformed JSON string, neither tag, array, object, number, string or atom, at character offset 0 (before "${
            body.slice(0, 20) || '(end of string)'
          }") at /usr/share/perl5/PVE/APIServer/AnyEvent.pm line 912.`;
          writeResponse(req, res, 500, msg, `${msg}\n`);
          return;
        }
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
          const msg =
            'Not a HASH reference at /usr/share/perl5/PVE/APIServer/AnyEvent.pm line 918.';
          writeResponse(req, res, 500, msg, `${msg}\n`);
          return;
        }
        params = parsed as Record<string, unknown>;
      } else {
        params = decodeUrlencoded(body);
      }
    }
    Object.assign(params, decodeUrlencoded(query));
    delete params._dc;

    if (format !== 'json') {
      const msg = `no formatter for uri ${rel}, ${format}`;
      writeResponse(req, res, 501, msg, msg);
      return;
    }

    const respondError = (err: unknown) => {
      if (err instanceof RawStatus) {
        writeResponse(req, res, err.status, err.reason);
        return;
      }
      if (err instanceof ApiError) {
        if (err.status === 401) {
          delayed(
            sim.timings.unauthorizedDelayMs - (Date.now() - started),
            () => jsonError(req, res, err.status, err.message, err.errors),
          );
          return;
        }
        jsonError(req, res, err.status, err.message, err.errors);
        return;
      }
      const msg = err instanceof Error ? err.message : String(err);
      jsonError(req, res, 500, msg.endsWith('\n') ? msg : `${msg}\n`);
    };

    if (!match) {
      jsonError(req, res, 501, `Method '${method} ${rel}' not implemented`);
      return;
    }
    const route = match.route;

    try {
      // rest_handler: URI parameters vs. body/query parameters
      const merged: Record<string, unknown> = { ...match.uriParams };
      for (const p of Object.keys(params).sort()) {
        const uriVal = match.uriParams[p];
        const v = params[p];
        if (
          uriVal !== undefined &&
          v !== undefined &&
          v !== null &&
          uriVal !== (typeof v === 'object' ? '[object]' : String(v))
        ) {
          throw new ApiError(400, 'Parameter verification failed.\n', {
            [p]: 'duplicate parameter (already defined in URI) with conflicting values!',
          });
        }
        merged[p] = v;
      }
      if (!route.noAuth) checkPermissions(auth, route, merged);

      if (route.proxyto === 'node') {
        const node = String(merged.node ?? '');
        if (!cluster.nodes.has(node)) {
          throw new ApiError(
            500,
            `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known\n`,
          );
        }
        if (!nodeOnline(sim, cluster, node))
          throw new RawStatus(595, 'No route to host');
      }

      const specs = ROUTE_PARAMS[`${route.method} ${route.path}`] ?? {};
      const normalized = normalizePveParameters(specs, merged);
      const errors = validatePveParameters(specs, normalized);
      if (Object.keys(errors).length)
        throw new ApiError(400, 'Parameter verification failed.\n', errors);

      const ctx: RouteCtx = {
        sim,
        cluster,
        params: normalized,
        auth,
        attrib: {},
      };
      // a stalled request is applied (and answered) only after the delay
      if (fault.kind === 'stall')
        await new Promise<void>(r => delayed(fault.ms, r));
      const data = await route.handler(ctx);
      jsonResult(req, res, data, ctx.attrib.total);
    } catch (err) {
      respondError(err);
    }
  }
}
