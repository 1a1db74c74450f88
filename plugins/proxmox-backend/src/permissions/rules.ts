import {
  PROXMOX_REQUEST_RESOURCE_TYPE,
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
  name: 'IS_REQUESTER',
  description: 'Allow when the request was filed by one of the given users',
  resourceRef: requestResourceRef,
  paramsSchema: claimsSchema,
  apply: (request, { claims }) => claims.includes(request.requester),
  toQuery: ({ claims }) => ({ key: 'requester', values: claims }),
});

export const isNotRequester = createPermissionRule({
  name: 'IS_NOT_REQUESTER',
  description: 'Allow when the request was not filed by any of the given users',
  resourceRef: requestResourceRef,
  paramsSchema: claimsSchema,
  apply: (request, { claims }) => !claims.includes(request.requester),
  toQuery: ({ claims }) => ({ not: { key: 'requester', values: claims } }),
});

export const isOwnerMember = createPermissionRule({
  name: 'IS_OWNER_MEMBER',
  description:
    'Allow when the group that will own the guest is one of the given ownership refs',
  resourceRef: requestResourceRef,
  paramsSchema: claimsSchema,
  apply: (request, { claims }) => claims.includes(request.owner),
  toQuery: ({ claims }) => ({ key: 'owner', values: claims }),
});

export const hasState = createPermissionRule({
  name: 'HAS_STATE',
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
 * Conditions for a permission policy:
 * `proxmoxRequestConditions.isRequester({ claims: [userRef] })`.
 */
export const {
  conditions: proxmoxRequestConditions,
  createConditionalDecision: createProxmoxRequestConditionalDecision,
} = createConditionExports({
  resourceRef: requestResourceRef,
  rules: requestPermissionRules,
});
