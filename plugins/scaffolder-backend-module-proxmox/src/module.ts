import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createVmAwaitAction } from './actions/await';
import { createVmRequestAction } from './actions/request';
import { createPlanDraftAction, createPlanSubmitAction } from './actions/plan';
import { createDeclarationWriteAction } from './actions/declaration';

/**
 * The MycoPod scaffolder actions: `proxmox:vm:request`, `proxmox:vm:await`,
 * `proxmox:plan:draft`, `proxmox:plan:submit`, `proxmox:declaration:write`.
 */
export const scaffolderModuleProxmox = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'proxmox',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, auth, discovery, config }) {
        scaffolder.addActions(
          createVmRequestAction({ auth, discovery }),
          createVmAwaitAction({ auth, discovery, config }),
          createPlanDraftAction({ auth, discovery }),
          createPlanSubmitAction({ auth, discovery }),
          createDeclarationWriteAction({ auth, discovery }),
        );
      },
    });
  },
});
