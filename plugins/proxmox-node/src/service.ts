import {
  ServiceFactory,
  ServiceRef,
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type { Dispatcher } from 'undici';
import { ProxmoxClusterConfig, readProxmoxClustersConfig } from './config';
import { ProxmoxClient } from './ProxmoxClient';
import { createProxmoxPool } from './transport';
import { KeyedSemaphore, VmidClaims } from './vmidClaims';

/**
 * The configured Proxmox clusters, by name.
 *
 * @public
 */
export interface ProxmoxClusters {
  /** Names of the configured clusters, in config order. */
  list(): string[];
  /** The client of a cluster; throws `NotFoundError` for unknown names. */
  get(name: string): ProxmoxClient;
}

interface RootContext {
  clusters: ProxmoxClusterConfig[];
  shared: Map<
    string,
    { dispatcher: Dispatcher; claims: VmidClaims; cloneLimiter: KeyedSemaphore }
  >;
}

/**
 * Service ref for the configured Proxmox clusters (`proxmox.clusters`).
 *
 * Plugin scoped so each plugin's client logs through its own logger, while
 * the connection pool, the in-process VMID claims and the per-template clone
 * limiter of each cluster are created once per backend process (root
 * context) and shared by all plugins.
 *
 * @public
 */
export const proxmoxClustersServiceRef: ServiceRef<
  ProxmoxClusters,
  'plugin',
  'singleton'
> = createServiceRef<ProxmoxClusters>({
  id: 'mycopod.proxmox.clusters',
  scope: 'plugin',
  defaultFactory: async service => createProxmoxClustersFactory(service),
});

function createProxmoxClustersFactory(
  service: ServiceRef<ProxmoxClusters, 'plugin', 'singleton'>,
): ServiceFactory<ProxmoxClusters, 'plugin', 'singleton'> {
  return createServiceFactory({
    service,
    deps: {
      rootConfig: coreServices.rootConfig,
      rootLogger: coreServices.rootLogger,
      rootLifecycle: coreServices.rootLifecycle,
      logger: coreServices.logger,
    },
    createRootContext({ rootConfig, rootLogger, rootLifecycle }): RootContext {
      const clusters = readProxmoxClustersConfig(rootConfig);
      const logger = rootLogger.child({ service: 'proxmox-clusters' });
      const shared: RootContext['shared'] = new Map();
      for (const c of clusters) {
        shared.set(c.name, {
          dispatcher: createProxmoxPool(c, logger.child({ cluster: c.name })),
          claims: new VmidClaims(),
          cloneLimiter: new KeyedSemaphore(4),
        });
      }
      rootLifecycle.addShutdownHook(async () => {
        await Promise.allSettled(
          Array.from(shared.values(), s => s.dispatcher.close()),
        );
      });
      logger.info(
        clusters.length
          ? `Proxmox clusters configured: ${clusters
              .map(c => c.name)
              .join(', ')}`
          : 'No Proxmox clusters configured (proxmox.clusters)',
      );
      return { clusters, shared };
    },
    factory({ logger }, ctx): ProxmoxClusters {
      const clients = new Map<string, ProxmoxClient>();
      for (const c of ctx.clusters) {
        const s = ctx.shared.get(c.name)!;
        clients.set(
          c.name,
          new ProxmoxClient({
            cluster: c,
            logger: logger.child({ cluster: c.name }),
            dispatcher: s.dispatcher,
            vmidClaims: s.claims,
            cloneLimiter: s.cloneLimiter,
          }),
        );
      }
      return {
        list: () => Array.from(clients.keys()),
        get: (name: string) => {
          const client = clients.get(name);
          if (!client) {
            throw new NotFoundError(
              `No Proxmox cluster named '${name}' is configured`,
            );
          }
          return client;
        },
      };
    },
  });
}

/**
 * Factory of {@link proxmoxClustersServiceRef} (also its default factory, so
 * adding it to the backend is optional).
 *
 * @public
 */
export const proxmoxClustersServiceFactory: ServiceFactory<
  ProxmoxClusters,
  'plugin',
  'singleton'
> = createProxmoxClustersFactory(proxmoxClustersServiceRef);
