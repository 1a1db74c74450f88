import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import {
  DEFAULT_TOKEN,
  DEFAULT_USER,
  SimContext,
  SimulatorTimings,
  SimulatorToken,
  SimulatorUser,
  TimingProfileName,
  timingProfile,
} from './context';
import {
  createControl,
  listGuests,
  SimGuestFilter,
  SimGuestInfo,
  statsOf,
} from './control';
import {
  closeVncProxies,
  consoleRoutes,
  createUpgradeHandler,
  issuedVncTickets,
  setConsoleCaCert,
} from './console';
import { FaultEngine, FaultSpec } from './faults';
import { Router } from './http/router';
import { createRequestHandler, StatsCollector } from './http/server';
import { clusterRoutes } from './routes/cluster';
import { firewallRoutes } from './routes/firewall';
import { qemuRoutes } from './routes/qemu';
import { taskRoutes } from './routes/tasks';
import type { RouteDef } from './routes/types';
import { buildState, FleetSpec, resolveFleet } from './state/fleet';
import { TaskRunner } from './state/tasks';
import type { SimState } from './state/types';
import { prepareTls } from './tls';
import { makeRng } from './util';

/** Options of {@link startSimulator}. @public */
export interface SimulatorOptions {
  /** listen address (default 127.0.0.1) */
  host?: string;
  /** base port: cluster i listens on port + i; 0 = random ports (default 0) */
  port?: number;
  /** `'demo'` (default), `'large:<clusters>x<nodes>x<guests>'` or a {@link FleetSpec} */
  fleet?: 'demo' | string | FleetSpec;
  /** seed for fleet generation, generated ids/MACs and fault decisions (default 1) */
  seed?: number;
  /**
   * directory for ca.pem (+ ca-key.pem, server.pem, server-key.pem); an existing
   * CA there is reused. Default: a new temp dir, removed again by `stop()`.
   */
  tlsDir?: string;
  /** accepted API tokens (default: [{@link DEFAULT_TOKEN} as admin]) */
  tokens?: SimulatorToken[];
  /** users for POST /access/ticket (default: [{@link DEFAULT_USER} as admin]) */
  users?: SimulatorUser[];
  /** timing profile the `timings` are applied over (default `'default'`) */
  timingProfile?: TimingProfileName;
  timings?: SimulatorTimings;
  faults?: FaultSpec;
}

/** A simulator started by {@link startSimulator}. @public */
export interface RunningSimulator {
  clusters: Array<{ name: string; url: string; port: number }>;
  caCertPem: string;
  caCertFile: string;
  /** the default admin token (first admin token of the options) */
  token: { tokenId: string; secret: string };
  setFaults(f: FaultSpec | undefined): void;
  getFaults(): FaultSpec;
  stats(): { calls: Record<string, number>; total: number };
  resetStats(): void;
  /** every guest of the fleet (what `GET /_sim/guests` answers) */
  guests(filter?: SimGuestFilter): SimGuestInfo[];
  /** the mutable in-memory model (for test assertions) */
  state: SimState;
  /** effective timings */
  timings: Required<SimulatorTimings>;
  /** the tickets `vncproxy` answered so far, oldest first (leak checks in tests) */
  vncTickets(): string[];
  stop(): Promise<void>;
}

export const ALL_ROUTES: RouteDef[] = [
  ...clusterRoutes,
  ...qemuRoutes,
  ...taskRoutes,
  ...firewallRoutes,
  ...consoleRoutes,
];

