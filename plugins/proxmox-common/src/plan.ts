import { z } from 'zod';
import {
  POWER_ACTIONS,
  guestRequestBodySchema,
  snapshotNameSchema,
  type PowerAction,
  type RequestChange,
} from './day2';
import type { Finding, ProxmoxRequest } from './request';
import { vmSpecSchema } from './spec';

/*
 * LLM drafting: a developer's words become a plan of typed operations,
 * stored as `draft` requests under one plan id, reviewed, edited and
 * submitted by the developer. Paths are relative to `/api/proxmox`:
 *
 * `POST   /drafts`                                  { text } → 201 ProxmoxPlan
 * `GET    /drafts/:planId`                          → ProxmoxPlan
 * `PATCH  /drafts/:planId/operations/:operationId`  { spec } | { change } → ProxmoxPlan
 * `DELETE /drafts/:planId/operations/:operationId`  → ProxmoxPlan (the operation dropped)
 * `POST   /drafts/:planId/submit`                   { confirmActions? } → PlanSubmission
 * `DELETE /drafts/:planId`                          → ProxmoxPlan (discarded)
 *
 * Only the plan's requester reads or changes it (404 for anyone else).
 */

/** What an operation of a plan does. */
export const PLAN_OPERATION_KINDS = [
  'create',
  'resize',
  'decommission',
  'extend-lease',
  'power',
  'snapshot',
] as const;
export type PlanOperationKind = (typeof PLAN_OPERATION_KINDS)[number];

/** Most operations one plan may hold (the model's answer is refused above). */
export const MAX_PLAN_OPERATIONS = 20;

// ------------------------------------------------------------ model answer

/**
 * A guest as the model names it: its name as listed among the guests the
 * user may act on, and its cluster when two clusters have the same name.
 */
const guestFields = {
  guest: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .describe('The name of the guest, exactly as listed in allowedGuests'),
  cluster: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, {
      message: 'must be a cluster name',
    })
    .optional()
    .describe('The cluster of the guest, when the name is not unique'),
};

const justification = z.string().trim().max(2000).optional();

/**
 * One operation as the model drafts it. Day-2 fields are those of
 * `guestRequestBodySchema` (day2.ts); `create` carries a full `vmSpecSchema`.
 */
export const draftOperationSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('create'),
    spec: vmSpecSchema,
  }),
  z
    .strictObject({
      kind: z.literal('resize'),
      ...guestFields,
      cores: z.number().int().min(1).max(128).optional(),
      memoryMiB: z.number().int().min(512).max(1_048_576).optional(),
      diskGiB: z
        .number()
        .int()
        .min(1)
        .max(65_536)
        .optional()
        .describe('The new disk size in GiB; disks only grow'),
      justification,
    })
    .refine(
      b =>
        b.cores !== undefined ||
        b.memoryMiB !== undefined ||
        b.diskGiB !== undefined,
      { message: 'say what to change: cores, memoryMiB or diskGiB' },
    ),
  z.strictObject({
    kind: z.literal('decommission'),
    ...guestFields,
    justification,
  }),
  z.strictObject({
    kind: z.literal('extend-lease'),
    ...guestFields,
    days: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .describe('Days to add to the lease'),
    justification,
  }),
  z.strictObject({
    kind: z.literal('power'),
    ...guestFields,
    action: z.enum(POWER_ACTIONS),
  }),
  z.strictObject({
    kind: z.literal('snapshot'),
    ...guestFields,
    name: snapshotNameSchema,
    description: z.string().trim().max(1000).optional(),
  }),
]);
export type DraftOperation = z.output<typeof draftOperationSchema>;

/** The model's whole answer: operations, why, and what it assumed. */
export const draftPlanAnswerSchema = z.strictObject({
  rationale: z
    .string()
    .trim()
    .max(2000)
    .describe('Two or three sentences: how the plan meets the request'),
  assumptions: z
    .array(z.string().trim().max(500))
    .max(20)
    .default([])
    .describe(
      'Everything the text did not say and the plan chose (cluster, template, sizes, names, owner…)',
    ),
  operations: z.array(draftOperationSchema).max(MAX_PLAN_OPERATIONS),
});
export type DraftPlanAnswer = z.output<typeof draftPlanAnswerSchema>;

/**
 * The envelope of an answer, operations unchecked: when the model's answer
 * stays invalid after one more try, each operation is checked on its own
 * and the invalid ones become operations with error findings.
 */
export const draftPlanEnvelopeSchema = z.object({
  rationale: z.string().max(2000).default(''),
  assumptions: z.array(z.string().max(500)).max(20).default([]),
  operations: z.array(z.unknown()).max(MAX_PLAN_OPERATIONS),
});

