import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

// These tests only ever run from source, so __dirname is this folder.
// eslint-disable-next-line no-restricted-syntax
export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'artifacts');
const BACKEND_DIR = path.join(REPO_ROOT, 'packages/backend');

export type DatabaseKind = 'sqlite' | 'postgres';

/** PostgreSQL connection string for tests, if PostgreSQL is available. */
export const postgresConnectionString =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;

/** The databases every smoke suite runs on: SQLite always, PostgreSQL when configured. */
export const databases: DatabaseKind[] = postgresConnectionString
  ? ['sqlite', 'postgres']
  : ['sqlite'];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningBackend {
  baseUrl: string;
  /** The process id of the backend process. */
  pid: number;
  output(): string;
  stop(): Promise<void>;
  /**
   * Kills the process with SIGKILL (no shutdown hooks run) and waits for it
   * to exit. Leaves the database alone.
   */
  kill(): Promise<void>;
}

export interface StartBackendOptions {
  database: DatabaseKind;
  env?: Record<string, string>;
  /** Resolve when the process exits instead of waiting for readiness. */
  expectExit?: boolean;
  readyTimeoutMs?: number;
  /**
   * PostgreSQL database prefix. Replicas started with the same prefix share
   * their databases; the caller owns them (stop() does not drop them, see
   * {@link dropDatabases}). Default: a fresh prefix dropped by stop().
   */
  databasePrefix?: string;
  /** More app-config, applied over app-config.yaml and the test overrides. */
  config?: Record<string, unknown>;
  /** Also append the process output to this file. */
  logFile?: string;
}

/** A fresh PostgreSQL database prefix for {@link StartBackendOptions.databasePrefix}. */
export function newDatabasePrefix(): string {
  return `mycopod_e2e_${randomBytes(4).toString('hex')}_`;
}

/**
 * Starts the real demo backend process (packages/backend/src/index.ts, run
 * the way `backstage-cli package start` runs it, without the file watcher) on
 * a free port, with app-config.yaml plus per-test overrides.
 */
export async function startBackend(
  options: StartBackendOptions,
): Promise<RunningBackend & { exitCode?: number | null }> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const dbPrefix = options.databasePrefix ?? newDatabasePrefix();
  const ownsDatabases = options.databasePrefix === undefined;
  const database =
    options.database === 'postgres'
      ? {
          client: 'pg',
          connection: postgresConnectionString,
          prefix: dbPrefix,
        }
      : { client: 'better-sqlite3', connection: ':memory:' };
  const overrides = {
    app: { baseUrl },
    backend: {
      baseUrl,
      listen: { port, host: '127.0.0.1' },
      cors: { origin: baseUrl },
      database,
    },
  };
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mycopod-e2e-'));
  const overrideFile = path.join(configDir, 'app-config.e2e.json');
  fs.writeFileSync(overrideFile, JSON.stringify(overrides));
  const extraConfig: string[] = [];
  if (options.config) {
    const extraFile = path.join(configDir, 'app-config.e2e-extra.json');
    fs.writeFileSync(extraFile, JSON.stringify(options.config));
    extraConfig.push('--config', extraFile);
  }

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
      ...extraConfig,
    ],
    {
      cwd: BACKEND_DIR,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const log = options.logFile
    ? fs.createWriteStream(options.logFile, { flags: 'a' })
    : undefined;
  const onData = (d: Buffer) => {
    output += d;
    log?.write(d);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>(resolve =>
    child.once('exit', code => {
      log?.end();
      resolve(code);
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;

  const kill = async () => {
    if (alive()) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const stop = async () => {
    if (alive()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (options.database === 'postgres' && ownsDatabases) {
      await dropDatabases(dbPrefix);
    }
  };

  if (options.expectExit) {
    const exitCode = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`backend did not exit:\n${output}`)),
          options.readyTimeoutMs ?? 120_000,
        ),
      ),
    ]).catch(async e => {
      await stop();
      throw e;
    });
    return {
      baseUrl,
      pid: child.pid!,
      exitCode,
      output: () => output,
      stop,
      kill,
    };
  }

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (!alive()) {
      await stop();
      throw new Error(
        `backend exited with ${child.exitCode ?? child.signalCode}:\n${output}`,
      );
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
    await new Promise(r => setTimeout(r, 500));
  }
  return { baseUrl, pid: child.pid!, output: () => output, stop, kill };
}

/** Drops every PostgreSQL database whose name starts with `prefix`. */
export async function dropDatabases(
  prefix: string,
  connectionString = postgresConnectionString,
) {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

export interface PersonaSession {
  token: string;
  userEntityRef: string;
  ownershipEntityRefs: string[];
}

/** Signs in as a demo persona through the auth backend's persona provider. */
export async function signIn(
  baseUrl: string,
  persona: string,
): Promise<PersonaSession> {
  const res = await fetch(`${baseUrl}/api/auth/persona/refresh`, {
    headers: {
      'x-mycopod-persona': persona,
      'x-requested-with': 'XMLHttpRequest',
    },
  });
  if (!res.ok) {
    throw new Error(
      `sign-in as ${persona} failed: ${res.status} ${await res.text()}`,
    );
  }
  const body = await res.json();
  return {
    token: body.backstageIdentity.token,
    userEntityRef: body.backstageIdentity.identity.userEntityRef,
    ownershipEntityRefs: body.backstageIdentity.identity.ownershipEntityRefs,
  };
}

/** Polls until `fn` returns a value, or fails with the last error. */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out; last error: ${lastError ?? 'none'}`);
    }
    await new Promise(r => setTimeout(r, 500));
  }
}
