import {
  PROXMOX_REQUEST_RESOURCE_TYPE,
  PROXMOX_REQUEST_RULES,
  ProxmoxRequest,
  REQUEST_STATES,
} from '@mycopod/plugin-proxmox-common';
import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import { z } from 'zod';

/** A query on request rows that a permission condition becomes. */
export type RequestFilter = {
  key: 'requester' | 'owner' | 'state';
  values: string[];
};

export const requestResourceRef = createPermissionResourceRef<
  ProxmoxRequest,
  RequestFilter
>().with({ pluginId: 'proxmox', resourceType: PROXMOX_REQUEST_RESOURCE_TYPE });

const claimsSchema = z.object({
  claims: z
    .array(z.string())
    .describe('Entity refs of the user (user ref and ownership refs)'),
});

export const isRequester = createPermissionRule({
  name: PROXMOX_REQUEST_RULES.isRequester,
  description: 'Allow when the request was filed by one of the given users',
  resourceRef: requestResourceRef,
  paramsSchema: claimsSchema,
  apply: (request, { claims }) => claims.includes(request.requester),
  toQuery: ({ claims }) => ({ key: 'requester', values: claims }),
});

export const isNotRequester = createPermissionRule({
  name: PROXMOX_REQUEST_RULES.isNotRequester,
  description: 'Allow when the request was not filed by any of the given users',
  resourceRef: requestResourceRef,
  paramsSchema: claimsSchema,
  apply: (request, { claims }) => !claims.includes(request.requester),
  toQuery: ({ claims }) => ({ not: { key: 'requester', values: claims } }),
});

export const isOwnerMember = createPermissionRule({
  name: PROXMOX_REQUEST_RULES.isOwnerMember,
  description:
    'Allow when the group that will own the guest is one of the given ownership refs',
  resourceRef: requestResourceRef,
  paramsSchema: claimsSchema,
  apply: (request, { claims }) => claims.includes(request.owner),
  toQuery: ({ claims }) => ({ key: 'owner', values: claims }),
});

export const hasState = createPermissionRule({
  name: PROXMOX_REQUEST_RULES.hasState,
  description: 'Allow when the request is in one of the given states',
  resourceRef: requestResourceRef,
  paramsSchema: z.object({ states: z.array(z.enum(REQUEST_STATES)) }),
  apply: (request, { states }) => states.includes(request.state),
  toQuery: ({ states }) => ({ key: 'state', values: states }),
});

export const requestPermissionRules = {
  isRequester,
  isNotRequester,
  isOwnerMember,
  hasState,
};

/**
 * Conditions for a permission policy, checked against the rules above:
 * `proxmoxRequestConditions.isRequester({ claims: [userRef] })`. Policies
 * outside this plugin use the same builders from
 * `@mycopod/plugin-proxmox-common`.
 */
export const {
  conditions: proxmoxRequestConditions,
  createConditionalDecision: createProxmoxRequestConditionalDecision,
} = createConditionExports({
  resourceRef: requestResourceRef,
  rules: requestPermissionRules,
});
