import { useEffect, useState } from 'react';
import { useApiHolder } from '@backstage/frontend-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import {
  ANNOTATION_PROXMOX_CLUSTER,
  ANNOTATION_PROXMOX_NODE,
  ANNOTATION_PROXMOX_VMID,
  RESOURCE_TYPES,
} from '@mycopod/plugin-proxmox-common';

/** A `vm-template` Resource of the catalog, as the template picker uses it. */
export interface CatalogTemplate {
  /** Entity name, `<cluster>-template-<vmid>`. */
  entityName: string;
  /** Entity title, `<name> (<cluster>)`. */
  title: string;
  vmid: number;
  node?: string;
  /** The Proxmox name, from the title (the inventory writes `<name> (<cluster>)`). */
  name: string;
}

export interface CatalogTemplatesState {
  templates?: CatalogTemplate[];
  loading: boolean;
  /** The catalog could not be read (or the app has no catalog API). */
  error?: unknown;
}

/** The catalog filter of a cluster's templates. */
export function catalogTemplateFilter(cluster: string) {
  return {
    kind: 'resource',
    'spec.type': RESOURCE_TYPES.template,
    [`metadata.annotations.${ANNOTATION_PROXMOX_CLUSTER}`]: cluster,
  };
}

/**
 * The `vm-template` Resources the catalog holds for a cluster (from
 * `plugins/catalog-backend-module-proxmox`), sorted by title. Skipped while
 * the cluster is unknown.
 */
export function useCatalogTemplates(
  cluster: string | undefined,
): CatalogTemplatesState {
  const catalogApi = useApiHolder().get(catalogApiRef);
  const [state, setState] = useState<CatalogTemplatesState>({
    loading: !!cluster,
  });
  useEffect(() => {
    if (!cluster) {
      setState({ loading: false });
      return undefined;
    }
    if (!catalogApi) {
      setState({ loading: false, error: new Error('no catalog API') });
      return undefined;
    }
    let alive = true;
    setState({ loading: true });
    catalogApi
      .getEntities({
        filter: catalogTemplateFilter(cluster),
        fields: [
          'kind',
          'metadata.name',
          'metadata.title',
          'metadata.annotations',
        ],
      })
      .then(
        ({ items }) => {
          if (!alive) return;
          const templates: CatalogTemplate[] = [];
          for (const e of items) {
            const a = e.metadata.annotations ?? {};
            const vmid = Number(a[ANNOTATION_PROXMOX_VMID]);
            if (!Number.isInteger(vmid)) continue;
            const title = e.metadata.title ?? e.metadata.name;
            const suffix = ` (${cluster})`;
            templates.push({
              entityName: e.metadata.name,
              title,
              vmid,
              node: a[ANNOTATION_PROXMOX_NODE],
              name: title.endsWith(suffix)
                ? title.slice(0, -suffix.length)
                : title,
            });
          }
          templates.sort((x, y) => x.title.localeCompare(y.title));
          setState({ templates, loading: false });
        },
        error => alive && setState({ loading: false, error }),
      );
    return () => {
      alive = false;
    };
  }, [catalogApi, cluster]);
  return state;
}
