/** Annotation keys MycoPod puts on catalog entities. */
export const ANNOTATION_PROXMOX_CLUSTER = 'proxmox.com/cluster';
export const ANNOTATION_PROXMOX_NODE = 'proxmox.com/node';
export const ANNOTATION_PROXMOX_VMID = 'proxmox.com/vmid';
export const ANNOTATION_PROXMOX_GUEST_TYPE = 'proxmox.com/guest-type';
export const ANNOTATION_PROXMOX_REQUEST_ID = 'proxmox.com/request-id';
export const ANNOTATION_PROXMOX_SECURITY_GROUP = 'proxmox.com/security-group';
export const ANNOTATION_PROXMOX_POOL = 'proxmox.com/pool';
/** Stable sizing facts of a guest or node (never usage). */
export const ANNOTATION_PROXMOX_CORES = 'proxmox.com/cores';
export const ANNOTATION_PROXMOX_MEMORY_MIB = 'proxmox.com/memory-mib';
export const ANNOTATION_PROXMOX_DISK_GIB = 'proxmox.com/disk-gib';
/** When the lease of the request that created the guest ends (ISO 8601). */
export const ANNOTATION_PROXMOX_LEASE_ENDS_AT = 'proxmox.com/lease-ends-at';

/** `spec.type` of the Resource entities MycoPod emits. */
export const RESOURCE_TYPES = {
  cluster: 'proxmox-cluster',
  node: 'proxmox-node',
  vm: 'virtual-machine',
  container: 'container',
  template: 'vm-template',
  securityGroup: 'security-group',
} as const;

/**
 * Turns any text into a valid entity name part: `[a-z0-9-]`, no leading,
 * trailing or doubled hyphen. Entity names may hold at most 63 characters.
 */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function entityName(...parts: Array<string | number>): string {
  const name = parts.map(p => slug(String(p))).join('-');
  if (name.length <= 63) return name;
  // Keep the end (the unique part, e.g. the VMID) and mark the cut.
  return name.slice(0, 63).replace(/-+$/, '');
}

/** Entity name of a cluster. */
export function clusterEntityName(cluster: string): string {
  return entityName(cluster);
}

/** Entity name of a node: `<cluster>-<node>`. */
export function nodeEntityName(cluster: string, node: string): string {
  return entityName(cluster, node);
}

/** Entity name of a guest: `<cluster>-<vmid>`, stable across renames and moves. */
export function guestEntityName(cluster: string, vmid: number): string {
  return entityName(cluster, vmid);
}

/** Entity name of a Proxmox template: `<cluster>-template-<vmid>`. */
export function templateEntityName(cluster: string, vmid: number): string {
  return entityName(cluster, 'template', vmid);
}

/** Entity name of a firewall security group: `<cluster>-sg-<group>`. */
export function securityGroupEntityName(
  cluster: string,
  group: string,
): string {
  return entityName(cluster, 'sg', group);
}

/** Entity ref of a guest's Resource entity. */
export function guestEntityRef(cluster: string, vmid: number): string {
  return `resource:default/${guestEntityName(cluster, vmid)}`;
}
