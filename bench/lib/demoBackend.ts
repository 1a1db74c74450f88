/**
 * Bench-only helpers: start the REAL demo backend process
 * (packages/backend/src/index.ts through Backstage's SWC node transform, the
 * way packages/e2e-tests/src/lib/backend.ts does) with app-config.yaml plus
 * per-bench overrides, sign in as a demo persona, and small stats helpers.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  dropDatabases,
  freePort,
  signIn as signInOnce,
} from '../../packages/e2e-tests/src/lib/backend';

export { freePort };

export const REPO_ROOT = path.resolve(__dirname, '../..');
const BACKEND_DIR = path.join(REPO_ROOT, 'packages/backend');

export const POSTGRES_URL =
  process.env.MYCOPOD_BENCH_POSTGRES ??
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
  'postgresql://postgres@127.0.0.1:5432';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface DemoBackend {
  baseUrl: string;
  pid: number;
  database: DatabaseKind;
  /** SQLite: the directory holding `<pluginId>.sqlite`. */
  sqliteDir?: string;
  /** PostgreSQL: the database name prefix (plugin databases are `<prefix><pluginId>`). */
  pgPrefix?: string;
  output(): string;
  /** CPU time (user + system) the process has used, in ms (Linux /proc). */
  cpuMs(): number;
  stop(): Promise<void>;
}

/**
 * Starts the demo backend on a free port. SQLite uses one file per plugin
 * in a temp directory (`backend.database.connection.directory`) so a bench
 * can write into `proxmox.sqlite`; PostgreSQL uses fresh databases under a
 * random prefix, dropped on stop.
 */
export async function startDemoBackend(options: {
  database: DatabaseKind;
  overrides?: Record<string, unknown>;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}): Promise<DemoBackend> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mycopod-bench-'));
  const pgPrefix = `mycopod_bench_${randomBytes(4).toString('hex')}_`;
  const sqliteDir = path.join(tmp, 'sqlite');
  const database =
    options.database === 'postgres'
      ? { client: 'pg', connection: POSTGRES_URL, prefix: pgPrefix }
      : {
          client: 'better-sqlite3',
          connection: { directory: sqliteDir },
        };
  if (options.database === 'sqlite') fs.mkdirSync(sqliteDir);
  const overrides = {
    ...options.overrides,
    app: { baseUrl },
    backend: {
      // e.g. `auth.externalAccess` (a static token for service-only routes)
      ...(options.overrides?.backend as Record<string, unknown> | undefined),
      baseUrl,
      listen: { port, host: '127.0.0.1' },
      cors: { origin: baseUrl },
      database,
    },
  };
  const overrideFile = path.join(tmp, 'app-config.bench.json');
  fs.writeFileSync(overrideFile, JSON.stringify(overrides));

  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      'src/index.ts',
      '--config',
      path.join(REPO_ROOT, 'app-config.yaml'),
      '--config',
      overrideFile,
    ],
    {
      cwd: BACKEND_DIR,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (d: Buffer) => {
    output += d;
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>(resolve =>
    child.once('exit', code => resolve(code)),
  );

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (options.database === 'postgres') {
      await dropDatabases(pgPrefix, POSTGRES_URL);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`backend exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`backend not ready in time:\n${output}`);
    }
    await sleep(300);
  }
  const clkTck = 100; // USER_HZ on Linux
  return {
    baseUrl,
    pid: child.pid!,
    database: options.database,
    ...(options.database === 'sqlite' ? { sqliteDir } : { pgPrefix }),
    output: () => output,
    cpuMs: () => {
      const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[11] = utime, fields[12] = stime (0-based after the comm field)
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / clkTck;
    },
    stop,
  };
}

/**
 * Signs in as a demo persona (persona auth provider); returns the Backstage
 * token. Retries while the catalog has not ingested the demo users yet.
 */
export async function signIn(baseUrl: string, persona: string) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await signInOnce(baseUrl, persona);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(500);
    }
  }
}

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const round1 = (n: number) => Math.round(n * 10) / 10;

export function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    meanMs: round1(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
    p50Ms: round1(percentile(s, 50)),
    p95Ms: round1(percentile(s, 95)),
    p99Ms: round1(percentile(s, 99)),
    maxMs: round1(s[s.length - 1]),
  };
}

export function environment() {
  return {
    date: new Date().toISOString(),
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverage1m: round1(os.loadavg()[0]),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export function writeResults(name: string, results: unknown) {
  const out = path.join(REPO_ROOT, 'bench/results', name);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
  console.log(`written to ${path.relative(process.cwd(), out)}`);
}
