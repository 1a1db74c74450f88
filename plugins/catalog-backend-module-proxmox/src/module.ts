import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { ANNOTATION_LOCATION, type Entity } from '@backstage/catalog-model';
import {
  catalogProcessingExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { readProviderConfig } from './config';
import { GuestEventHandler, GUEST_EVENT_TOPICS } from './GuestEventHandler';
import { InventoryReader } from './InventoryReader';
import { ProxmoxEntityProvider } from './ProxmoxEntityProvider';

/** Subscription id of the guest events: one replica handles each event. */
export const EVENTS_SUBSCRIBER_ID = 'proxmox-entity-provider';

/**
 * Catalog module: one entity provider per configured Proxmox cluster
 * (`proxmox-provider:<cluster>`), fed by the proxmox-backend inventory on a
 * schedule and by `proxmox.guest.*` events.
 */
export const catalogModuleProxmoxEntityProvider = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'proxmox-entity-provider',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        catalogApi: catalogServiceRef,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        events: eventsServiceRef,
        lifecycle: coreServices.lifecycle,
      },
      async init(deps) {
        const { catalog, config, logger, scheduler, auth, events } = deps;
        const providerConfig = readProviderConfig(config);
        const reader = new InventoryReader({
          discovery: deps.discovery,
          auth,
        });
        const baselineSource = async (location: string) => {
          const { items } = await deps.catalogApi.getEntities(
            {
              filter: {
                [`metadata.annotations.${ANNOTATION_LOCATION}`]: location,
              },
            },
            { credentials: await auth.getOwnServiceCredentials() },
          );
          return items.map((e): Entity => {
            const { uid: _uid, etag: _etag, ...metadata } = e.metadata;
            return {
              apiVersion: e.apiVersion,
              kind: e.kind,
              metadata,
              spec: e.spec,
            };
          });
        };
        const providers = providerConfig.clusters.map(
          cluster =>
            new ProxmoxEntityProvider({
              cluster,
              config: providerConfig,
              reader,
              logger,
              baselineSource,
              taskRunner: scheduler.createScheduledTaskRunner(
                providerConfig.schedule,
              ),
            }),
        );
        catalog.addEntityProvider(providers);

        const handler = new GuestEventHandler({ providers, logger });
        deps.lifecycle.addShutdownHook(() => handler.stop());
        await events.subscribe({
          id: EVENTS_SUBSCRIBER_ID,
          topics: [...GUEST_EVENT_TOPICS],
          onEvent: async params => handler.onEvent(params),
        });
      },
    });
  },
});
