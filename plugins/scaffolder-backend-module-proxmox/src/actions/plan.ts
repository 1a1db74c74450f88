import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  createDraftBodySchema,
  planIdSchema,
  planOperationIdSchema,
} from '@mycopod/plugin-proxmox-common';
import { ProxmoxRequestsClient } from '../client';
import { planSummary } from '../planText';

/** What a dry run outputs instead of a plan id. */
export const DRY_RUN_PLAN_ID = '00000000-0000-0000-0000-000000000000';

function parse<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: Array<{ message: string }> } };
  },
  value: unknown,
  what: string,
): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InputError(
      `${what}: ${result.error.issues.map(i => i.message).join('; ')}`,
    );
  }
  return result.data;
}

/**
 * `proxmox:plan:draft`: the model drafts a plan from the text as the user
 * who started the task — draft requests only, exactly once per step.
 */
export function createPlanDraftAction(options: {
  auth: AuthService;
  discovery: DiscoveryService;
}) {
  const client = new ProxmoxRequestsClient(options);
  return createTemplateAction({
    id: 'proxmox:plan:draft',
    description:
      'Drafts a MycoPod plan from a plain-language description as the user running the template: typed operations (new VMs, changes to their guests) stored as draft requests with policy findings. Nothing is submitted: use proxmox:plan:submit. Needs proxmox.llm in the backend (else the backend answers 503). Dry run: drafts nothing.',
    examples: [
      {
        description: 'Draft a plan, then submit it',
        example: `steps:
  - id: draft
    action: proxmox:plan:draft
    input:
      text: \${{ parameters.description }}
  - id: submit
    action: proxmox:plan:submit
    input:
      planId: \${{ steps.draft.output.planId }}`,
      },
    ],
    supportsDryRun: true,
    schema: {
      input: {
        text: z =>
          z.string().describe('What the developer needs, in their own words'),
      },
      output: {
        planId: z => z.string().describe('Id of the drafted plan'),
        summary: z =>
          z.string().describe('The operations and findings, in Markdown'),
        submittable: z =>
          z.boolean().describe('True when no operation has an error finding'),
      },
    },
    async handler(ctx) {
      const { text } = parse(createDraftBodySchema, ctx.input, 'text');
      if (ctx.isDryRun) {
        ctx.logger.info('Dry run: no plan drafted (no model call)');
        ctx.output('planId', DRY_RUN_PLAN_ID);
        ctx.output('summary', 'Dry run: no plan drafted');
        ctx.output('submittable', false);
        return;
      }
      // A retried or recovered task finds the stored plan and drafts none.
      const drafted = await ctx.checkpoint({
        key: 'draft-plan',
        fn: async () => {
          const credentials = await ctx.getInitiatorCredentials();
          const plan = await client.draftPlan(credentials, text);
          return {
            planId: plan.id,
            summary: planSummary(plan),
            submittable: plan.submittable,
          };
        },
      });
      for (const line of drafted.summary.split('\n')) ctx.logger.info(line);
      ctx.output('planId', drafted.planId);
      ctx.output('summary', drafted.summary);
      ctx.output('submittable', drafted.submittable);
    },
  });
}

/**
 * `proxmox:plan:submit`: the user's reviewed plan goes to approval, each
 * request like a form request; exactly once per step.
 */
export function createPlanSubmitAction(options: {
  auth: AuthService;
  discovery: DiscoveryService;
}) {
  const client = new ProxmoxRequestsClient(options);
  return createTemplateAction({
    id: 'proxmox:plan:submit',
    description:
      'Submits a MycoPod plan the user reviewed, as the user running the template: its draft requests go to approval (pending, or approved at once within the auto-approve policy) and approvers decide as for any request. Immediate power/snapshot actions run only when listed in confirmActions. Fails while the plan has error findings. Dry run: checks that it could be submitted.',
    examples: [
      {
        description:
          'Submit the plan the ProxmoxPlanReview field drafted and the user reviewed',
        example: `steps:
  - id: submit
    action: proxmox:plan:submit
    input:
      planId: \${{ parameters.plan.planId }}
output:
  text:
    - title: Requests
      content: \${{ steps.submit.output.summary }}`,
      },
    ],
    supportsDryRun: true,
    schema: {
      input: {
        planId: z =>
          z.string().describe('The plan id (the review field value)'),
        confirmActions: z =>
          z
            .array(z.string())
            .optional()
            .describe('Ids of the immediate actions the user confirmed'),
      },
      output: {
        state: z =>
          z
            .string()
            .describe('The plan state: submitted, or draft when part failed'),
        requestIds: z => z.array(z.string()).describe('Ids of the requests'),
        requests: z =>
          z
            .array(
              z.object({
                id: z.string(),
                kind: z.string(),
                state: z.string(),
                url: z.string(),
              }),
            )
            .describe('The submitted requests with their state and page'),
        summary: z =>
          z.string().describe('The plan after submission, in Markdown'),
      },
    },
    async handler(ctx) {
      const planId = parse(planIdSchema, ctx.input.planId, 'planId');
      const confirmActions = (ctx.input.confirmActions ?? []).map((id, i) =>
        parse(planOperationIdSchema, id, `confirmActions.${i}`),
      );
      const credentials = await ctx.getInitiatorCredentials();
      if (ctx.isDryRun) {
        const plan = await client.getPlan(credentials, planId);
        if (!plan.submittable) {
          throw new InputError(
            `The plan cannot be submitted:\n${planSummary(plan)}`,
          );
        }
        ctx.output('state', plan.state);
        ctx.output('requestIds', []);
        ctx.output('requests', []);
        ctx.output('summary', planSummary(plan));
        return;
      }
      const submitted = await ctx.checkpoint({
        key: `submit-plan:${planId}`,
        fn: async () => {
          const result = await client.submitPlan(
            await ctx.getInitiatorCredentials(),
            planId,
            confirmActions,
          );
          return {
            state: result.plan.state,
            requests: result.requests,
            summary: planSummary(result.plan),
            failures: result.failures ?? [],
          };
        },
      });
      for (const r of submitted.requests) {
        ctx.logger.info(
          `Request ${r.id} (${r.kind}) is ${r.state}${
            r.state === 'pending' ? ', waiting for approval' : ''
          }`,
        );
      }
      for (const f of submitted.failures)
        ctx.logger.warn(`Not submitted: ${f}`);
      ctx.output('state', submitted.state);
      ctx.output(
        'requestIds',
        submitted.requests.map(r => r.id),
      );
      ctx.output('requests', submitted.requests);
      ctx.output('summary', submitted.summary);
    },
  });
}
