/* Service factories for a test backend: user groups, user tokens with the
 * calling plugin as actor, a capturing root logger, captured notifications
 * and signals. */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  AuthService,
  BackstageCredentials,
  BackstageUserPrincipal,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { USER_GROUPS } from './personas';

/** Resolves a user's groups from `groups` (user entity ref → group refs). */
export function userInfoServiceFactory(
  groups: Readonly<Record<string, readonly string[]>> = USER_GROUPS,
) {
  return createServiceFactory({
    service: coreServices.userInfo,
    deps: {},
    factory: () => ({
      async getUserInfo(credentials: BackstageCredentials) {
        const ref = (credentials.principal as BackstageUserPrincipal)
          .userEntityRef;
        return {
          userEntityRef: ref,
          ownershipEntityRefs: [ref, ...(groups[ref] ?? [])],
        };
      },
    }),
  });
}

/**
 * Mock auth whose on-behalf-of tokens for a user are user tokens with the
 * calling plugin as actor, as real Backstage tokens are. The permission
 * backend forwards the user's credentials to `apply-conditions`, which
 * refuses plain user tokens.
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

/** {@link userTokenAuth} for every plugin of the backend. */
export const userTokenAuthServiceFactory = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory: ({ plugin }) => userTokenAuth(plugin.getId()),
});

/** Every line logged by the backend, with its metadata, as text. */
export function capturingRootLogger(lines: string[]) {
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

/** The notifications and signals the backend sent. */
export interface Sent {
  notifications: Array<{ recipients: any; payload: any }>;
  signals: Array<{ channel: string; message: any }>;
}

/** Notification and signal services that record into `sent`. */
export function capturingNotificationsAndSignals(sent: Sent) {
  return [
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
  ];
}
