/* Test helpers: a real Backstage test backend with the proxmox plugin, the
 * real permission backend and MycoPod policy, a real database and the PVE
 * simulator over HTTPS. */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  BackstageCredentials,
  BackstageUserPrincipal,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import permissionBackend from '@backstage/plugin-permission-backend';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import policyModule from '@mycopod/plugin-permission-backend-module-mycopod-policy';
import { startSimulator } from '@mycopod/pve-simulator';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import type { Knex } from 'knex';
import type { Server } from 'node:http';
import proxmoxPlugin from '../index';

/** The people of the authorization tests and their groups. */
export const USERS = {
  dev: { ref: 'user:default/dev', groups: ['group:default/team-a'] },
  member: { ref: 'user:default/member', groups: ['group:default/team-a'] },
  other: { ref: 'user:default/other', groups: ['group:default/team-b'] },
  admin: {
    ref: 'user:default/admin',
    groups: ['group:default/platform-admins'],
  },
  quser: { ref: 'user:default/quser', groups: ['group:default/team-q'] },
  admin2: {
    ref: 'user:default/admin2',
    groups: ['group:default/platform-admins', 'group:default/team-a'],
  },
} as const;
export type UserName = keyof typeof USERS;

export const auth = {
  user: (name: UserName) => mockCredentials.user.header(USERS[name].ref),
  service: () =>
    mockCredentials.service.header({
      onBehalfOf: mockCredentials.service('plugin:catalog'),
      targetPluginId: 'proxmox',
    }),
  none: () => mockCredentials.none.header(),
};

/** Resolves a user's groups from {@link USERS}. */
const userInfoFactory = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: BackstageCredentials) {
      const ref = (credentials.principal as BackstageUserPrincipal)
        .userEntityRef;
      const user = Object.values(USERS).find(u => u.ref === ref);
      return {
        userEntityRef: ref,
        ownershipEntityRefs: [ref, ...(user?.groups ?? [])],
      };
    },
  }),
});

/**
 * Mock auth whose on-behalf-of tokens for users carry the calling plugin as
 * actor, as real Backstage tokens do. The permission backend forwards the
 * user's credentials to `apply-conditions`, which refuses plain user tokens.
 */
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
        const principal = options.onBehalfOf.principal as
          | BackstageUserPrincipal
          | { type: 'service' | 'none' };
        if (principal.type === 'user') {
          return {
            token: mockCredentials.user.token(principal.userEntityRef, {
              actor: { subject: `plugin:${plugin.getId()}` },
            }),
          };
        }
        return base.getPluginRequestToken(options);
      },
    };
  },
});

export interface Sent {
  notifications: Array<{ recipients: any; payload: any }>;
  signals: Array<{ channel: string; message: any }>;
}

export const TIMINGS = {
  taskMs: 30,
  cloneMs: 150,
  resizeMs: 30,
  lockWaitMs: 200,
  resourcesLagMs: 100,
  agentIpDelayMs: 100,
  unauthorizedDelayMs: 30,
};

export async function startSim(seed = 1): Promise<RunningSimulator> {
  return startSimulator({ fleet: 'demo', seed, timings: TIMINGS });
}

/** Proxmox config for the simulator's clusters. */
export function clustersConfig(
  sim: RunningSimulator,
  over: Record<string, unknown> = {},
) {
  return sim.clusters.map(c => ({
    name: c.name,
    url: c.url,
    tokenId: sim.token.tokenId,
    tokenSecret: sim.token.secret,
    ...over,
    caCert: sim.caCertPem,
    retry: { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 200 },
    timeouts: { requestMs: 5_000, connectMs: 2_000, taskMs: 30_000 },
  }));
}

/** Every line logged by the backend, with its metadata, as text. */
function capturingRootLogger(lines: string[]) {
  const make = (meta: Record<string, unknown>): any => {
    const log = (level: string) => (message: string, extra?: unknown) =>
      lines.push(
        `${level} ${message} ${JSON.stringify(
          { ...meta, ...(extra as object) },
          (_k, v) =>
            v instanceof Error ? { message: v.message, stack: v.stack } : v,
        )}`,
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

export interface ProxmoxTestBackend {
  server: Server;
  /** Every log line of the backend. */
  logs: string[];
  backend: { stop(): Promise<void> };
  sent: Sent;
  auditEvents: any[];
}

export async function startProxmoxBackend(options: {
  knex: Knex;
  sim: RunningSimulator;
  proxmox?: Record<string, unknown>;
  executor?: Record<string, unknown>;
  /** Overrides of every cluster's config (e.g. a wrong token secret). */
  cluster?: Record<string, unknown>;
}): Promise<ProxmoxTestBackend> {
  const sent: Sent = { notifications: [], signals: [] };
  const logs: string[] = [];
  const auditor = mockServices.auditor.mock();
  const auditEvents: any[] = [];
  auditor.createEvent.mockImplementation(async opts => {
    auditEvents.push(opts);
    return { success: async () => {}, fail: async () => {} };
  });
  const backend = await startTestBackend({
    features: [
      proxmoxPlugin,
      permissionBackend,
      policyModule,
      userInfoFactory,
      authFactory,
      mockServices.database.factory({ knex: options.knex }),
      capturingRootLogger(logs),
      auditor.factory,
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({
          send: async (n: any) => {
            sent.notifications.push(n);
          },
        }),
      }),
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({
          publish: async (s: any) => {
            sent.signals.push(s);
          },
        }),
      }),
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          proxmox: {
            clusters: clustersConfig(options.sim, options.cluster),
            executor: {
              pollIntervalMs: 100,
              leaseMs: 5_000,
              ...options.executor,
            },
            ...options.proxmox,
          },
        },
      }),
    ],
  });
  return { server: backend.server, backend, sent, auditEvents, logs };
}

/** A valid spec for the demo fleet's lab cluster. */
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
    tags: ['team-a'],
    owner: 'group:default/team-a',
    justification: 'integration test',
    ...over,
  };
}
