import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createVmAwaitAction } from './actions/await';
import { createVmRequestAction } from './actions/request';

/** The MycoPod scaffolder actions `proxmox:vm:request` and `proxmox:vm:await`. */
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
        );
      },
    });
  },
});
