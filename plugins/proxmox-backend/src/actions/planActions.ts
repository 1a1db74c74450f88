import type { UserInfoService } from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import {
  type ProxmoxPlan,
  createDraftBodySchema,
  planIdSchema,
  planOperationIdSchema,
} from '@mycopod/plugin-proxmox-common';
import type { DraftService } from '../drafts/DraftService';
import type { PlanChanges } from '../drafts/PlanChanges';
import { parseInput } from '../router/validation';
import type { z as zodV3 } from 'zod/v3';
import { actionCaller, asActionError } from './caller';

/** The zod (v3) the actions registry hands to schema callbacks. */
type Zod = typeof zodV3;

/** A plan as an agent reads it: every operation in one line, with findings. */
export function planForAgents(plan: ProxmoxPlan) {
  return {
    planId: plan.id,
    state: plan.state,
    submittable: plan.submittable,
    rationale: plan.rationale,
    assumptions: plan.assumptions,
    findings: plan.findings.map(f => ({ ...f })),
    operations: plan.operations.map(op => ({
      id: op.id,
      kind: op.kind,
      mode: op.mode,
      summary: op.summary,
      ...(op.request
        ? {
            requestId: op.request.id,
            requestState: op.request.state,
            requestUrl: `/proxmox/requests/${op.request.id}`,
          }
        : {}),
      ...(op.actionResult ? { actionResult: { ...op.actionResult } } : {}),
      findings: op.findings.map(f => ({ ...f })),
    })),
  };
}

const findingShape = (z: Zod) =>
  z.object({
    level: z.enum(['error', 'warning']),
    field: z.string().optional(),
    code: z.string().optional(),
    message: z.string(),
  });

/** The output schema of a plan (zod v3, as the actions registry wants). */
const planOutput = (z: Zod) =>
  z.object({
    planId: z.string(),
    state: z.enum(['draft', 'submitted', 'discarded']),
    submittable: z
      .boolean()
      .describe(
        'True when nothing in the plan has an error finding; only then submit-plan accepts it',
      ),
    rationale: z.string(),
    assumptions: z.array(z.string()),
    findings: z.array(findingShape(z)),
    operations: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        mode: z
          .enum(['request', 'action', 'invalid'])
          .describe(
            'request: approved by an approver after submit; action: an immediate power/snapshot action, run only when its id is in confirmActions; invalid: cannot be submitted, see findings',
          ),
        summary: z.string(),
        requestId: z.string().optional(),
        requestState: z.string().optional(),
        requestUrl: z.string().optional(),
        actionResult: z
          .object({
            status: z.string(),
            message: z.string().optional(),
            upid: z.string().optional(),
          })
          .optional(),
        findings: z.array(findingShape(z)),
      }),
    ),
  });

/**
 * `proxmox:draft-plan`, `proxmox:get-plan` and `proxmox:submit-plan`: the
 * plain-language flow for agents, as the calling user. Drafting only files
 * `draft` requests; submitting sends them to approval like the form does.
 */
export function registerPlanActions(options: {
  actionsRegistry: ActionsRegistryService;
  userInfo: UserInfoService;
  drafts: DraftService;
  changes: PlanChanges;
}) {
  const { actionsRegistry, userInfo, drafts, changes } = options;

  actionsRegistry.register({
    name: 'draft-plan',
    title: 'Draft a MycoPod plan from plain language',
    description: `Turns a description of what the user needs ("two Ubuntu web servers for team-a with 4 GB each, and grow db-01's disk to 80 GB") into a plan of typed operations against the user's Proxmox guests: new VMs, resizes, decommissions, lease extensions (requests that an approver approves), and power or snapshot actions (run only when the user confirms them). Each operation carries policy findings. Nothing runs: the operations are drafts until submit-plan. Show the plan and its findings to the user before submitting.`,
    attributes: { destructive: false, readOnly: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          text: z
            .string()
            .describe("The user's description, in their own words"),
        }),
      output: planOutput,
    },
    action: async ({ input, credentials }) =>
      asActionError(async () => {
        const caller = await actionCaller(userInfo, credentials);
        const { text } = parseInput(createDraftBodySchema, input);
        const plan = await drafts.draft(text, caller);
        return { output: planForAgents(plan) };
      }),
  });

  actionsRegistry.register({
    name: 'get-plan',
    title: 'Read a MycoPod plan',
    description:
      'The operations of a plan the user drafted, their findings and whether it can be submitted. Plans are visible to the user who drafted them only.',
    attributes: { readOnly: true, idempotent: true },
    schema: {
      input: z => z.object({ planId: z.string().describe('The plan id') }),
      output: planOutput,
    },
    action: async ({ input, credentials }) =>
      asActionError(async () => {
        const caller = await actionCaller(userInfo, credentials);
        const planId = parseInput(planIdSchema, input.planId, 'planId');
        return { output: planForAgents(await drafts.view(planId, caller)) };
      }),
  });

  actionsRegistry.register({
    name: 'submit-plan',
    title: 'Submit a MycoPod plan for approval',
    description:
      "Submits the user's drafted plan after the user reviewed it: each request goes to approval (pending, or approved at once within the auto-approve policy) and an approver decides as for any request; nothing bypasses approval. Immediate power or snapshot actions run only if their operation ids are listed in confirmActions. Refused while the plan has error findings.",
    attributes: { destructive: true, readOnly: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          planId: z.string().describe('The plan id from draft-plan'),
          confirmActions: z
            .array(z.string())
            .optional()
            .describe(
              'Ids of the action operations (power, snapshot) the user confirmed to run now',
            ),
        }),
      output: z =>
        z.object({
          plan: planOutput(z),
          requests: z.array(
            z.object({
              id: z.string(),
              kind: z.string(),
              state: z.string(),
              url: z.string(),
            }),
          ),
          failures: z.array(z.string()).optional(),
        }),
    },
    action: async ({ input, credentials }) =>
      asActionError(async () => {
        const caller = await actionCaller(userInfo, credentials);
        const planId = parseInput(planIdSchema, input.planId, 'planId');
        const confirm = (input.confirmActions ?? []).map((id, i) =>
          parseInput(planOperationIdSchema, id, `confirmActions.${i}`),
        );
        const submitted = await changes.submit(planId, confirm, caller);
        return {
          output: {
            plan: planForAgents(submitted.plan),
            requests: submitted.requests,
            ...(submitted.failures ? { failures: submitted.failures } : {}),
          },
        };
      }),
  });
}
