/* A real test backend for the actions: the proxmox plugin with the real
 * permission backend and the MycoPod policy, the PVE simulator over HTTPS,
 * and optionally the real scaffolder backend with this module. */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  AuthService,
  BackstageCredentials,
  BackstageUserPrincipal,
  coreServices,
  createServiceFactory,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import permissionBackend from '@backstage/plugin-permission-backend';
import scaffolderBackend from '@backstage/plugin-scaffolder-backend';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import policyModule from '@mycopod/plugin-permission-backend-module-mycopod-policy';
// A test needs the real proxmox backend to call; the module itself does not
// import it.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import proxmoxPlugin from '@mycopod/plugin-proxmox-backend';
import { startSimulator, type RunningSimulator } from '@mycopod/pve-simulator';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import scaffolderModuleProxmox from '../index';

export const USERS: Record<string, string[]> = {
  'user:default/dev': ['group:default/team-a'],
  'user:default/admin': ['group:default/platform-admins'],
};
export const DEV = 'user:default/dev';
export const ADMIN = 'user:default/admin';

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

/**
 * Auth whose on-behalf-of tokens for a user are user tokens with the calling
 * plugin as actor, as real Backstage tokens are.
 */
export function userTokenAuth(pluginId: string): AuthService {
  const base = mockServices.auth({ pluginId });
  return {
    authenticate: base.authenticate.bind(base),
    isPrincipal: base.isPrincipal.bind(base) as AuthService['isPrincipal'],
    getNoneCredentials: base.getNoneCredentials.bind(base),
    getOwnServiceCredentials: base.getOwnServiceCredentials.bind(base),
    getLimitedUserToken: base.getLimitedUserToken.bind(base),
    listPublicServiceKeys: base.listPublicServiceKeys.bind(base),
    async getPluginRequestToken(options) {
      const principal = options.onBehalfOf.principal as
        | BackstageUserPrincipal
        | { type: 'service' | 'none' };
      if (principal.type === 'user') {
        return {
          token: mockCredentials.user.token(principal.userEntityRef, {
            actor: { subject: `plugin:${pluginId}` },
          }),
        };
      }
      return base.getPluginRequestToken(options);
    },
  };
}

const authFactory = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory: ({ plugin }) => userTokenAuth(plugin.getId()),
});

export interface ActionsTestBackend {
  server: Server;
  sim: RunningSimulator;
  /** Discovery of the running backend, for actions called directly. */
  discovery: DiscoveryService;
  stop(): Promise<void>;
}

/** A valid spec for the simulator's demo fleet (cluster `lab`). */
export function labSpec(over: Record<string, unknown> = {}) {
  return {
    name: 'web-42',
    cluster: 'lab',
    template: 'ubuntu-24.04-cloudinit',
    cores: 2,
    memoryMiB: 2048,
    diskGiB: 40,
    network: { bridge: 'vmbr0' },
    securityGroups: ['web'],
    cloudInit: {
      user: 'ubuntu',
      sshKeys: [
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT dev@example.com',
      ],
      ipv4: 'dhcp',
    },
    owner: 'group:default/team-a',
    justification: 'scaffolder test',
    ...over,
  };
}

export async function startActionsBackend(
  options: {
    /** Also start the real scaffolder backend with this module. */
    scaffolder?: boolean;
    /** Extra config under `proxmox` (policy…). */
    proxmox?: Record<string, unknown>;
  } = {},
): Promise<ActionsTestBackend> {
  const sim = await startSimulator({
    fleet: 'demo',
    seed: 3,
    timings: {
      taskMs: 30,
      cloneMs: 150,
      resizeMs: 30,
      lockWaitMs: 200,
      resourcesLagMs: 100,
      agentIpDelayMs: 100,
      unauthorizedDelayMs: 30,
    },
  });
  const clusters = sim.clusters.map(c => ({
    name: c.name,
    url: c.url,
    tokenId: sim.token.tokenId,
    tokenSecret: sim.token.secret,
    caCert: sim.caCertPem,
    retry: { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 200 },
    timeouts: { requestMs: 5_000, connectMs: 2_000, taskMs: 30_000 },
  }));
  const backend = await startTestBackend({
    features: [
      proxmoxPlugin,
      permissionBackend,
      policyModule,
      userInfoFactory,
      authFactory,
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({ send: async () => {} }),
      }),
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({ publish: async () => {} }),
      }),
      ...(options.scaffolder
        ? [
            scaffolderBackend,
            scaffolderModuleProxmox,
            catalogServiceMock.factory({
              entities: [
                {
                  apiVersion: 'backstage.io/v1alpha1',
                  kind: 'User',
                  metadata: { name: 'dev', namespace: 'default' },
                  spec: { memberOf: ['group:default/team-a'] },
                },
              ],
            }),
          ]
        : []),
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          proxmox: {
            clusters,
            executor: { pollIntervalMs: 100, leaseMs: 5_000 },
            ...options.proxmox,
          },
        },
      }),
    ],
  });
  const port = (backend.server.address() as AddressInfo).port;
  const base = `http://localhost:${port}/api`;
  return {
    server: backend.server,
    sim,
    discovery: {
      getBaseUrl: async pluginId => `${base}/${pluginId}`,
      getExternalBaseUrl: async pluginId => `${base}/${pluginId}`,
    },
    async stop() {
      await backend.stop();
      await sim.stop();
    },
  };
}
