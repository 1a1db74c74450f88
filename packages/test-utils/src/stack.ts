/* A real Backstage test backend with the real permission backend, the
 * MycoPod policy and the shared mock services, around the proxmox plugin
 * (or a stand-in) the caller passes in. */
import { mockServices } from '@backstage/backend-test-utils';
import permissionBackend from '@backstage/plugin-permission-backend';
import policyModule from '@mycopod/plugin-permission-backend-module-mycopod-policy';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import type { Server } from 'node:http';
import {
  capturingNotificationsAndSignals,
  capturingRootLogger,
  userInfoServiceFactory,
  userTokenAuthServiceFactory,
  type Sent,
} from './services';
import { startServerBackend, type TestFeature } from './serverBackend';
import { clustersConfig } from './simulator';

/** A database client as `TestDatabases.init` returns it. */
export type Knex = NonNullable<
  Parameters<typeof mockServices.database.factory>[0]
>['knex'];

export interface ProxmoxStackOptions {
  /** The proxmox plugin (or a stand-in) and any more features. */
  features: TestFeature[];
  /** Every plugin's database; without it pass a database factory in `features`. */
  knex?: Knex;
  /** The PVE simulator whose clusters `proxmox.clusters` points at... */
  sim?: RunningSimulator;
  /** ...or these clusters. */
  clusters?: Array<{ name: string; url: string }>;
  /** Overrides of every simulator cluster's config (e.g. a wrong token secret). */
  cluster?: Record<string, unknown>;
  /** The client's retry attempts against the simulator (default 6). */
  maxAttempts?: number;
  /** Config under `proxmox.executor`, over the fast test defaults. */
  executor?: Record<string, unknown>;
  /** More config under `proxmox`. */
  proxmox?: Record<string, unknown>;
  /** More top-level config (e.g. `catalog`). */
  config?: Record<string, unknown>;
  /** User entity ref → group refs (default: every persona). */
  users?: Readonly<Record<string, readonly string[]>>;
}

export interface ProxmoxStack {
  server: Server;
  backend: { stop(): Promise<void> };
  /** Every log line of the backend. */
  logs: string[];
  /** The notifications and signals the backend sent. */
  sent: Sent;
}

export async function startProxmoxStack(
  options: ProxmoxStackOptions,
): Promise<ProxmoxStack> {
  const logs: string[] = [];
  const sent: Sent = { notifications: [], signals: [] };
  const clusters = options.sim
    ? clustersConfig(options.sim, options.cluster, options.maxAttempts)
    : options.clusters ?? [];
  // the demo backend's HTTP stack: WebSocket routes work (the console)
  const backend = await startServerBackend({
    features: [
      ...options.features,
      permissionBackend,
      policyModule,
      userInfoServiceFactory(options.users),
      userTokenAuthServiceFactory,
      ...(options.knex
        ? [mockServices.database.factory({ knex: options.knex })]
        : []),
      capturingRootLogger(logs),
      ...capturingNotificationsAndSignals(sent),
      mockServices.rootConfig.factory({
        data: {
          ...options.config,
          permission: { enabled: true },
          proxmox: {
            clusters,
            executor: {
              pollIntervalMs: 100,
              leaseMs: 5_000,
              ...options.executor,
            },
            // suites send thousands of writes as one user: limits far away
            // (the rate limit tests set their own)
            rateLimits: {
              writes: { limit: 1_000_000, windowSeconds: 60 },
              actions: { limit: 1_000_000, windowSeconds: 60 },
            },
            ...options.proxmox,
          },
        },
      }),
    ],
  });
  return { server: backend.server, backend, logs, sent };
}
