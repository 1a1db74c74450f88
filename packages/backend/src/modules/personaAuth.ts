import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
  createProxyAuthenticator,
} from '@backstage/plugin-auth-node';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';

/** Auth provider id; the frontend calls `/api/auth/persona/refresh`. */
export const PERSONA_PROVIDER_ID = 'persona';
/** Header that names the persona to sign in as. */
export const PERSONA_HEADER = 'x-mycopod-persona';

const CONFIG_ROOT = `auth.providers.${PERSONA_PROVIDER_ID}`;

/**
 * Reads the allowed personas and refuses to run in production unless the
 * config explicitly allows it.
 */
export function readPersonaConfig(
  config: Config,
  nodeEnv = process.env.NODE_ENV,
) {
  const providerConfig = config.getOptionalConfig(CONFIG_ROOT);
  if (!providerConfig) {
    return undefined;
  }
  const allowInProduction =
    providerConfig.getOptionalBoolean('dangerouslyAllowInProduction') ?? false;
  if (nodeEnv === 'production' && !allowInProduction) {
    throw new Error(
      `The MycoPod demo persona sign-in is for development only and refuses to start with NODE_ENV=production. ` +
        `Remove '${CONFIG_ROOT}' from the configuration, or set '${CONFIG_ROOT}.dangerouslyAllowInProduction: true' if you really mean it.`,
    );
  }
  const users = providerConfig.getStringArray('users').map(ref =>
    stringifyEntityRef(
      parseEntityRef(ref, {
        defaultKind: 'user',
        defaultNamespace: 'default',
      }),
    ),
  );
  if (users.length === 0) {
    throw new Error(`'${CONFIG_ROOT}.users' must list at least one user`);
  }
  return { users, allowInProduction };
}

type PersonaResult = { userEntityRef: string };

function createPersonaAuthenticator(allowedUsers: string[]) {
  return createProxyAuthenticator<unknown, PersonaResult, undefined>({
    defaultProfileTransform: async result => ({
      profile: {
        displayName: parseEntityRef(result.userEntityRef).name,
      },
    }),
    initialize: () => undefined,
    async authenticate({ req }) {
      const requested = req.header(PERSONA_HEADER);
      if (!requested) {
        throw new InputError(`Missing ${PERSONA_HEADER} header`);
      }
      let userEntityRef: string;
      try {
        userEntityRef = stringifyEntityRef(
          parseEntityRef(requested, {
            defaultKind: 'user',
            defaultNamespace: 'default',
          }),
        );
      } catch {
        throw new InputError(`Invalid persona '${requested}'`);
      }
      if (!allowedUsers.includes(userEntityRef)) {
        throw new NotAllowedError(`'${userEntityRef}' is not a demo persona`);
      }
      return { result: { userEntityRef } };
    },
  });
}

/**
 * Development-only sign-in as one of the demo personas listed in
 * `auth.providers.persona.users`. Tokens are real Backstage tokens issued by
 * the auth backend for the matching catalog user, so group membership comes
 * from the catalog.
 */
export const authModulePersonaProvider = createBackendModule({
  pluginId: 'auth',
  moduleId: 'mycopod-persona-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ providers, config, logger }) {
        const personas = readPersonaConfig(config);
        if (!personas) {
          logger.info(
            `${CONFIG_ROOT} is not configured; persona sign-in is off`,
          );
          return;
        }
        if (
          personas.allowInProduction &&
          process.env.NODE_ENV === 'production'
        ) {
          logger.warn('Demo persona sign-in is enabled in production');
        }
        providers.registerProvider({
          providerId: PERSONA_PROVIDER_ID,
          factory: createProxyAuthProviderFactory({
            authenticator: createPersonaAuthenticator(personas.users),
            async signInResolver({ result }, ctx) {
              return ctx.signInWithCatalogUser({
                entityRef: result.userEntityRef,
              });
            },
          }),
        });
      },
    });
  },
});
