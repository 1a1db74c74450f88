/* A test backend like startTestBackend's, but with the HTTP stack of the
 * demo backend (backend-defaults' httpRouter and a root router that owns
 * its server), so plugins can register WebSocket routes
 * (`httpRouter.addWebSocketHandler`). startTestBackend cannot: its root
 * router has no server (registering a WebSocket route throws) and its
 * httpRouter comes from an older backend-defaults without WebSockets. The
 * server listens on a random port of localhost. */
import { createSpecializedBackend } from '@backstage/backend-app-api';
import {
  BackendFeature,
  ServiceFactory,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { HostDiscovery } from '@backstage/backend-defaults/discovery';
import { httpRouterServiceFactory } from '@backstage/backend-defaults/httpRouter';
import {
  DefaultRootHttpRouter,
  ExtendedHttpServer,
  MiddlewareFactory,
  createHealthRouter,
  createHttpServer,
} from '@backstage/backend-defaults/rootHttpRouter';
import { mockServices } from '@backstage/backend-test-utils';
import {
  actionsRegistryServiceMock,
  actionsServiceMock,
  metricsServiceMock,
  tracingServiceMock,
} from '@backstage/backend-test-utils/alpha';
import { ConfigReader } from '@backstage/config';
import express from 'express';

/** A feature as startTestBackend accepts it (also a dynamic import). */
export type TestFeature =
  | BackendFeature
  | Promise<{ default: BackendFeature }>
  | { default: BackendFeature };

export interface ServerBackend {
  /** The listening server (HTTP and WebSocket upgrades). */
  server: ExtendedHttpServer;
  stop(): Promise<void>;
}

const running = new Set<ServerBackend>();
// a backend a test file left running stops after it (registered on import,
// as startTestBackend does: hooks cannot be added once tests run)
if (typeof afterAll === 'function') {
  afterAll(async () => {
    await Promise.all([...running].map(b => b.stop()));
  });
}

/** The root router and the discovery of the server it listens with. */
function httpServices() {
  let server: ExtendedHttpServer | undefined;
  const rootHttpRouter = createServiceFactory({
    service: coreServices.rootHttpRouter,
    deps: {
      config: coreServices.rootConfig,
      lifecycle: coreServices.rootLifecycle,
      rootLogger: coreServices.rootLogger,
      health: coreServices.rootHealth,
    },
    async factory({ config, lifecycle, rootLogger, health }) {
      const logger = rootLogger.child({ service: 'rootHttpRouter' });
      const app = express();
      const s = await createHttpServer(
        app,
        { listen: { host: '', port: 0 } },
        { logger },
      );
      const router = DefaultRootHttpRouter.create({
        server: s,
        lifecycle,
        logger,
      });
      const middleware = MiddlewareFactory.create({ config, logger });
      app.use(createHealthRouter({ config, health }));
      app.use(router.handler());
      app.use(middleware.notFound());
      app.use(middleware.error());
      lifecycle.addShutdownHook(() => s.stop(), { logger });
      await s.start();
      server = s;
      return router;
    },
  });
  const discovery = createServiceFactory({
    service: coreServices.discovery,
    deps: { rootHttpRouter: coreServices.rootHttpRouter },
    async factory() {
      const port = server!.port();
      return HostDiscovery.fromConfig(
        new ConfigReader({
          backend: { baseUrl: `http://localhost:${port}`, listen: { port } },
        }),
      );
    },
  });
  return {
    factories: [rootHttpRouter, discovery, httpRouterServiceFactory],
    server: () => server,
  };
}

/**
 * Starts a backend with `features` over the mock services startTestBackend
 * uses, except for the HTTP services (see the file comment). A module's
 * plugin must be among the features. Stopped by `stop()`, or after the
 * test file at the latest.
 */
export async function startServerBackend(options: {
  features: TestFeature[];
}): Promise<ServerBackend> {
  const http = httpServices();
  const defaults: ServiceFactory[] = [
    mockServices.auth.factory(),
    mockServices.auditor.factory(),
    mockServices.cache.factory(),
    mockServices.rootConfig.factory(),
    mockServices.database.factory(),
    mockServices.httpAuth.factory(),
    mockServices.lifecycle.factory(),
    mockServices.logger.factory(),
    mockServices.permissions.factory(),
    mockServices.permissionsRegistry.factory(),
    mockServices.rootHealth.factory(),
    mockServices.rootLifecycle.factory(),
    mockServices.rootLogger.factory(),
    mockServices.scheduler.factory(),
    mockServices.userInfo.factory(),
    mockServices.urlReader.factory(),
    mockServices.events.factory(),
    actionsRegistryServiceMock.factory(),
    actionsServiceMock.factory(),
    metricsServiceMock.factory(),
    tracingServiceMock.factory(),
    ...http.factories,
  ];
  const backend = createSpecializedBackend({
    defaultServiceFactories: defaults,
  });
  for (const f of options.features) {
    const feature = await f;
    backend.add('default' in feature ? feature.default : feature);
  }
  const started: ServerBackend = {
    server: undefined as unknown as ExtendedHttpServer,
    stop: async () => {
      running.delete(started);
      await backend.stop();
    },
  };
  running.add(started);
  try {
    await backend.start();
  } catch (e) {
    await started.stop().catch(() => undefined);
    throw e;
  }
  started.server = http.server()!;
  return started;
}