/** A day-2 operation as the body of `POST /guests/:cluster/:vmid/requests`. */
export function guestRequestBodyOf(
  op: Extract<
    DraftOperation,
    { kind: 'resize' | 'decommission' | 'extend-lease' }
  >,
) {
  const { guest: _guest, cluster: _cluster, ...body } = op;
  return guestRequestBodySchema.parse(body);
}

// ------------------------------------------------------------ API

/** `POST /drafts`. */
export const createDraftBodySchema = z.strictObject({
  text: z
    .string()
    .trim()
    .min(3, { message: 'say what you need in a few words' })
    .max(4000, { message: 'keep it under 4000 characters' }),
});
export type CreateDraftBody = z.input<typeof createDraftBodySchema>;

/** A plan id or an operation id in a path. */
export const planIdSchema = z.uuid({ message: 'must be a plan id' });
export const planOperationIdSchema = z.uuid({
  message: 'must be an operation id',
});

/**
 * `PATCH /drafts/:planId/operations/:operationId`: the whole edited spec of
 * a `create`, or the new body of a day-2 request. Refused (400 with the
 * findings) when the edit breaks policy; the draft stays as it was.
 */
export const editPlanOperationBodySchema = z
  .strictObject({
    spec: vmSpecSchema.optional(),
    change: guestRequestBodySchema.optional(),
  })
  .refine(b => (b.spec === undefined) !== (b.change === undefined), {
    message:
      'give either spec (a create) or change (a resize, decommission or extend-lease)',
  });
export type EditPlanOperationBody = z.input<typeof editPlanOperationBodySchema>;

/**
 * `POST /drafts/:planId/submit`: the draft requests go to approval (or are
 * auto-approved); immediate actions run only when their ids are listed.
 */
export const submitPlanBodySchema = z.strictObject({
  confirmActions: z
    .array(planOperationIdSchema)
    .max(MAX_PLAN_OPERATIONS)
    .default([]),
});
export type SubmitPlanBody = z.input<typeof submitPlanBodySchema>;

export const PLAN_STATES = ['draft', 'submitted', 'discarded'] as const;
export type PlanState = (typeof PLAN_STATES)[number];

/** An immediate action of a plan (not a request: no approval). */
export type PlanAction =
  | { type: 'power'; action: PowerAction }
  | { type: 'snapshot'; name: string; description?: string };

/** One operation of a plan, as the review shows it. */
export interface PlanOperation {
  /**
   * The request id (`mode: request`), else an id of the operation in the
   * plan (actions, and operations that could not be understood).
   */
  id: string;
  kind: PlanOperationKind;
  /**
   * `request`: a draft request, approved like any other once submitted;
   * `action`: an immediate power or snapshot action the user confirms;
   * `invalid`: neither (unknown guest, invalid spec): see its findings.
   */
  mode: 'request' | 'action' | 'invalid';
  /** One line, e.g. `Create web-01 on lab: 2 vCPU, 4 GiB, 40 GiB disk`. */
  summary: string;
  /** The request (mode `request`); its state is `draft` until submitted. */
  request?: ProxmoxRequest;
  /** The guest a day-2 operation or an action acts on. */
  target?: { cluster: string; vmid: number; name?: string };
  /** Old → new values; a create has only `after`. */
  change?: RequestChange;
  /** What an action does. */
  action?: PlanAction;
  /** An action's outcome once the plan was submitted. */
  actionResult?: {
    status: 'started' | 'failed' | 'not-confirmed';
    message?: string;
    upid?: string;
  };
  /** What the model proposed, for operations that could not be understood. */
  proposed?: unknown;
  findings: Finding[];
}

/** `GET /drafts/:planId`. */
export interface ProxmoxPlan {
  id: string;
  /** User entity ref of whoever described it. */
  requester: string;
  state: PlanState;
  /** The developer's words, as typed. */
  text: string;
  rationale: string;
  assumptions: string[];
  operations: PlanOperation[];
  /** Findings about the plan as a whole. */
  findings: Finding[];
  /**
   * A draft with something left to submit (a draft request, an action not
   * yet run) and no error finding anywhere.
   */
  submittable: boolean;
  /** The model that drafted it. */
  model: { provider: string; model: string };
  createdAt: string;
  updatedAt: string;
}

/** `POST /drafts/:planId/submit`. */
export interface PlanSubmission {
  plan: ProxmoxPlan;
  /** The plan's requests after submission: pending, or approved at once. */
  requests: Array<{ id: string; kind: string; state: string; url: string }>;
  /**
   * Operations that could not be submitted (e.g. the quota was taken in the
   * meantime); they stay drafts and the plan stays a draft.
   */
  failures?: string[];
}

/** Whether findings hold an error. */
export function hasErrorFinding(findings: readonly Finding[]): boolean {
  return findings.some(f => f.level === 'error');
}
