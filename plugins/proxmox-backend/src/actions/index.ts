import type {
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import type { DraftService } from '../drafts/DraftService';
import { PlanChanges } from '../drafts/PlanChanges';
import type { InventoryService } from '../inventory/InventoryService';
import type { LiveService } from '../inventory/LiveService';
import type { PolicyChoices } from '../router/inventoryRoutes';
import type { RequestService } from '../service/RequestService';
import { registerPlanActions } from './planActions';
import { registerReadActions } from './readActions';

/**
 * MycoPod's actions in Backstage's actions registry (ids `proxmox:<name>`),
 * for AI agents through `@backstage/plugin-mcp-actions-backend`: read
 * (`list-my-guests`, `get-guest`, `list-options`, `get-request`,
 * `get-plan`) and request (`draft-plan`, `submit-plan`) operations, each as
 * the calling user with the REST API's permission checks. None approves.
 */
export function registerProxmoxActions(options: {
  actionsRegistry: ActionsRegistryService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
  inventory: InventoryService;
  live: LiveService;
  policyChoices: PolicyChoices;
  requests: RequestService;
  drafts: DraftService;
}) {
  registerReadActions({
    ...options,
    guestAbilities: options.drafts.deps.facts.guestAbilities,
  });
  registerPlanActions({
    actionsRegistry: options.actionsRegistry,
    userInfo: options.userInfo,
    drafts: options.drafts,
    changes: new PlanChanges(options.drafts),
  });
}
