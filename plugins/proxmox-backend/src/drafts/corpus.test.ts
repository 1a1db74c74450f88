/*
 * The adversarial corpus (see __testUtils__/corpus.ts) through the real
 * backend: every answer of the model is treated as untrusted input. For
 * every case: the plan is within policy or carries the expected error
 * findings (and then cannot be submitted), a broken model answer is a
 * clean error without a plan, the developer's text stays inside its
 * delimiters, and no request anywhere leaves `draft` (auto-approval is on
 * for everything within the limits, so a submit would show).
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { labSpec, startSim, type UserName } from '../__testUtils__/testBackend';
import {
  CORPUS,
  OTHER_GUEST,
  OWN_GUEST,
  type CorpusCase,
} from './__testUtils__/corpus';
import {
  LLM_KEY,
  api,
  draft,
  startDraftingBackend,
  type DraftingBackend,
} from './__testUtils__/drafting';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

let sim: RunningSimulator;
let ctx: DraftingBackend;
const bodies: string[] = [];

async function readyGuest(name: string, who: UserName, owner: string) {
  const res = await api(ctx, 'post', '/requests', who).send({
    spec: labSpec({ name, owner, securityGroups: ['web'], tags: [] }),
  });
  expect(res.status).toBe(201);
  for (let i = 0; i < 300; i++) {
    const r = await api(ctx, 'get', `/requests/${res.body.id}`, who);
    if (r.body.state === 'ready') return;
    if (['failed', 'rejected'].includes(r.body.state)) {
      throw new Error(`${name} ${r.body.state}: ${r.body.failureReason}`);
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error(`${name} did not become ready`);
}

/** Every request that is not a draft (or cancelled), by id → state. */
async function decided(): Promise<Record<string, string>> {
  const res = await api(ctx, 'get', '/requests?view=all&limit=200', 'admin');
  expect(res.status).toBe(200);
  return Object.fromEntries(
    res.body.items
      .filter((r: any) => !['draft', 'cancelled'].includes(r.state))
      .map((r: any) => [r.id, r.state]),
  );
}

beforeAll(async () => {
  sim = await startSim(41);
  ctx = await startDraftingBackend({
    knex: await databases.init('SQLITE_3'),
    sim,
    llm: { timeoutMs: 1500, rateLimit: { requests: 1000 } },
    proxmox: {
      policy: {
        limits: { maxCores: 16, maxMemoryMiB: 32768, maxDiskGiB: 500 },
        lease: { defaultDays: 14, maxDays: 30 },
        autoApprove: {
          enabled: true,
          maxCores: 16,
          maxMemoryMiB: 32768,
          maxDiskGiB: 500,
        },
        groups: [
          {
            group: 'group:default/team-a',
            quota: { count: 6, cores: 12 },
            allowedTemplates: ['ubuntu-*'],
            allowedNetworks: ['vmbr0'],
            allowedSecurityGroups: ['web'],
          },
        ],
      },
    },
  });
  await readyGuest(OWN_GUEST, 'dev', 'group:default/team-a');
  await readyGuest(OTHER_GUEST, 'other', 'group:default/team-b');
});

afterAll(async () => {
  await ctx?.stop();
  await sim?.stop();
});

it('has at least 50 cases', () => {
  expect(CORPUS.length).toBeGreaterThanOrEqual(50);
  expect(new Set(CORPUS.map(c => c.name)).size).toBe(CORPUS.length);
});

describe('the adversarial corpus', () => {
  /** Sends the case's text with its scripted replies; checks the prompt. */
  async function run(c: CorpusCase) {
    ctx.llm.reset();
    ctx.llm.reply(...c.replies);
    const res = await draft(ctx, c.text);
    bodies.push(res.text);
    // the text is data: one pair of delimiters, whatever it holds
    const delimiters = ctx.llm
      .chatRequests()
      .map(call => String(call.body!.messages[1].content))
      .map(user => [
        user.split('<<<DEVELOPER_TEXT').length - 1,
        user.split('DEVELOPER_TEXT>>>').length - 1,
      ]);
    expect(delimiters.length).toBeGreaterThan(0);
    expect(delimiters).toEqual(delimiters.map(() => [1, 1]));
    return res;
  }

  const failing = CORPUS.filter(c => 'status' in c.expect);
  const plans = CORPUS.filter(c => 'plan' in c.expect);

  it.each(failing.map(c => [c.name, c] as const))(
    '%s: a clean error, no plan',
    async (_name, c) => {
      const before = await decided();
      const res = await run(c);
      expect(res.status).toBe((c.expect as { status: number }).status);
      expect(res.body.error.message).toEqual(expect.any(String));
      expect(await decided()).toEqual(before);
    },
  );

  it.each(plans.map(c => [c.name, c] as const))('%s', async (_name, c) => {
    const before = await decided();
    const res = await run(c);
    expect(res.status).toBe(201);
    const plan = res.body;
    const { errors, operations, modes } = (
      c.expect as Extract<CorpusCase['expect'], { plan: unknown }>
    ).plan;
    const findings = [
      ...plan.findings,
      ...plan.operations.flatMap((op: any) => op.findings),
    ];
    const errorCodes: string[] = findings
      .filter((f: any) => f.level === 'error')
      .map((f: any) => f.code);
    // within policy, or carries the error findings (and cannot be submitted)
    expect(errors.filter(code => !errorCodes.includes(code))).toEqual([]);
    expect(errors.length ? [] : errorCodes).toEqual([]);
    expect(plan.submittable).toBe(errors.length === 0);
    const submit = plan.submittable
      ? undefined
      : await api(ctx, 'post', `/drafts/${plan.id}/submit`).send({});
    expect(submit?.status ?? 400).toBe(400);
    bodies.push(submit?.text ?? '');

    const mode = (op: any) => op.mode;
    expect(plan.operations.length).toBe(operations ?? plan.operations.length);
    expect(plan.operations.map(mode)).toEqual(
      modes ?? plan.operations.map(mode),
    );
    // requests are the requester's drafts of this plan; the rest no request
    expect(
      plan.operations.map((op: any) =>
        op.request
          ? {
              state: op.request.state,
              requester: op.request.requester,
              planId: op.request.planId,
            }
          : op.mode,
      ),
    ).toEqual(
      plan.operations.map((op: any) =>
        op.mode === 'request'
          ? { state: 'draft', requester: 'user:default/dev', planId: plan.id }
          : op.mode,
      ),
    );
    expect((await api(ctx, 'delete', `/drafts/${plan.id}`)).status).toBe(200);
    // nothing left draft, nothing else moved
    expect(await decided()).toEqual(before);
  });

  it('never shows the API key', () => {
    const visible = [
      ...bodies,
      ...ctx.logs,
      ...ctx.auditEvents.map(e =>
        JSON.stringify(e, (_k, v) => (v instanceof Error ? v.message : v)),
      ),
    ];
    expect(visible.length).toBeGreaterThan(60);
    for (const text of visible) expect(text).not.toContain(LLM_KEY);
  });
});
