import type { Config } from '@backstage/config';
import { GROUP_REF } from '@mycopod/plugin-proxmox-common';

/** The groups that approve requests, by default `group:default/platform-admins`. */
export function readApproverGroups(config: Config): string[] {
  const groups = config.getOptionalStringArray('proxmox.approverGroups') ?? [
    'group:default/platform-admins',
  ];
  for (const g of groups) {
    if (!GROUP_REF.test(g)) {
      throw new Error(
        `proxmox.approverGroups: '${g}' is not a group entity ref such as group:default/platform-admins`,
      );
    }
  }
  return groups;
}
