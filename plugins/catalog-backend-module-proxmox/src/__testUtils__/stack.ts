/* Test helpers: a real catalog backend with this module, either the real
 * proxmox backend (permission backend, MycoPod policy, PVE simulator over
 * HTTPS) or a stand-in `proxmox` plugin serving a fixed inventory. */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  type TestDatabases,
} from '@backstage/backend-test-utils';
import {
  BackstageCredentials,
  BackstageUserPrincipal,
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import catalogBackend from '@backstage/plugin-catalog-backend';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import permissionBackend from '@backstage/plugin-permission-backend';
import type { ProxmoxInventory } from '@mycopod/plugin-proxmox-common';
import policyModule from '@mycopod/plugin-permission-backend-module-mycopod-policy';
// The tests need the real proxmox backend to read; the module itself only
// calls it over HTTP.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import proxmoxPlugin from '@mycopod/plugin-proxmox-backend';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import type { Server } from 'node:http';
import request from 'supertest';
import catalogModule from '../index';

export type Knex = Awaited<ReturnType<TestDatabases['init']>>;

export const USERS: Record<string, string[]> = {
  'user:default/dev': ['group:default/team-a'],
  'user:default/admin': ['group:default/platform-admins'],
};

const userInfoFactory = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: BackstageCredentials) {
      const ref = (credentials.principal as BackstageUserPrincipal)
        .userEntityRef;
      return {
        userEntityRef: ref,
        ownershipEntityRefs: [ref, ...(USERS[ref] ?? [])],
      };
    },
  }),
});

/** Mock auth whose on-behalf-of user tokens carry the calling plugin as actor. */
const authFactory = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const base = mockServices.auth({ pluginId: plugin.getId() });
    return {
      authenticate: base.authenticate.bind(base),
      isPrincipal: base.isPrincipal.bind(base) as typeof base.isPrincipal,
      getNoneCredentials: base.getNoneCredentials.bind(base),
      getOwnServiceCredentials: base.getOwnServiceCredentials.bind(base),
      getLimitedUserToken: base.getLimitedUserToken.bind(base),
      listPublicServiceKeys: base.listPublicServiceKeys.bind(base),
      async getPluginRequestToken(options: {
        onBehalfOf: BackstageCredentials;
        targetPluginId: string;
      }) {
        const p = options.onBehalfOf.principal as BackstageUserPrincipal;
        if (p.type === 'user') {
          return {
            token: mockCredentials.user.token(p.userEntityRef, {
              actor: { subject: `plugin:${plugin.getId()}` },
            }),
          };
        }
        return base.getPluginRequestToken(options);
      },
    };
  },
});

/** Every log line of the backend, as text. */
function capturingRootLogger(lines: string[]) {
  const make = (meta: Record<string, unknown>): any => {
    const log = (level: string) => (message: string, extra?: unknown) =>
      lines.push(
        `${level} ${message} ${JSON.stringify({ ...meta, ...(extra as {}) })}`,
      );
    return {
      error: log('error'),
      warn: log('warn'),
      info: log('info'),
      debug: log('debug'),
      child: (m: Record<string, unknown>) => make({ ...meta, ...m }),
    };
  };
  return createServiceFactory({
    service: coreServices.rootLogger,
    deps: {},
    factory: () => make({}),
  });
}

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
  const logs: string[] = [];
  const scheduler = mockServices.scheduler() as ReturnType<
    typeof mockServices.scheduler
  > & {
    factory(o?: object): any;
    triggerTask(id: string): Promise<void>;
  };
  const { events, factory: eventsFactory } = sharedEvents();
  const sim = options.sim;
  const clusters = sim
    ? sim.clusters.map(c => ({
        name: c.name,
        url: c.url,
        tokenId: sim.token.tokenId,
        tokenSecret: sim.token.secret,
        caCert: sim.caCertPem,
        retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 200 },
        timeouts: { requestMs: 5_000, connectMs: 2_000, taskMs: 30_000 },
      }))
    : options.clusters ?? [];
  const backend = await startTestBackend({
    features: [
      catalogBackend,
      catalogModule,
      permissionBackend,
      policyModule,
      sim ? proxmoxPlugin : fakeProxmoxPlugin(options.fake!),
      userInfoFactory,
      authFactory,
      eventsFactory,
      scheduler.factory(),
      databaseFactory(options.catalogKnex, options.otherKnex),
      capturingRootLogger(logs),
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          catalog: { processingInterval: { seconds: 1 } },
          proxmox: {
            clusters,
            executor: { pollIntervalMs: 100, leaseMs: 5_000 },
            catalog: {
              defaultOwner: 'group:default/platform-admins',
              ...options.catalogConfig,
            },
          },
        },
      }),
    ],
  });
  const server = backend.server;
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
