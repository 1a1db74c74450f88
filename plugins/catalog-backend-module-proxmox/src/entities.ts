/*
 * Pure mapping of one cluster of the inventory to catalog entities. The same
 * inventory always gives byte-identical entities: every list is sorted, keys
 * are written in a fixed order and absent facts are left out, never
 * `undefined`. Only stable facts: no status, usage or uptime.
 */
import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  ANNOTATION_VIEW_URL,
  type Entity,
} from '@backstage/catalog-model';
import {
  ANNOTATION_PROXMOX_CLUSTER,
  ANNOTATION_PROXMOX_GUEST_TYPE,
  ANNOTATION_PROXMOX_NODE,
  ANNOTATION_PROXMOX_REQUEST_ID,
  ANNOTATION_PROXMOX_SECURITY_GROUP,
  ANNOTATION_PROXMOX_VMID,
  RESOURCE_TYPES,
  clusterEntityName,
  guestEntityName,
  nodeEntityName,
  securityGroupEntityName,
  templateEntityName,
  type InventoryCluster,
  ANNOTATION_PROXMOX_CORES,
  ANNOTATION_PROXMOX_DISK_GIB,
  ANNOTATION_PROXMOX_LEASE_ENDS_AT,
  ANNOTATION_PROXMOX_MEMORY_MIB,
  ANNOTATION_PROXMOX_POOL,
} from '@mycopod/plugin-proxmox-common';
import type { ClusterConfig, ProviderConfig } from './config';

export type InventoryGuest = InventoryCluster['guests'][number];

