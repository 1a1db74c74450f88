import type {
  LoggerService,
  PermissionsRegistryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { createConditionAuthorizer } from '@backstage/plugin-permission-node';
import type { Knex } from 'knex';
import type { RequestStore } from '../database/RequestStore';
import type { InventoryService } from '../inventory/InventoryService';
import { readLlmConfig } from '../llm/config';
import { LlmClient } from '../llm/LlmClient';
import { guestResourceRef } from '../permissions/guestRules';
import type { PolicyConfig } from '../policy';
import type { PolicyChoices } from '../router/inventoryRoutes';
import type { RequestNotifier } from '../service/RequestNotifier';
import type { RequestService } from '../service/RequestService';
import { DraftService } from './DraftService';
import { DraftStore } from './DraftStore';
import { createGuestAbilities } from './guestAbilities';
import type { GuestActionsPort, GuestRequestsPort } from './ports';
import { DraftRateLimiter } from './rateLimit';

export { DraftService } from './DraftService';
export { PlanChanges } from './PlanChanges';
export { addDraftRoutes } from './routes';
export { guestActionsPort } from './ports';
export type { GuestActionsPort, GuestRequestsPort } from './ports';

/**
 * The drafting service of the plugin: `proxmox.llm` read (undefined
 * provider = drafting off, 503), the model client, the plan store and the
 * per-user limit, over the plugin's request, inventory and policy services.
 */
export function createDrafting(deps: {
  config: Config;
  logger: LoggerService;
  knex: Knex;
  store: RequestStore;
  requests: RequestService;
  inventory: InventoryService;
  clusterNames: () => string[];
  policyChoices: PolicyChoices;
  policy: PolicyConfig;
  permissions: PermissionsService;
  permissionsRegistry: PermissionsRegistryService;
  notifier: RequestNotifier;
  guestRequests?: GuestRequestsPort;
  guestActions?: GuestActionsPort;
  /** Tests: how the model client reaches the provider. */
  fetch?: ConstructorParameters<typeof LlmClient>[1]['fetch'];
}): DraftService {
  const logger = deps.logger.child({ component: 'drafting' });
  const llmConfig = readLlmConfig(deps.config);
  if (llmConfig) {
    logger.info(
      `Plain-language drafting with ${llmConfig.provider} model ${
        llmConfig.model
      } at ${new URL(llmConfig.baseUrl).host} (${llmConfig.output})`,
    );
  } else {
    logger.info(
      'Plain-language drafting is off: proxmox.llm.provider is not configured',
    );
  }
  const authorizer = createConditionAuthorizer(
    deps.permissionsRegistry.getPermissionRuleset(guestResourceRef),
  );
  return new DraftService({
    ...(llmConfig
      ? {
          llm: {
            config: llmConfig,
            client: new LlmClient(llmConfig, {
              logger,
              ...(deps.fetch ? { fetch: deps.fetch } : {}),
            }),
          },
        }
      : {}),
    drafts: new DraftStore(deps.knex),
    store: deps.store,
    requests: deps.requests,
    facts: {
      inventory: deps.inventory,
      clusterNames: deps.clusterNames,
      policyChoices: deps.policyChoices,
      guestAbilities: createGuestAbilities(deps.permissions, authorizer),
      logger,
    },
    policy: deps.policy,
    permissions: deps.permissions,
    notifier: deps.notifier,
    logger,
    ...(llmConfig
      ? { rateLimiter: new DraftRateLimiter(llmConfig.rateLimit) }
      : {}),
    ...(deps.guestRequests ? { guestRequests: deps.guestRequests } : {}),
    ...(deps.guestActions ? { guestActions: deps.guestActions } : {}),
  });
}
