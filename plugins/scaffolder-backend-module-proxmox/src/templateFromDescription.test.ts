/*
 * templates/vm-from-description through the REAL scaffolder backend: its
 * fields are the contract of the ProxmoxPlanReview field, and a dry run
 * renders the review field's value (plan id, confirmed actions) into the
 * submit and declaration steps, which check the plan drafted by the
 * proxmox backend (the local test model) without submitting it.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  startLlmTestServer,
  type LlmTestServer,
} from '@mycopod/llm-test-server';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import {
  DEV,
  labSpec,
  startActionsBackend,
  type ActionsTestBackend,
} from './__testUtils__/testBackend';

jest.setTimeout(120_000);

const template = parse(
  readFileSync(
    resolve(__dirname, '../../../templates/vm-from-description/template.yaml'),
    'utf8',
  ),
);

let llm: LlmTestServer;
let tb: ActionsTestBackend;

beforeAll(async () => {
  llm = await startLlmTestServer();
  tb = await startActionsBackend({
    scaffolder: true,
    proxmox: {
      llm: {
        provider: 'openai-compatible',
        baseUrl: llm.baseUrl,
        model: 'template-model',
      },
    },
  });
});
afterAll(async () => {
  await tb?.stop();
  await llm?.stop();
});

async function draftAsDev(operations: unknown[]) {
  llm.reply({
    answer: { rationale: 'r', assumptions: [], operations },
  });
  const res = await request(tb.server)
    .post('/api/proxmox/drafts')
    .set('Authorization', mockCredentials.user.header(DEV))
    .send({ text: 'one small VM for the template test' });
  expect(res.status).toBe(201);
  return res.body;
}

function dryRun(values: Record<string, unknown>) {
  return request(tb.server)
    .post('/api/scaffolder/v2/dry-run')
    .set('Authorization', mockCredentials.user.header(DEV))
    .send({ template, values, directoryContents: [] });
}

const vm = (name: string, over: Record<string, unknown> = {}) => {
  const { justification: _j, ...spec } = labSpec({ name, ...over });
  return { kind: 'create', spec };
};

describe('templates/vm-from-description', () => {
  it('is a Template with a description step and the plan review field', () => {
    expect(template).toMatchObject({
      kind: 'Template',
      metadata: {
        name: 'vm-from-description',
        title: 'Describe what you need in plain language',
      },
      spec: {
        type: 'resource',
        EXPERIMENTAL_recovery: { EXPERIMENTAL_strategy: 'startOver' },
      },
    });
    const [describe, plan] = template.spec.parameters;
    expect(describe.properties.description).toMatchObject({
      type: 'string',
      'ui:widget': 'textarea',
      maxLength: 4000,
    });
    expect(plan.properties.plan).toMatchObject({
      type: 'object',
      'ui:field': 'ProxmoxPlanReview',
      'ui:options': { descriptionField: 'description' },
    });
    expect(template.spec.steps.map((s: any) => s.action)).toEqual([
      'proxmox:plan:submit',
      'proxmox:declaration:write',
    ]);
  });

  it('dry run: the steps get the reviewed plan and check it, submitting nothing', async () => {
    const plan = await draftAsDev([vm('tpl-desc-01')]);
    const res = await dryRun({
      description: plan.text,
      plan: { planId: plan.id, confirmActions: [] },
    });
    expect(res.status).toBe(200);
    const messages = res.body.log.map((l: any) => l.body.message).join('\n');
    expect(messages).toContain(plan.id);
    expect(messages).toMatch(/Wrote the declaration of plan/);
    expect(res.body.output.text[0].content).toMatch(
      /Create tpl-desc-01 on lab/,
    );
    // still a draft: a dry run submits nothing
    const after = await request(tb.server)
      .get(`/api/proxmox/drafts/${plan.id}`)
      .set('Authorization', mockCredentials.user.header(DEV));
    expect(after.body.state).toBe('draft');
    expect(after.body.operations[0].request.state).toBe('draft');
  });

  it('dry run: fails on a plan with error findings', async () => {
    const plan = await draftAsDev([vm('tpl-desc-big', { cores: 64 })]);
    const res = await dryRun({
      description: plan.text,
      plan: { planId: plan.id, confirmActions: [] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/cannot be submitted/);
  });
});
