/* Test helpers: a real catalog backend with this module, either the real
 * proxmox backend (permission backend, MycoPod policy, PVE simulator over
 * HTTPS) or a stand-in `proxmox` plugin serving a fixed inventory. */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import catalogBackend from '@backstage/plugin-catalog-backend';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import type { ProxmoxInventory } from '@mycopod/plugin-proxmox-common';
// The tests need the real proxmox backend to read; the module itself only
// calls it over HTTP.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import proxmoxPlugin from '@mycopod/plugin-proxmox-backend';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { startProxmoxStack, type Knex } from '@mycopod/test-utils';
import type { Server } from 'node:http';
import request from 'supertest';
import catalogModule from '../index';

export type { Knex } from '@mycopod/test-utils';

/** The catalog on the database under test; any other plugin on its own SQLite. */
function databaseFactory(catalogKnex: Knex, otherKnex: () => Promise<Knex>) {
  let other: Promise<Knex> | undefined;
  return createServiceFactory({
    service: coreServices.database,
    deps: { plugin: coreServices.pluginMetadata },
    factory: ({ plugin }) => ({
      getClient: async () => {
        if (plugin.getId() === 'catalog') return catalogKnex;
        other ??= otherKnex();
        return other;
      },
    }),
  });
}

/** One in-memory events broker for every plugin, like the events backend. */
function sharedEvents() {
  const events = mockServices.events();
  return {
    events,
    factory: createServiceFactory({
      service: eventsServiceRef,
      deps: {},
      factory: () => events,
    }),
  };
}

/** A stand-in `proxmox` plugin answering `GET /inventory` from `state`. */
export interface FakeInventory {
  inventory: ProxmoxInventory;
  /** Answer with this HTTP status instead (e.g. 503). */
  failWith?: number;
  calls: number;
}

function fakeProxmoxPlugin(state: FakeInventory) {
  return createBackendPlugin({
    pluginId: 'proxmox',
    register(env) {
      env.registerInit({
        deps: {
          http: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
        },
        async init({ http, httpAuth }) {
          http.use(async (req, res, next) => {
            if (req.method !== 'GET' || req.path !== '/inventory') {
              next();
              return;
            }
            try {
              await httpAuth.credentials(req, { allow: ['service'] });
            } catch {
              res.status(401).end();
              return;
            }
            state.calls++;
            if (state.failWith) {
              res.status(state.failWith).json({ error: { message: 'down' } });
              return;
            }
            const etag = `"${JSON.stringify(state.inventory).length}-${
              state.inventory.hash
            }"`;
            res.setHeader('ETag', etag);
            if (req.header('if-none-match') === etag) {
              res.status(304).end();
              return;
            }
            res.json(state.inventory);
          });
        },
      });
    },
  });
}

export interface CatalogStack {
  server: Server;
  logs: string[];
  events: ReturnType<typeof mockServices.events>;
  /** Runs the scheduled full refresh of a cluster's provider and waits for it. */
  refresh(cluster: string): Promise<void>;
  /** The catalog's entities managed by `proxmox:<cluster>` (all clusters without one). */
  entities(cluster?: string): Promise<Entity[]>;
  entity(name: string): Promise<Entity | undefined>;
  /** Waits until `check` holds for the entity (or its absence), or throws. */
  waitFor(
    name: string,
    check: (e: Entity | undefined) => boolean,
    timeoutMs?: number,
  ): Promise<Entity | undefined>;
  stop(): Promise<void>;
}

export async function startCatalogStack(options: {
  catalogKnex: Knex;
  otherKnex: () => Promise<Knex>;
  /** The real proxmox backend on this simulator... */
  sim?: RunningSimulator;
  /** ...or the stand-in serving this state. */
  fake?: FakeInventory;
  /** Clusters when using the stand-in. */
  clusters?: Array<{ name: string; url: string }>;
  catalogConfig?: Record<string, unknown>;
}): Promise<CatalogStack> {
  const scheduler = mockServices.scheduler() as ReturnType<
    typeof mockServices.scheduler
  > & {
    factory(o?: object): any;
    triggerTask(id: string): Promise<void>;
  };
  const { events, factory: eventsFactory } = sharedEvents();
  const { server, backend, logs } = await startProxmoxStack({
    sim: options.sim,
    maxAttempts: 3,
    clusters: options.clusters,
    features: [
      catalogBackend,
      catalogModule,
      options.sim ? proxmoxPlugin : fakeProxmoxPlugin(options.fake!),
      eventsFactory,
      scheduler.factory(),
      databaseFactory(options.catalogKnex, options.otherKnex),
    ],
    config: { catalog: { processingInterval: { seconds: 1 } } },
    proxmox: {
      catalog: {
        defaultOwner: 'group:default/platform-admins',
        ...options.catalogConfig,
      },
    },
  });
  const service = () => mockCredentials.service.header();

  const entity = async (name: string) => {
    const res = await request(server)
      .get(`/api/catalog/entities/by-name/resource/default/${name}`)
      .set('Authorization', service());
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`catalog answered ${res.status}`);
    return res.body as Entity;
  };
  return {
    server,
    logs,
    events,
    refresh: id => scheduler.triggerTask(`proxmox-provider:${id}:refresh`),
    async entities(cluster?: string) {
      const res = await request(server)
        .get('/api/catalog/entities')
        .query({
          filter: cluster
            ? `metadata.annotations.backstage.io/managed-by-location=proxmox:${cluster}`
            : 'kind=resource',
        })
        .set('Authorization', service());
      if (res.status !== 200) throw new Error(`catalog answered ${res.status}`);
      return (res.body as Entity[]).sort((a, b) =>
        a.metadata.name < b.metadata.name ? -1 : 1,
      );
    },
    entity,
    async waitFor(name, check, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const e = await entity(name);
        if (check(e)) return e;
        if (Date.now() > deadline) {
          throw new Error(
            `entity ${name} did not settle: ${JSON.stringify(e?.spec)}`,
          );
        }
        await new Promise(r => setTimeout(r, 100));
      }
    },
    async stop() {
      await backend.stop();
    },
  };
}
