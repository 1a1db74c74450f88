import { createBackendModule } from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { MycoPodPermissionPolicy } from './policy';

/** Installs the MycoPod permission policy into the permission backend. */
export const permissionModuleMycoPodPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'mycopod-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new MycoPodPermissionPolicy());
      },
    });
  },
});
