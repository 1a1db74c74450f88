/*
 * The plan actions called as the scaffolder calls them, against a real
 * proxmox backend (permission backend + MycoPod policy + PVE simulator)
 * whose model is the local OpenAI-compatible test server: the initiating
 * user's credentials, real HTTP, a memoising checkpoint.
 */
import {
  startLlmTestServer,
  type LlmTestServer,
} from '@mycopod/llm-test-server';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  labSpec,
  startActionsBackend,
  userTokenAuth,
  type ActionsTestBackend,
} from '../__testUtils__/testBackend';
import { mockContext } from '../__testUtils__/mockContext';
import { createDeclarationWriteAction } from './declaration';
import {
  DRY_RUN_PLAN_ID,
  createPlanDraftAction,
  createPlanSubmitAction,
} from './plan';

jest.setTimeout(90_000);

const KEY = 'sk-scaffolder-test-0f9e8d7c';
let llm: LlmTestServer;
let tb: ActionsTestBackend;
const auth = userTokenAuth('scaffolder');

/** A create operation as the model writes it. */
function createOp(name: string, over: Record<string, unknown> = {}) {
  const { justification: _j, ...spec } = labSpec({ name, ...over });
  return { kind: 'create', spec };
}
const answer = (operations: unknown[]) => ({
  rationale: 'From the description.',
  assumptions: ['cluster lab'],
  operations,
});

beforeAll(async () => {
  llm = await startLlmTestServer({ apiKey: KEY });
  tb = await startActionsBackend({
    proxmox: {
      llm: {
        provider: 'openai-compatible',
        baseUrl: llm.baseUrl,
        apiKey: KEY,
        model: 'scaffolder-model',
      },
    },
  });
});
afterAll(async () => {
  await tb?.stop();
  await llm?.stop();
});
beforeEach(() => llm.reset());

const deps = () => ({ auth, discovery: tb.discovery });

async function draftPlan(text: string, store = new Map()) {
  const { ctx, outputs } = mockContext({ text }, { store });
  await createPlanDraftAction(deps()).handler(ctx);
  return outputs as { planId: string; summary: string; submittable: boolean };
}

describe('proxmox:plan:draft and proxmox:plan:submit', () => {
  it('drafts once and submits once as the initiating user, also when the task is retried', async () => {
    llm.reply({ answer: answer([createOp('plan-web-01', { cores: 4 })]) });
    const store = new Map();
    const first = await draftPlan('a web server with 4 cores', store);
    expect(first.submittable).toBe(true);
    expect(first.summary).toMatch(/Create plan-web-01 on lab: 4 vCPU/);
    expect(first.summary).toMatch(/draft \(\[request\]\(\/proxmox\/requests\//);
    // a retried task: the checkpoint, no second model call, the same plan
    const again = await draftPlan('a web server with 4 cores', store);
    expect(again.planId).toBe(first.planId);
    expect(llm.chatRequests()).toHaveLength(1);

    const submitStore = new Map();
    const submit = async () => {
      const { ctx, outputs, logs } = mockContext(
        { planId: first.planId },
        { store: submitStore },
      );
      await createPlanSubmitAction(deps()).handler(ctx);
      return { outputs: outputs as any, logs };
    };
    const { outputs, logs } = await submit();
    expect(outputs.state).toBe('submitted');
    expect(outputs.requests).toEqual([
      expect.objectContaining({ kind: 'create', state: 'pending' }),
    ]);
    expect(outputs.requestIds).toEqual([outputs.requests[0].id]);
    expect(logs.join('\n')).toMatch(/is pending, waiting for approval/);
    const retried = await submit();
    expect(retried.outputs.requestIds).toEqual(outputs.requestIds);
  });

  it('refuses to submit a plan with error findings, naming them', async () => {
    llm.reply({ answer: answer([createOp('plan-huge-01', { cores: 64 })]) });
    const { planId, submittable, summary } = await draftPlan('a huge VM');
    expect(submittable).toBe(false);
    expect(summary).toMatch(/error \[cores\]: 64 vCPUs exceed/);
    const { ctx } = mockContext({ planId });
    await expect(createPlanSubmitAction(deps()).handler(ctx)).rejects.toThrow(
      /64 vCPUs exceed the per-request limit/,
    );
    // the dry run says the same without submitting
    const dry = mockContext({ planId }, { isDryRun: true });
    await expect(
      createPlanSubmitAction(deps()).handler(dry.ctx),
    ).rejects.toThrow(/cannot be submitted/);
  });

  it('a dry run drafts nothing', async () => {
    const { ctx, outputs } = mockContext(
      { text: 'one VM' },
      { isDryRun: true },
    );
    await createPlanDraftAction(deps()).handler(ctx);
    expect(outputs.planId).toBe(DRY_RUN_PLAN_ID);
    expect(llm.requests).toHaveLength(0);
  });

  it('checks its input before any call', async () => {
    const { ctx } = mockContext({ text: '' });
    await expect(createPlanDraftAction(deps()).handler(ctx)).rejects.toThrow(
      /text: say what you need/,
    );
    const bad = mockContext({ planId: 'nope' });
    await expect(
      createPlanSubmitAction(deps()).handler(bad.ctx),
    ).rejects.toThrow(/planId: must be a plan id/);
    expect(llm.requests).toHaveLength(0);
  });
});

describe('proxmox:declaration:write', () => {
  it('writes the plan, its text and its requests as YAML into the workspace', async () => {
    llm.reply({ answer: answer([createOp('plan-decl-01')]) });
    const text = 'one Ubuntu VM for the declaration test';
    const { planId } = await draftPlan(text);
    const workspace = mkdtempSync(join(tmpdir(), 'mycopod-decl-'));
    try {
      const { ctx, outputs } = mockContext({ planId });
      ctx.workspacePath = workspace;
      await createDeclarationWriteAction(deps()).handler(ctx);
      expect(outputs.path).toBe('mycopod/plan.yaml');
      const written = readFileSync(
        join(workspace, 'mycopod/plan.yaml'),
        'utf8',
      );
      expect(written).toMatch(
        /^# MycoPod plan .* drafted from the text below by openai-compatible scaffolder-model/,
      );
      const doc = parse(written);
      expect(doc).toMatchObject({
        apiVersion: 'mycopod.dev/v1alpha1',
        kind: 'ProxmoxPlan',
        metadata: {
          name: `plan-${planId}`,
          requester: 'user:default/dev',
          state: 'draft',
        },
        spec: { text },
      });
      expect(doc.spec.operations[0]).toMatchObject({
        kind: 'create',
        spec: { name: 'plan-decl-01', cluster: 'lab' },
        request: {
          state: 'draft',
          url: expect.stringMatching(/^\/proxmox\/requests\//),
        },
      });
      expect(written).not.toContain(KEY);

      const escape = mockContext({ planId, path: '../outside.yaml' });
      escape.ctx.workspacePath = workspace;
      await expect(
        createDeclarationWriteAction(deps()).handler(escape.ctx),
      ).rejects.toThrow(/outside/i);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
