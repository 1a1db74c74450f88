import {
  coreServices,
  createBackendPlugin,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { createConditionTransformer } from '@backstage/plugin-permission-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  proxmoxDraftCreatePermission,
  proxmoxGuestPermissions,
  proxmoxRequestCreatePermission,
  proxmoxRequestPermissions,
} from '@mycopod/plugin-proxmox-common';
import { proxmoxClustersServiceRef } from '@mycopod/plugin-proxmox-node';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { JobStore } from './database/JobStore';
import { RequestStore } from './database/RequestStore';
import { ProvisioningExecutor, readExecutorConfig } from './executor';
import { InventoryService } from './inventory/InventoryService';
import { LiveService } from './inventory/LiveService';
import {
  guestPermissionRules,
  guestResourceRef,
  parseGuestEntityRef,
} from './permissions/guestRules';
import {
  requestPermissionRules,
  requestResourceRef,
} from './permissions/rules';
import { readPolicyConfig } from './policy';
import { createRouter } from './router/createRouter';
import { addInventoryRoutes } from './router/inventoryRoutes';
import { addLiveRoutes } from './router/liveRoutes';
import { readApproverGroups } from './config';
import { createPolicyChoices } from './service/policyChoices';
import { RequestNotifier } from './service/RequestNotifier';
import { RequestService } from './service/RequestService';
import { RequestStateMachine } from './service/RequestStateMachine';

/**
 * The MycoPod backend plugin (`/api/proxmox`): VM requests and approvals,
 * the policy engine, the provisioning executor, live options and the
 * inventory the catalog reads.
 *
 * @public
 */
export const proxmoxPlugin = createBackendPlugin({
  pluginId: 'proxmox',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        userInfo: coreServices.userInfo,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        notifications: notificationService,
        signals: signalsServiceRef,
        events: eventsServiceRef,
        clusters: proxmoxClustersServiceRef,
      },
      async init(deps) {
        const { config, database, logger, permissionsRegistry } = deps;
        const knex = await database.getClient();
        if (!database.migrations?.skip) {
          await knex.migrate.latest({
            directory: resolvePackagePath(
              '@mycopod/plugin-proxmox-backend',
              'migrations',
            ),
          });
        }
        const policy = readPolicyConfig(config);
        const approverGroups = readApproverGroups(config);
        const store = new RequestStore(knex);
        const jobs = new JobStore(knex);

        permissionsRegistry.addPermissions([
          proxmoxRequestCreatePermission,
          proxmoxDraftCreatePermission,
        ]);
        permissionsRegistry.addResourceType({
          resourceRef: requestResourceRef,
          permissions: proxmoxRequestPermissions,
          rules: Object.values(requestPermissionRules),
          getResources: async ids => {
            const found = await store.getMany(ids);
            return ids.map(id => found.get(id));
          },
        });
        const transformConditions = createConditionTransformer(
          permissionsRegistry.getPermissionRuleset(requestResourceRef),
        );

        // guests: resource ref = the guest's entity ref; the owner comes from
        // the request that created it (none for guests made elsewhere)
        permissionsRegistry.addResourceType({
          resourceRef: guestResourceRef,
          permissions: proxmoxGuestPermissions,
          rules: Object.values(guestPermissionRules),
          getResources: async refs => {
            const names = deps.clusters.list();
            const parsed = refs.map(ref => parseGuestEntityRef(ref, names));
            const records = new Map<
              string,
              Awaited<ReturnType<typeof store.guestOwners>>
            >();
            for (const cluster of new Set(parsed.map(p => p?.cluster))) {
              if (!cluster) continue;
              const vmids = parsed
                .filter(p => p?.cluster === cluster)
                .map(p => p!.vmid);
              records.set(cluster, await store.guestOwners(cluster, vmids));
            }
            return parsed.map(p => {
              if (!p) return undefined;
              const record = records.get(p.cluster)?.get(p.vmid);
              return {
                ...p,
                ...(record
                  ? { owner: record.owner, requestId: record.requestId }
                  : {}),
              };
            });
          },
        });

        const inventory = new InventoryService({
          clusters: deps.clusters,
          logger,
          guestOwners: (cluster, vmids) => store.guestOwners(cluster, vmids),
        });
        const notifier = new RequestNotifier({
          logger,
          auditor: deps.auditor,
          notifications: deps.notifications,
          signals: deps.signals,
          events: deps.events,
          approverGroups,
          // a guest MycoPod changed shows in the next inventory at once
          onGuestChanged: cluster => inventory.invalidate(cluster),
        });
        const stateMachine = new RequestStateMachine(store, notifier);
        const live = new LiveService({
          inventory,
          clusters: deps.clusters,
          logger,
        });
        const executorConfig = readExecutorConfig(config);
        const executor = new ProvisioningExecutor({
          jobs,
          requests: store,
          stateMachine,
          notifier,
          clusters: deps.clusters,
          placement: inventory,
          logger: logger.child({ component: 'executor' }),
          config: executorConfig,
          workerId: `${hostname()}-${process.pid}-${randomBytes(3).toString(
            'hex',
          )}`,
        });
        const requests = new RequestService({
          store,
          jobs,
          stateMachine,
          notifier,
          permissions: deps.permissions,
          transformConditions,
          policy,
          templateDiskGiB: async (cluster, template) =>
            (await inventory.resolveTemplate(cluster, template))?.diskGiB,
          onApproved: () => executor.wake(),
        });

        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            userInfo: deps.userInfo,
            requests,
            extend: router => {
              addInventoryRoutes(router, {
                inventory,
                httpAuth: deps.httpAuth,
                policyChoices: createPolicyChoices(deps.userInfo, policy),
              });
              addLiveRoutes(router, {
                live,
                httpAuth: deps.httpAuth,
                permissions: deps.permissions,
              });
            },
          }),
        );
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });

        if (executorConfig.enabled) {
          deps.lifecycle.addStartupHook(() => executor.start());
          deps.lifecycle.addShutdownHook(() => executor.stop());
        }
      },
    });
  },
});
