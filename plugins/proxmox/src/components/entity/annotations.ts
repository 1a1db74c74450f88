import {
  ANNOTATION_PROXMOX_CLUSTER,
  ANNOTATION_PROXMOX_NODE,
  ANNOTATION_PROXMOX_REQUEST_ID,
  ANNOTATION_PROXMOX_VMID,
  guestEntityName,
  nodeEntityName,
} from '@mycopod/plugin-proxmox-common';

/** The parts of a catalog entity the Proxmox cards read. */
export interface EntityLike {
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
  };
}

export interface GuestAnnotations {
  cluster: string;
  vmid: number;
  requestId?: string;
}

export interface NodeAnnotations {
  cluster: string;
  node: string;
}

function annotation(entity: EntityLike, key: string): string | undefined {
  const value = entity.metadata.annotations?.[key]?.trim();
  return value ? value : undefined;
}

/** A missing or unreadable annotation, in words. */
export class MissingAnnotationError extends Error {
  readonly name = 'MissingAnnotationError';
  constructor(readonly annotations: string[]) {
    super(
      `This entity lacks ${annotations
        .map(a => `the ${a} annotation`)
        .join(' and ')}, so MycoPod cannot tell which Proxmox object it is.`,
    );
  }
}

/** Cluster, VMID and creating request of a guest entity. */
export function guestAnnotations(
  entity: EntityLike,
): GuestAnnotations | MissingAnnotationError {
  const cluster = annotation(entity, ANNOTATION_PROXMOX_CLUSTER);
  const rawVmid = annotation(entity, ANNOTATION_PROXMOX_VMID);
  const vmid = rawVmid && /^\d+$/.test(rawVmid) ? Number(rawVmid) : undefined;
  const missing = [
    ...(cluster ? [] : [ANNOTATION_PROXMOX_CLUSTER]),
    ...(vmid !== undefined ? [] : [ANNOTATION_PROXMOX_VMID]),
  ];
  if (!cluster || vmid === undefined)
    return new MissingAnnotationError(missing);
  return {
    cluster,
    vmid,
    requestId: annotation(entity, ANNOTATION_PROXMOX_REQUEST_ID),
  };
}

/** Cluster and node name of a node entity. */
export function nodeAnnotations(
  entity: EntityLike,
): NodeAnnotations | MissingAnnotationError {
  const cluster = annotation(entity, ANNOTATION_PROXMOX_CLUSTER);
  const node = annotation(entity, ANNOTATION_PROXMOX_NODE);
  if (!cluster || !node) {
    return new MissingAnnotationError([
      ...(cluster ? [] : [ANNOTATION_PROXMOX_CLUSTER]),
      ...(node ? [] : [ANNOTATION_PROXMOX_NODE]),
    ]);
  }
  return { cluster, node };
}

/** Cluster name of a cluster entity. */
export function clusterAnnotation(
  entity: EntityLike,
): string | MissingAnnotationError {
  return (
    annotation(entity, ANNOTATION_PROXMOX_CLUSTER) ??
    new MissingAnnotationError([ANNOTATION_PROXMOX_CLUSTER])
  );
}

function namespaceOf(entity: EntityLike): string {
  return entity.metadata.namespace ?? 'default';
}

/** Ref of the node entity next to `entity` (same namespace). */
export function nodeRefNear(
  entity: EntityLike,
  cluster: string,
  node: string,
): string {
  return `resource:${namespaceOf(entity)}/${nodeEntityName(cluster, node)}`;
}

/** Ref of a guest entity next to `entity` (same namespace). */
export function guestRefNear(
  entity: EntityLike,
  cluster: string,
  vmid: number,
): string {
  return `resource:${namespaceOf(entity)}/${guestEntityName(cluster, vmid)}`;
}
