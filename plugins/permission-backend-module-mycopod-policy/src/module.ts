import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { MycoPodPermissionPolicy } from './policy';

/** Installs the MycoPod permission policy into the permission backend. */
export const permissionModuleMycoPodPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'mycopod-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        // The same keys the proxmox backend reads: one place per fact.
        policy.setPolicy(
          new MycoPodPermissionPolicy({
            approverGroups: config.getOptionalStringArray(
              'proxmox.approverGroups',
            ) ?? ['group:default/platform-admins'],
            selfApproval:
              config.getOptionalBoolean('proxmox.policy.selfApproval') ?? false,
          }),
        );
      },
    });
  },
});
