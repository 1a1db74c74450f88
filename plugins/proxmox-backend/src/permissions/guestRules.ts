import {
  PROXMOX_GUEST_RESOURCE_TYPE,
  PROXMOX_GUEST_RULES,
  guestEntityRef,
} from '@mycopod/plugin-proxmox-common';
import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import { z } from 'zod';

/**
 * A guest as the permission framework sees it; its resource ref is the
 * guest's entity ref (`guestEntityRef(cluster, vmid)`).
 */
export interface ProxmoxGuestResource {
  cluster: string;
  vmid: number;
  /** Group entity ref from the request that created the guest, if any. */
  owner?: string;
  requestId?: string;
}

/**
 * The query a guest condition becomes. Guests are never listed from SQL
 * (they live in Proxmox), so nothing translates it today; it exists because
 * every rule must have a query form.
 */
export type GuestFilter = { key: 'owner'; values: string[] };

export const guestResourceRef = createPermissionResourceRef<
  ProxmoxGuestResource,
  GuestFilter
>().with({ pluginId: 'proxmox', resourceType: PROXMOX_GUEST_RESOURCE_TYPE });

export const isGuestOwner = createPermissionRule({
  name: PROXMOX_GUEST_RULES.isGuestOwner,
  description:
    'Allow when the guest was requested for one of the given groups (guests created outside MycoPod have no owner)',
  resourceRef: guestResourceRef,
  paramsSchema: z.object({
    claims: z
      .array(z.string())
      .describe('Entity refs of the user (user ref and ownership refs)'),
  }),
  apply: (guest, { claims }) =>
    guest.owner !== undefined && claims.includes(guest.owner),
  toQuery: ({ claims }) => ({ key: 'owner', values: claims }),
});

export const guestPermissionRules = { isGuestOwner };

/**
 * Conditions on guests for a permission policy:
 * `proxmoxGuestConditions.isGuestOwner({ claims: ownershipEntityRefs })`.
 */
export const {
  conditions: proxmoxGuestConditions,
  createConditionalDecision: createProxmoxGuestConditionalDecision,
} = createConditionExports({
  resourceRef: guestResourceRef,
  rules: guestPermissionRules,
});

/**
 * The cluster and VMID of a guest entity ref (`resource:default/<cluster>-<vmid>`)
 * among the configured clusters; undefined for anything else.
 */
export function parseGuestEntityRef(
  ref: string,
  clusters: string[],
): { cluster: string; vmid: number } | undefined {
  const wanted = ref.toLowerCase();
  const m = /^resource:default\/.+-(\d+)$/.exec(wanted);
  if (!m) return undefined;
  const vmid = Number(m[1]);
  const cluster = clusters.find(c => guestEntityRef(c, vmid) === wanted);
  return cluster ? { cluster, vmid } : undefined;
}