function urlHost(host: string) {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts the simulator: one HTTPS listener per cluster, all sharing one CA. @public */
export async function startSimulator(
  opts: SimulatorOptions = {},
): Promise<RunningSimulator> {
  const seed = opts.seed ?? 1;
  const host = opts.host ?? '127.0.0.1';
  const state = buildState(resolveFleet(opts.fleet, seed), seed);
  const extraHosts: string[] = [];
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    extraHosts.push(host === '0.0.0.0' || host === '::' ? os.hostname() : host);
  }
  const tls = prepareTls(opts.tlsDir, extraHosts);
  for (const c of state.clusters)
    for (const n of c.nodes.values()) n.sslFingerprint = tls.serverFingerprint;

  const timings = {
    ...timingProfile(opts.timingProfile ?? 'default'),
    ...(opts.timings ?? {}),
  };
  const faults = new FaultEngine(seed);
  faults.set(opts.faults);
  const tokens = opts.tokens ?? [
    { ...DEFAULT_TOKEN, privileges: 'admin' as const },
  ];
  const users = opts.users ?? [
    { ...DEFAULT_USER, privileges: 'admin' as const },
  ];
  const tasks = new TaskRunner({
    lockWaitMs: () => timings.lockWaitMs,
    decideFailure: type => faults.taskFailure(type),
    visibilityLagMs: () => faults.taskVisibilityLagMs(),
    startDelayMs: () => timings.taskStartMs,
  });
  const sim: SimContext = {
    state,
    timings,
    tasks,
    faults,
    rng: makeRng(`sim:${seed}`),
    tokens: new Map(tokens.map(t => [t.tokenId, t])),
    users: new Map(users.map(u => [u.userid, u])),
    ticketSecret: randomBytes(32),
  };
  setConsoleCaCert(sim, tls.caCertPem);
  const router = new Router(ALL_ROUTES);
  const stats: StatsCollector = { calls: new Map(), total: 0 };
  const timers = new Set<NodeJS.Timeout>();

  const statsSnapshot = () => statsOf(stats);
  const resetStats = () => {
    stats.calls.clear();
    stats.total = 0;
  };
  const control = createControl({
    seed,
    state,
    faults,
    tasks,
    stats: statsSnapshot,
    resetStats,
  });

  const servers: https.Server[] = [];
  const clusters: RunningSimulator['clusters'] = [];
  try {
    for (const cluster of state.clusters) {
      const handler = createRequestHandler({
        sim,
        cluster,
        router,
        stats,
        control,
        timers,
      });
      const server = https.createServer(
        {
          key: tls.serverKeyPem,
          cert: tls.serverCertPem,
          keepAliveTimeout: 5000,
        },
        handler,
      );
      // WebSocket upgrades (vncwebsocket) run through the same handler
      server.on('upgrade', createUpgradeHandler({ cluster, handler }));
      const port = opts.port ? opts.port + cluster.index : 0;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      servers.push(server);
      const actual = (server.address() as AddressInfo).port;
      clusters.push({
        name: cluster.name,
        url: `https://${urlHost(host)}:${actual}`,
        port: actual,
      });
    }
  } catch (e) {
    await Promise.all(
      servers.map(s => new Promise(r => s.close(() => r(undefined)))),
    );
    throw e;
  }

  const admin =
    tokens.find(t => !t.acl && (t.privileges ?? 'admin') === 'admin') ??
    tokens[0];
  let stopped = false;
  return {
    clusters,
    caCertPem: tls.caCertPem,
    caCertFile: tls.caCertFile,
    token: { tokenId: admin?.tokenId ?? '', secret: admin?.secret ?? '' },
    setFaults: f => faults.set(f),
    getFaults: () => faults.get(),
    stats: statsSnapshot,
    resetStats,
    guests: filter => listGuests(state, filter),
    state,
    timings,
    vncTickets: () => issuedVncTickets(state.clusters),
    async stop() {
      if (stopped) return;
      stopped = true;
      // upgraded (console) sockets would keep the servers from closing
      closeVncProxies(state.clusters);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all(
        servers.map(
          s =>
            new Promise<void>(resolve => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
      for (const c of state.clusters) c.locks.clear();
      await tasks.stopAll();
      if (tls.temporary) fs.rmSync(tls.dir, { recursive: true, force: true });
    },
  };
}
