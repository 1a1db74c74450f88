import {
  coreServices,
  createBackendPlugin,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
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
import {
  DriftScanner,
  DriftStore,
  readDriftConfig,
  scheduleDrift,
} from './drift';
import {
  LeaseNotifier,
  LeaseReader,
  LeaseScheduler,
  LeaseStore,
  readLeaseConfig,
  scheduleLeases,
} from './leases';
import { proxmoxMetrics } from './metrics/metrics';
import { countRequestsByState } from './metrics/requestCounts';
import { GuestActionService } from './guests/GuestActionService';
import { addGuestActionRoutes } from './guests/guestActionRoutes';
import { TaskFollower } from './guests/TaskFollower';
import { createRateLimiters, readRateLimitsConfig } from './ratelimit';
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
import { createIpPools, readIpPoolsConfig } from './ipam';
import { createRouter } from './router/createRouter';
import { registerProxmoxActions } from './actions';
import { addDraftRoutes, createDrafting, guestActionsPort } from './drafts';
import { addInventoryRoutes } from './router/inventoryRoutes';
import { addLiveRoutes } from './router/liveRoutes';
import { addGuestRequestRoutes } from './router/guestRequestRoutes';
import { GuestRequestService } from './service/GuestRequestService';
import { readApproverGroups } from './config';
import { setUpConsole } from './console';
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
        scheduler: coreServices.scheduler,
        notifications: notificationService,
        signals: signalsServiceRef,
        events: eventsServiceRef,
        clusters: proxmoxClustersServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
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
        const ipPools = createIpPools({
          pools: readIpPoolsConfig(config, deps.clusters.list()),
          knex,
          logger,
          userInfo: deps.userInfo,
        });
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
        stateMachine.onTransition((trx, change) =>
          ipPools.release.onTransition(trx, change),
        );
        const driftStore = new DriftStore(knex);
        const leaseConfig = readLeaseConfig(config);
        const leaseStore = new LeaseStore(knex);
        const live = new LiveService({
          inventory,
          clusters: deps.clusters,
          logger,
          drift: driftStore,
          leases: new LeaseReader(leaseStore, leaseConfig),
        });
        // immediate guest actions (power, snapshots), rate limits, metrics
        const taskFollower = new TaskFollower({
          clusters: deps.clusters,
          logger,
          signals: deps.signals,
        });
        const guestActions = new GuestActionService({
          clusters: deps.clusters,
          inventory,
          permissions: deps.permissions,
          auditor: deps.auditor,
          follower: taskFollower,
          logger,
          metrics: proxmoxMetrics,
        });
        const rateLimits = createRateLimiters({
          config: readRateLimitsConfig(config),
          httpAuth: deps.httpAuth,
          onLimited: limiter => proxmoxMetrics.rateLimited(limiter),
        });
        proxmoxMetrics.observeRequestStates(() => countRequestsByState(knex));
        for (const name of deps.clusters.list()) {
          deps.clusters.get(name).observe(proxmoxMetrics.proxmoxCall);
        }
        deps.lifecycle.addShutdownHook(() => taskFollower.stop());
        // the in-browser console: ticket route + WebSocket (src/console)
        const guestConsole = setUpConsole({
          config,
          knex,
          clusters: deps.clusters,
          inventory,
          permissions: deps.permissions,
          httpAuth: deps.httpAuth,
          httpRouter: deps.httpRouter,
          auditor: deps.auditor,
          logger,
          lifecycle: deps.lifecycle,
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
          ipPools: ipPools.service,
          releaseHooks: [ipPools.release],
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
          ipPools: ipPools.service,
        });
        // day-2 requests: resize, decommission, extend-lease, reconcile
        const guestRequests = new GuestRequestService({
          store,
          requests,
          notifier,
          permissions: deps.permissions,
          clusters: deps.clusters,
          drift: driftStore,
        });

        // LLM drafting of plans (off, 503, without proxmox.llm)
        const drafts = createDrafting({
          config,
          logger,
          knex,
          store,
          requests,
          inventory,
          clusterNames: () => deps.clusters.list(),
          policyChoices: createPolicyChoices(deps.userInfo, policy),
          policy,
          permissions: deps.permissions,
          permissionsRegistry,
          notifier,
          guestRequests,
          guestActions: guestActionsPort(guestActions),
        });

        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            userInfo: deps.userInfo,
            requests,
            writeRateLimit: rateLimits.writes,
            extend: router => {
              guestConsole.addRoutes(router, {
                rateLimit: rateLimits.actions,
              });
              addGuestActionRoutes(router, {
                actions: guestActions,
                httpAuth: deps.httpAuth,
                actionRateLimit: rateLimits.actions,
              });
              addDraftRoutes(router, {
                httpAuth: deps.httpAuth,
                userInfo: deps.userInfo,
                drafts,
              });
              addInventoryRoutes(router, {
                inventory,
                httpAuth: deps.httpAuth,
                policyChoices: createPolicyChoices(deps.userInfo, policy),
                ipPoolChoices: ipPools.choices,
              });
              addGuestRequestRoutes(router, {
                httpAuth: deps.httpAuth,
                userInfo: deps.userInfo,
                guestRequests,
              });
              addLiveRoutes(router, {
                live,
                consoleUrl: g => deps.clusters.get(g.cluster).consoleUrl(g),
                openRequests: (cluster, vmid) =>
                  guestRequests.openRequests(cluster, vmid),
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
        // MCP / actions registry: proxmox:<name>, as the calling user
        registerProxmoxActions({
          actionsRegistry: deps.actionsRegistry,
          userInfo: deps.userInfo,
          permissions: deps.permissions,
          inventory,
          live,
          policyChoices: createPolicyChoices(deps.userInfo, policy),
          requests,
          drafts,
        });

        await scheduleDrift({
          scheduler: deps.scheduler,
          config: readDriftConfig(config),
          scanner: new DriftScanner({
            store: driftStore,
            inventory,
            clusters: deps.clusters,
            logger: logger.child({ component: 'drift' }),
          }),
          logger,
        });
        await scheduleLeases({
          scheduler: deps.scheduler,
          config: leaseConfig,
          leases: new LeaseScheduler({
            store: leaseStore,
            stateMachine,
            notifier,
            leaseNotifier: new LeaseNotifier({
              logger,
              notifications: deps.notifications,
            }),
            inventory,
            clusters: deps.clusters,
            fileDecommission: input => guestRequests.fileSystemRequest(input),
            approverGroups,
            config: leaseConfig,
            logger: logger.child({ component: 'leases' }),
            onAction: (step, outcome) => {
              if (outcome === 'ok') proxmoxMetrics.leaseAction(step);
            },
          }),
          logger,
        });

        if (executorConfig.enabled) {
          deps.lifecycle.addStartupHook(() => executor.start());
          deps.lifecycle.addShutdownHook(() => executor.stop());
        }
      },
    });
  },
});
