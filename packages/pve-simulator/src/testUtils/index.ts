/* Test helpers (not part of the public API). */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { RunningSimulator, SimulatorOptions } from '../simulator';
import { startSimulator } from '../simulator';

/** Finds the monorepo root (the package.json with workspaces) above this file. */
export function repoRoot(): string {
  // test-only helper: the sources are used in place, so __dirname is right here
  // eslint-disable-next-line no-restricted-syntax
  const here = __dirname;
  let dir = here;
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        if (JSON.parse(fs.readFileSync(pj, 'utf8')).workspaces) return dir;
      } catch {
        // keep looking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(here, '../../../..');
    dir = up;
  }
}

/** `shared/pve-api` reference directory (MYCOPOD_SHARED_DIR or `<repo>/../shared`). */
export function sharedApiDir(): string {
  const shared =
    process.env.MYCOPOD_SHARED_DIR ?? path.resolve(repoRoot(), '../shared');
  return path.join(shared, 'pve-api');
}

/**
 * `describe` if the reference file exists, else `describe.skip` with a
 * warning. With `CI` set a missing file is an error: CI has `../shared`.
 */
export function describeIfFile(file: string): jest.Describe {
  if (fs.existsSync(file)) return describe;
  if (process.env.CI) {
    throw new Error(
      `reference file ${file} not found: CI needs ../shared beside the clone (or MYCOPOD_SHARED_DIR)`,
    );
  }
  // eslint-disable-next-line no-console
  console.warn(
    `skipping tests: reference file ${file} not found (set MYCOPOD_SHARED_DIR)`,
  );
  return describe.skip;
}

export function readJson<T = any>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Small timings so behaviour tests run in milliseconds. */
export const FAST_TIMINGS = {
  taskMs: 30,
  cloneMs: 300,
  resizeMs: 30,
  lockWaitMs: 60,
  resourcesLagMs: 250,
  agentIpDelayMs: 250,
  unauthorizedDelayMs: 120,
  taskStartMs: 0,
};

export async function startTestSimulator(
  opts: SimulatorOptions = {},
): Promise<RunningSimulator> {
  return startSimulator({
    ...opts,
    timings: { ...FAST_TIMINGS, ...(opts.timings ?? {}) },
  });
}

export interface ApiResponse {
  status: number;
  reason: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: any;
}

export interface RequestOptions {
  /** form-urlencoded body (object → encoded) */
  form?: Record<string, string | number>;
  /** JSON body */
  json?: unknown;
  /** raw body */
  body?: string;
  headers?: Record<string, string>;
  /** Authorization token `id=secret`; `null` = none */
  token?: { tokenId: string; secret: string } | null;
  /** give up (reject with `client timeout`) after this many ms without an answer */
  timeoutMs?: number;
}

/** A minimal HTTPS client that trusts the simulator CA (node:https, no dependencies). */
export class TestClient {
  readonly agent: https.Agent;

  constructor(
    readonly sim: RunningSimulator,
    readonly baseUrl = sim.clusters[0].url,
  ) {
    // idle keep-alive sockets are closed by the server after 5 s (like pveproxy),
    // so drop them a bit earlier on the client side
    this.agent = new https.Agent({
      ca: sim.caCertPem,
      keepAlive: true,
      timeout: 4000,
    });
  }

  request(
    method: string,
    p: string,
    opts: RequestOptions = {},
  ): Promise<ApiResponse> {
    const url = p.startsWith('/_sim/')
      ? `${this.baseUrl}${p}`
      : `${this.baseUrl}/api2/json${p}`;
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? this.sim.token : opts.token;
    if (token)
      headers.Authorization = `PVEAPIToken=${token.tokenId}=${token.secret}`;
    let body: string | undefined;
    if (opts.form) {
      body = new URLSearchParams(
        Object.entries(opts.form).map(([k, v]) => [k, String(v)]),
      ).toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['Content-Type'] = 'application/json';
    } else if (opts.body !== undefined) {
      body = opts.body;
    }
    if (body !== undefined)
      headers['Content-Length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        { method, agent: this.agent, headers },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', c => chunks.push(c));
          res.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            let parsed: any;
            try {
              parsed = raw ? JSON.parse(raw) : undefined;
            } catch {
              parsed = undefined;
            }
            resolve({
              status: res.statusCode!,
              reason: res.statusMessage ?? '',
              headers: res.headers,
              raw,
              body: parsed,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (opts.timeoutMs !== undefined) {
        req.setTimeout(opts.timeoutMs, () =>
          req.destroy(new Error('client timeout')),
        );
      }
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  get(p: string, opts?: RequestOptions) {
    return this.request('GET', p, opts);
  }
  post(
    p: string,
    form?: Record<string, string | number>,
    opts: RequestOptions = {},
  ) {
    return this.request('POST', p, { ...opts, form: form ?? opts.form });
  }
  put(
    p: string,
    form?: Record<string, string | number>,
    opts: RequestOptions = {},
  ) {
    return this.request('PUT', p, { ...opts, form: form ?? opts.form });
  }
  del(p: string, opts?: RequestOptions) {
    return this.request('DELETE', p, opts);
  }

  /** Polls a task until it stopped; returns the final status data. */
  async waitTask(upid: string, timeoutMs = 5000): Promise<any> {
    const node = upid.split(':')[1];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.get(
        `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`,
      );
      if (r.status !== 200)
        throw new Error(`task status ${r.status} ${r.reason}`);
      if (r.body.data.status === 'stopped') return r.body.data;
      if (Date.now() > deadline) throw new Error(`task ${upid} did not finish`);
      await new Promise(res => setTimeout(res, 10));
    }
  }

  async taskLog(upid: string): Promise<string[]> {
    const node = upid.split(':')[1];
    const r = await this.get(
      `/nodes/${node}/tasks/${encodeURIComponent(upid)}/log?limit=1000`,
    );
    return r.body.data.map((l: { t: string }) => l.t);
  }

  close() {
    this.agent.destroy();
  }
}

/** The simulator of a `describe` block and a client for its first cluster. */
export interface SuiteSimulator {
  sim: RunningSimulator;
  api: TestClient;
}

/**
 * Starts a simulator before the tests of the enclosing `describe` and stops
 * it after them; with `resetFaults`, the fault spec is cleared after each
 * test. `sim` and `api` are set once the tests run.
 */
export function suiteSimulator(
  opts: SimulatorOptions = {},
  { resetFaults = false } = {},
): SuiteSimulator {
  const env = {} as SuiteSimulator;
  beforeAll(async () => {
    env.sim = await startTestSimulator(opts);
    env.api = new TestClient(env.sim);
  });
  afterAll(async () => {
    env.api.close();
    await env.sim.stop();
  });
  if (resetFaults) afterEach(() => env.sim.setFaults(undefined));
  return env;
}

export const sleepMs = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Polls `probe` every 10 ms until it returns a value other than undefined. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await sleepMs(10);
  }
}

/** The outcome of a request: its status, or the client-side error text. */
export async function outcomeOf(
  p: Promise<ApiResponse>,
): Promise<{ status?: number; error?: string; res?: ApiResponse }> {
  try {
    const res = await p;
    return { status: res.status, res };
  } catch (e) {
    return { error: String(e) };
  }
}