/** Code-unit order: locale independent. */
export function byCodeUnit(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** The managed-by location of every entity of a cluster: `proxmox:<cluster>`. */
export function locationRef(cluster: string): string {
  return `proxmox:${cluster}`;
}

/**
 * A Proxmox tag as a catalog tag: lowercase words of `[a-z0-9:+#]` joined
 * by `-`, at most 63 characters; `undefined` when nothing is left.
 */
export function normaliseTag(tag: string): string | undefined {
  const out = tag
    .toLowerCase()
    .replace(/[^a-z0-9:+#]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return out || undefined;
}

export function normaliseTags(tags: readonly string[]): string[] {
  const set = new Set<string>();
  for (const t of tags) {
    const n = normaliseTag(t);
    if (n) set.add(n);
  }
  return [...set].sort(byCodeUnit);
}

export type OwnerSource = 'request' | 'pool' | 'tag' | 'default';

/**
 * The owner of a guest: the group of the request that created it; else the
 * group mapped to its pool; else the group mapped to the first of its tags
 * (in code-unit order, raw or normalised) that has one; else the default.
 */
export function guestOwner(
  guest: Pick<InventoryGuest, 'owner' | 'pool' | 'tags'>,
  config: Pick<ProviderConfig, 'ownership' | 'defaultOwner'>,
): { owner: string; source: OwnerSource } {
  if (guest.owner) return { owner: guest.owner, source: 'request' };
  const { pools, tags } = config.ownership;
  if (guest.pool && Object.hasOwn(pools, guest.pool)) {
    return { owner: pools[guest.pool], source: 'pool' };
  }
  for (const tag of [...guest.tags].sort(byCodeUnit)) {
    const n = normaliseTag(tag);
    if (Object.hasOwn(tags, tag)) return { owner: tags[tag], source: 'tag' };
    if (n && Object.hasOwn(tags, n)) return { owner: tags[n], source: 'tag' };
  }
  return { owner: config.defaultOwner, source: 'default' };
}

const resourceRef = (name: string) => `resource:default/${name}`;

function resource(options: {
  cluster: string;
  name: string;
  title: string;
  description?: string;
  annotations: Record<string, string | undefined>;
  tags?: string[];
  links?: Array<{ url: string; title: string; icon: string }>;
  spec: Record<string, string | string[] | undefined>;
}): Entity {
  const annotations: Record<string, string> = {
    [ANNOTATION_LOCATION]: locationRef(options.cluster),
    [ANNOTATION_ORIGIN_LOCATION]: locationRef(options.cluster),
  };
  for (const key of Object.keys(options.annotations).sort(byCodeUnit)) {
    const value = options.annotations[key];
    if (value !== undefined) annotations[key] = value;
  }
  const metadata: Entity['metadata'] = {
    name: options.name,
    namespace: 'default',
    title: options.title,
  };
  if (options.description) metadata.description = options.description;
  metadata.annotations = annotations;
  if (options.tags?.length) metadata.tags = options.tags;
  if (options.links?.length) metadata.links = options.links;
  const spec: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(options.spec)) {
    if (value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    spec[key] = value;
  }
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata,
    spec,
  };
}

const str = (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) ? undefined : String(n);

function guestUiUrl(c: ClusterConfig, type: 'qemu' | 'lxc', vmid: number) {
  return `${c.uiUrl}/#v1:0:=${type}%2F${vmid}`;
}

function consoleUrl(c: ClusterConfig, g: InventoryGuest): string {
  const params = new URLSearchParams({
    console: g.type === 'lxc' ? 'lxc' : 'kvm',
    [g.type === 'lxc' ? 'xtermjs' : 'novnc']: '1',
    vmid: String(g.vmid),
    node: g.node,
  });
  return `${c.uiUrl}/?${params.toString()}`;
}

/** Every entity of one readable cluster, sorted by name. */
export function clusterEntities(
  cluster: ClusterConfig,
  inv: InventoryCluster,
  config: Pick<ProviderConfig, 'ownership' | 'defaultOwner'>,
): Entity[] {
  const name = cluster.name;
  const clusterRef = resourceRef(clusterEntityName(name));
  const nodeRef = (node: string) => resourceRef(nodeEntityName(name, node));
  const knownGroups = new Set(inv.firewallGroups.map(fw => fw.name));
  // a guest depends on the security groups its request attached that exist
  const groupRefs = (groups: string[] = []) =>
    groups
      .filter(g => knownGroups.has(g))
      .map(g => resourceRef(securityGroupEntityName(name, g)))
      .sort(byCodeUnit);
  const base = { [ANNOTATION_PROXMOX_CLUSTER]: name };
  const out: Entity[] = [];

  out.push(
    resource({
      cluster: name,
      name: clusterEntityName(name),
      title: `Proxmox cluster ${name}`,
      annotations: { ...base, [ANNOTATION_VIEW_URL]: `${cluster.uiUrl}/` },
      links: [
        { url: `${cluster.uiUrl}/`, title: 'Proxmox UI', icon: 'dashboard' },
      ],
      spec: { type: RESOURCE_TYPES.cluster, owner: config.defaultOwner },
    }),
  );

  for (const n of inv.nodes) {
    out.push(
      resource({
        cluster: name,
        name: nodeEntityName(name, n.name),
        title: `${n.name} (${name})`,
        annotations: {
          ...base,
          [ANNOTATION_PROXMOX_NODE]: n.name,
          [ANNOTATION_PROXMOX_CORES]: str(n.maxcpu),
          [ANNOTATION_PROXMOX_MEMORY_MIB]: str(
            n.maxmem === undefined
              ? undefined
              : Math.floor(n.maxmem / 1024 ** 2),
          ),
          [ANNOTATION_VIEW_URL]: `${
            cluster.uiUrl
          }/#v1:0:=node%2F${encodeURIComponent(n.name)}`,
        },
        spec: {
          type: RESOURCE_TYPES.node,
          owner: config.defaultOwner,
          dependencyOf: [clusterRef],
        },
      }),
    );
  }

  for (const t of inv.templates) {
    const url = guestUiUrl(cluster, 'qemu', t.vmid);
    out.push(
      resource({
        cluster: name,
        name: templateEntityName(name, t.vmid),
        title: `${t.name} (${name})`,
        annotations: {
          ...base,
          [ANNOTATION_PROXMOX_NODE]: t.node,
          [ANNOTATION_PROXMOX_VMID]: String(t.vmid),
          [ANNOTATION_PROXMOX_GUEST_TYPE]: 'qemu',
          [ANNOTATION_VIEW_URL]: url,
        },
        links: [{ url, title: 'Proxmox UI', icon: 'dashboard' }],
        spec: {
          type: RESOURCE_TYPES.template,
          owner: config.defaultOwner,
          dependsOn: [nodeRef(t.node)],
        },
      }),
    );
  }

  for (const g of inv.guests) {
    const url = guestUiUrl(cluster, g.type, g.vmid);
    out.push(
      resource({
        cluster: name,
        name: guestEntityName(name, g.vmid),
        title: `${g.name ?? `guest ${g.vmid}`} (${name})`,
        annotations: {
          ...base,
          [ANNOTATION_PROXMOX_NODE]: g.node,
          [ANNOTATION_PROXMOX_VMID]: String(g.vmid),
          [ANNOTATION_PROXMOX_GUEST_TYPE]: g.type,
          [ANNOTATION_PROXMOX_REQUEST_ID]: g.requestId,
          [ANNOTATION_PROXMOX_POOL]: g.pool,
          [ANNOTATION_PROXMOX_CORES]: str(g.maxcpu),
          [ANNOTATION_PROXMOX_MEMORY_MIB]: str(g.maxmemMiB),
          [ANNOTATION_PROXMOX_DISK_GIB]: str(g.maxdiskGiB),
          [ANNOTATION_PROXMOX_LEASE_ENDS_AT]: g.leaseEndsAt,
          [ANNOTATION_VIEW_URL]: url,
        },
        tags: normaliseTags(g.tags),
        links: [
          { url, title: 'Proxmox UI', icon: 'dashboard' },
          { url: consoleUrl(cluster, g), title: 'Console', icon: 'code' },
        ],
        spec: {
          type: g.type === 'lxc' ? RESOURCE_TYPES.container : RESOURCE_TYPES.vm,
          owner: guestOwner(g, config).owner,
          // Its node, and the security groups of the request that made it
          // (the inventory reads no per-guest firewall: one call per cluster).
          dependsOn: [nodeRef(g.node), ...groupRefs(g.securityGroups)],
          system: g.system,
        },
      }),
    );
  }

  for (const fw of inv.firewallGroups) {
    out.push(
      resource({
        cluster: name,
        name: securityGroupEntityName(name, fw.name),
        title: `${fw.name} (${name})`,
        description: fw.comment,
        annotations: {
          ...base,
          [ANNOTATION_PROXMOX_SECURITY_GROUP]: fw.name,
          [ANNOTATION_VIEW_URL]: `${cluster.uiUrl}/#v1:0:=dc%2Ffirewall`,
        },
        spec: {
          type: RESOURCE_TYPES.securityGroup,
          owner: config.defaultOwner,
          dependencyOf: [clusterRef],
        },
      }),
    );
  }

  return out.sort((a, b) => byCodeUnit(a.metadata.name, b.metadata.name));
}
