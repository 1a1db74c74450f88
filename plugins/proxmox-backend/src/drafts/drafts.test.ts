/*
 * LLM drafting through the real backend (permission backend, MycoPod
 * policy, PVE simulator over HTTPS) on SQLite and PostgreSQL, the model
 * being the local OpenAI-compatible test server: draft → review → edit →
 * submit, the requester alone, discard, and no draft provider → 503.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { startSim } from '../__testUtils__/testBackend';
import {
  LLM_KEY,
  answer,
  api,
  createOp,
  draft,
  requestsOf,
  startDraftingBackend,
  type DraftingBackend,
} from './__testUtils__/drafting';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT dev@example.com';

describe.each(databases.eachSupportedId())('drafting on %s', databaseId => {
  let sim: RunningSimulator;
  let ctx: DraftingBackend;
  beforeAll(async () => {
    // its own simulator: the names a run creates stay out of the other's way
    sim = await startSim(31);
    ctx = await startDraftingBackend({
      knex: await databases.init(databaseId),
      sim,
      proxmox: {
        policy: {
          autoApprove: {
            enabled: true,
            maxCores: 1,
            maxMemoryMiB: 1024,
            maxDiskGiB: 40,
          },
        },
      },
    });
  });
  afterAll(async () => {
    await ctx?.stop();
    await sim?.stop();
  });
  beforeEach(() => ctx.llm.reset());

  it('drafts a plan of draft requests from the text, with the allowed choices in the prompt', async () => {
    ctx.llm.reply({
      answer: answer([
        createOp({ name: 'www-01', memoryMiB: 4096 }),
        createOp({ name: 'www-02', memoryMiB: 4096 }),
      ]),
    });
    const text = 'two Ubuntu web servers for team-a with 4 GB each';
    const res = await draft(ctx, text);
    expect(res.status).toBe(201);
    const plan = res.body;
    expect(plan).toMatchObject({
      state: 'draft',
      text,
      requester: 'user:default/dev',
      model: { provider: 'openai-compatible', model: 'mycopod-test-model' },
      submittable: true,
    });
    expect(plan.operations).toHaveLength(2);
    for (const op of plan.operations) {
      expect(op).toMatchObject({ kind: 'create', mode: 'request' });
      expect(op.request).toMatchObject({
        state: 'draft',
        planId: plan.id,
        kind: 'create',
      });
      expect(op.id).toBe(op.request.id);
      // no SSH key yet: a warning, not an error
      expect(op.findings).toEqual([
        expect.objectContaining({ level: 'warning', code: 'ssh.none' }),
      ]);
      expect(op.change.after.memoryMiB).toBe(4096);
    }
    expect(plan.operations[0].summary).toMatch(
      /^Create www-01 on lab: 2 vCPU, 4 GiB memory/,
    );

    // one call, structured output, the allowed choices, the text as data
    const [call] = ctx.llm.chatRequests();
    expect(call.mode).toBe('json_schema');
    expect(call.headers.authorization).toBe(`Bearer ${LLM_KEY}`);
    const body = call.body!;
    expect(body.model).toBe('mycopod-test-model');
    expect(
      (body.response_format as any).json_schema.schema.properties,
    ).toHaveProperty('operations');
    const system = String(body.messages[0].content);
    expect(system).toContain('ubuntu-24.04-cloudinit');
    expect(system).toContain('group:default/team-a');
    expect(system).toContain('vmbr0');
    expect(String(body.messages[1].content)).toContain(
      `<<<DEVELOPER_TEXT\n${text}\nDEVELOPER_TEXT>>>`,
    );

    // GET is the same plan; the drafts are the dev's requests, nothing pending
    const again = await api(ctx, 'get', `/drafts/${plan.id}`);
    expect(again.status).toBe(200);
    expect(again.body.operations.map((o: any) => o.id)).toEqual(
      plan.operations.map((o: any) => o.id),
    );
    const mine = (await requestsOf(ctx)).filter(r => r.planId === plan.id);
    expect(mine.map(r => r.state)).toEqual(['draft', 'draft']);
  });

  it('edits a draft within policy, refuses an edit that breaks it, submits as pending or auto-approved', async () => {
    ctx.llm.reply({
      answer: answer([
        createOp({ name: 'api-01', cores: 2, memoryMiB: 2048 }),
        createOp({ name: 'tiny-01', cores: 1, memoryMiB: 1024, diskGiB: 20 }),
      ]),
    });
    const plan = (await draft(ctx, 'an api server and a tiny box')).body;
    const [api01, tiny] = plan.operations;

    const edited = await api(
      ctx,
      'patch',
      `/drafts/${plan.id}/operations/${api01.id}`,
    ).send({
      spec: {
        ...api01.request.spec,
        memoryMiB: 8192,
        cloudInit: { ...api01.request.spec.cloudInit, sshKeys: [KEY] },
      },
    });
    expect(edited.status).toBe(200);
    const op = edited.body.operations.find((o: any) => o.id === api01.id);
    expect(op.request.spec.memoryMiB).toBe(8192);
    expect(op.findings).toEqual([]);
    expect(op.summary).toMatch(/8 GiB memory/);

    // over the per-request limit (16 vCPU): 400 with the finding, unchanged
    const refused = await api(
      ctx,
      'patch',
      `/drafts/${plan.id}/operations/${api01.id}`,
    ).send({
      spec: { ...op.request.spec, cores: 64 },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'limit.cores' }),
      ]),
    );
    const unchanged = await api(ctx, 'get', `/drafts/${plan.id}`);
    expect(
      unchanged.body.operations.find((o: any) => o.id === api01.id).request.spec
        .cores,
    ).toBe(2);
    // invalid by schema: 400 with fields
    const invalid = await api(
      ctx,
      'patch',
      `/drafts/${plan.id}/operations/${api01.id}`,
    ).send({
      spec: { ...op.request.spec, name: 'Not A Label' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.fields[0].field).toBe('spec.name');

    const submitted = await api(ctx, 'post', `/drafts/${plan.id}/submit`).send(
      {},
    );
    expect(submitted.status).toBe(200);
    expect(submitted.body.plan.state).toBe('submitted');
    const states = Object.fromEntries(
      submitted.body.requests.map((r: any) => [r.id, r.state]),
    );
    expect(states[api01.id]).toBe('pending');
    // within the auto-approve thresholds
    expect(states[tiny.id]).toBe('approved');
    expect(submitted.body.requests[0].url).toMatch(/^\/proxmox\/requests\//);

    // a submitted plan is not submitted, edited or discarded again
    expect(
      (await api(ctx, 'post', `/drafts/${plan.id}/submit`).send({})).status,
    ).toBe(409);
    expect((await api(ctx, 'delete', `/drafts/${plan.id}`)).status).toBe(409);
    // the admin approves the pending one as any request
    const approved = await api(
      ctx,
      'post',
      `/requests/${api01.id}/approve`,
      'admin',
    ).send({});
    expect(approved.status).toBe(200);
    expect(approved.body.state).toBe('approved');
  });

  it('is the requester’s alone: 404 for anyone else, nothing changes', async () => {
    ctx.llm.reply({ answer: answer([createOp({ name: 'solo-01' })]) });
    const plan = (await draft(ctx, 'one vm')).body;
    const opId = plan.operations[0].id;
    for (const who of ['member', 'admin'] as const) {
      expect((await api(ctx, 'get', `/drafts/${plan.id}`, who)).status).toBe(
        404,
      );
      expect(
        (await api(ctx, 'post', `/drafts/${plan.id}/submit`, who).send({}))
          .status,
      ).toBe(404);
      expect(
        (
          await api(
            ctx,
            'patch',
            `/drafts/${plan.id}/operations/${opId}`,
            who,
          ).send({
            spec: plan.operations[0].request.spec,
          })
        ).status,
      ).toBe(404);
      expect((await api(ctx, 'delete', `/drafts/${plan.id}`, who)).status).toBe(
        404,
      );
    }
    // the approver cannot approve a draft either
    expect(
      (await api(ctx, 'post', `/requests/${opId}/approve`, 'admin').send({}))
        .status,
    ).toBe(409);
    const still = await api(ctx, 'get', `/drafts/${plan.id}`);
    expect(still.body.operations[0].request.state).toBe('draft');
  });

  it('discards a plan: its drafts are cancelled, the text stays', async () => {
    ctx.llm.reply({
      answer: answer([
        createOp({ name: 'gone-01' }),
        createOp({ name: 'gone-02' }),
      ]),
    });
    const plan = (await draft(ctx, 'two throwaway vms')).body;
    const removed = await api(
      ctx,
      'delete',
      `/drafts/${plan.id}/operations/${plan.operations[1].id}`,
    );
    expect(removed.status).toBe(200);
    expect(removed.body.operations).toHaveLength(1);
    const res = await api(ctx, 'delete', `/drafts/${plan.id}`);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('discarded');
    expect(res.body.text).toBe('two throwaway vms');
    const mine = (await requestsOf(ctx)).filter(r => r.planId === plan.id);
    expect(mine.map(r => r.state).sort()).toEqual(['cancelled', 'cancelled']);
    expect(res.body.submittable).toBe(false);
  });

  it('counts the plan as a whole against the quota; submit refuses a plan with errors', async () => {
    ctx.llm.reply({
      answer: answer([
        createOp({
          name: 'big-01',
          memoryMiB: 40_000,
          owner: 'group:default/team-b',
        }),
        createOp({
          name: 'big-02',
          memoryMiB: 40_000,
          owner: 'group:default/team-b',
        }),
      ]),
    });
    const plan = (await draft(ctx, 'two big vms', 'other')).body;
    expect(
      plan.operations[0].findings.filter((f: any) => f.level === 'error'),
    ).toEqual([]);
    expect(plan.operations[1].findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'error', code: 'quota.memory' }),
      ]),
    );
    expect(plan.submittable).toBe(false);
    const res = await api(
      ctx,
      'post',
      `/drafts/${plan.id}/submit`,
      'other',
    ).send({});
    expect(res.status).toBe(400);
    expect(res.body.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'quota.memory' }),
      ]),
    );
    const theirs = (await requestsOf(ctx, 'other')).filter(
      r => r.planId === plan.id,
    );
    expect(theirs.map(r => r.state)).toEqual(['draft', 'draft']);
  });

  it('drafts changes to an own guest: a resize draft, and actions that run only when confirmed', async () => {
    const created = await api(ctx, 'post', '/requests').send({
      spec: {
        ...createOp({ name: 'day2-db', memoryMiB: 2048 }).spec,
        cloudInit: { user: 'ubuntu', ipv4: 'dhcp', sshKeys: [KEY] },
      },
    });
    expect(created.status).toBe(201);
    await api(
      ctx,
      'post',
      `/requests/${created.body.id}/approve`,
      'admin',
    ).send({});
    let state = '';
    for (let i = 0; i < 300 && state !== 'ready'; i++) {
      state = (await api(ctx, 'get', `/requests/${created.body.id}`)).body
        .state;
      await new Promise(r => setTimeout(r, 100));
    }
    expect(state).toBe('ready');

    ctx.llm.reply({
      answer: answer([
        { kind: 'resize', guest: 'day2-db', diskGiB: 80 },
        { kind: 'snapshot', guest: 'day2-db', name: 'before-grow' },
        { kind: 'power', guest: 'day2-db', action: 'reboot' },
      ]),
    });
    const plan = (
      await draft(ctx, 'snapshot day2-db, grow its disk to 80 GB and reboot it')
    ).body;
    expect(plan.operations.map((o: any) => [o.kind, o.mode])).toEqual([
      ['resize', 'request'],
      ['snapshot', 'action'],
      ['power', 'action'],
    ]);
    const [resize, snapshot, reboot] = plan.operations;
    expect(resize.request).toMatchObject({
      kind: 'resize',
      state: 'draft',
      planId: plan.id,
    });
    expect(resize.target).toMatchObject({ cluster: 'lab', name: 'day2-db' });
    expect(resize.summary).toMatch(
      /^Resize day2-db \(lab\/\d+\): disk 40 → 80 GiB$/,
    );
    expect(snapshot.summary).toMatch(/^Take snapshot before-grow of day2-db/);
    expect(plan.submittable).toBe(true);

    // a resize is edited with its new body: the draft is replaced in place
    const edited = await api(
      ctx,
      'patch',
      `/drafts/${plan.id}/operations/${resize.id}`,
    ).send({ change: { kind: 'resize', diskGiB: 100 } });
    expect(edited.status).toBe(200);
    const newResize = edited.body.operations[0];
    expect(newResize.id).not.toBe(resize.id);
    expect(newResize.request).toMatchObject({ kind: 'resize', state: 'draft' });
    expect(newResize.change.after).toMatchObject({ diskGiB: 100 });
    expect(edited.body.operations.map((o: any) => o.kind)).toEqual([
      'resize',
      'snapshot',
      'power',
    ]);
    const old = await api(ctx, 'get', `/requests/${resize.id}`);
    expect(old.body.state).toBe('cancelled');
    // a create body on a resize is refused
    const wrong = await api(
      ctx,
      'patch',
      `/drafts/${plan.id}/operations/${newResize.id}`,
    ).send({ change: { kind: 'extend-lease', days: 3 } });
    expect(wrong.status).toBe(400);

    const res = await api(ctx, 'post', `/drafts/${plan.id}/submit`).send({
      confirmActions: [snapshot.id],
    });
    expect(res.status).toBe(200);
    expect(res.body.requests).toEqual([
      expect.objectContaining({
        id: newResize.id,
        kind: 'resize',
        state: expect.stringMatching(/^(pending|approved)$/),
      }),
    ]);
    const after = Object.fromEntries(
      res.body.plan.operations.map((o: any) => [o.id, o]),
    );
    expect(after[snapshot.id].actionResult).toMatchObject({
      status: 'started',
      upid: expect.stringMatching(/^UPID:/),
    });
    expect(after[reboot.id].actionResult).toEqual({ status: 'not-confirmed' });
    expect(res.body.plan.state).toBe('submitted');
  });

  it('validates the body and the ids at the edge', async () => {
    expect((await draft(ctx, '')).status).toBe(400);
    expect((await draft(ctx, 'x'.repeat(4001))).status).toBe(400);
    const bad = await api(ctx, 'post', '/drafts').send({
      text: 'hi there',
      extra: 1,
    });
    expect(bad.status).toBe(400);
    expect((await api(ctx, 'get', '/drafts/not-a-uuid')).status).toBe(400);
    expect(
      (await api(ctx, 'get', '/drafts/6f1c2d3e-0000-4abc-9def-5a5a5a5a5a5a'))
        .status,
    ).toBe(404);
    expect(ctx.llm.chatRequests()).toHaveLength(0);
  });
});

describe('the drafts limit per user', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSim(33);
  });
  afterAll(() => sim?.stop());

  it('answers 429 with Retry-After once a user used the window; others go on', async () => {
    const ctx = await startDraftingBackend({
      knex: await databases.init('SQLITE_3'),
      sim,
      llm: { rateLimit: { requests: 2, windowSeconds: 600 } },
    });
    try {
      ctx.llm.setHandler(() => ({ answer: answer([]) }));
      expect((await draft(ctx, 'first try')).status).toBe(201);
      // a failing model call counts too
      ctx.llm.reply({ error: { status: 400, message: 'bad request' } });
      expect((await draft(ctx, 'second try')).status).toBe(502);
      const limited = await draft(ctx, 'third try');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.body.code).toBe('draft.rate-limited');
      expect(ctx.llm.chatRequests()).toHaveLength(2);
      expect((await draft(ctx, 'my first', 'member')).status).toBe(201);
    } finally {
      await ctx.stop();
    }
  });
});

describe('drafting without a provider', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSim(32);
  });
  afterAll(() => sim?.stop());

  it('answers 503 naming the config keys; the form request still works', async () => {
    const ctx = await startDraftingBackend({
      knex: await databases.init('SQLITE_3'),
      sim,
      llm: false,
    });
    try {
      const res = await draft(ctx, 'a web server please');
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(/proxmox\.llm\.provider/);
      expect(res.body.error.message).toMatch(/proxmox\.llm\.model/);
      expect(res.body.code).toBe('llm.not-configured');
      const form = await api(ctx, 'post', '/requests').send({
        spec: {
          ...createOp({ name: 'form-01' }).spec,
          cloudInit: { user: 'ubuntu', ipv4: 'dhcp', sshKeys: [KEY] },
        },
      });
      expect(form.status).toBe(201);
      expect(ctx.llm.requests).toHaveLength(0);
    } finally {
      await ctx.stop();
    }
  });
});
