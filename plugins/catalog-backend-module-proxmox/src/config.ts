import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  type SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

/** One configured cluster: its name and the base URL of its Proxmox UI. */
export interface ClusterConfig {
  name: string;
  /**
   * The cluster's `uiUrl` (no trailing slash), else the origin of its `url`,
   * e.g. `https://pve.example.com:8006` (as proxmox-node's `proxmoxUiUrl`).
   */
  uiUrl: string;
}

/** `proxmox.catalog` with defaults applied. */
export interface ProviderConfig {
  clusters: ClusterConfig[];
  schedule: SchedulerServiceTaskScheduleDefinition;
  defaultOwner: string;
  ownership: {
    pools: Record<string, string>;
    tags: Record<string, string>;
  };
  maxDeletionRatio: number;
}

export const DEFAULT_OWNER = 'group:default/platform-admins';
export const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 10 },
  timeout: { minutes: 5 },
  initialDelay: { seconds: 15 },
  scope: 'global',
};
export const DEFAULT_MAX_DELETION_RATIO = 0.5;

/** A group ref, normalised (`team-a` → `group:default/team-a`). */
function groupRef(value: string, key: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(value, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      }),
    );
  } catch (e) {
    throw new InputError(`${key}: '${value}' is not an entity ref: ${e}`);
  }
}

function refMap(config: Config | undefined, key: string) {
  const out: Record<string, string> = {};
  if (!config) return out;
  for (const k of config.keys()) {
    out[k] = groupRef(config.getString(k), `${key}.${k}`);
  }
  return out;
}

export function readProviderConfig(config: Config): ProviderConfig {
  const clusters = (
    config.getOptionalConfigArray('proxmox.clusters') ?? []
  ).map(c => {
    const name = c.getString('name');
    const url = c.getString('url');
    const configured = c.getOptionalString('uiUrl');
    let uiUrl: string;
    try {
      const ui = new URL(configured ?? url);
      uiUrl = configured
        ? `${ui.origin}${ui.pathname.replace(/\/+$/, '')}`
        : ui.origin;
    } catch {
      throw new InputError(
        `proxmox.clusters[${name}].${
          configured ? 'uiUrl' : 'url'
        } is not a URL`,
      );
    }
    return { name, uiUrl };
  });
  const catalog = config.getOptionalConfig('proxmox.catalog');
  const scheduleConfig = catalog?.getOptionalConfig('schedule');
  const schedule = scheduleConfig
    ? {
        scope: 'global' as const,
        ...readSchedulerServiceTaskScheduleDefinitionFromConfig(scheduleConfig),
      }
    : DEFAULT_SCHEDULE;
  const ratio =
    catalog?.getOptionalNumber('maxDeletionRatio') ??
    DEFAULT_MAX_DELETION_RATIO;
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new InputError('proxmox.catalog.maxDeletionRatio must be in 0..1');
  }
  return {
    clusters,
    schedule,
    defaultOwner: groupRef(
      catalog?.getOptionalString('defaultOwner') ?? DEFAULT_OWNER,
      'proxmox.catalog.defaultOwner',
    ),
    ownership: {
      pools: refMap(
        catalog?.getOptionalConfig('ownership.pools'),
        'proxmox.catalog.ownership.pools',
      ),
      tags: refMap(
        catalog?.getOptionalConfig('ownership.tags'),
        'proxmox.catalog.ownership.tags',
      ),
    },
    maxDeletionRatio: ratio,
  };
}
