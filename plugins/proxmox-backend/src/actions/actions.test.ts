/*
 * MycoPod's actions through the real actions registry of a real backend
 * (backend-defaults' registry service: its HTTP API is what
 * @backstage/plugin-mcp-actions-backend calls), the real permission backend
 * and MycoPod policy, the PVE simulator and the local test LLM: every
 * action as the calling user, denials, and no way around approval.
 */
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceFactory } from '@backstage/backend-defaults/alpha';
import {
  startLlmTestServer,
  type LlmTestServer,
} from '@mycopod/llm-test-server';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { startProxmoxStack, type ProxmoxStack } from '@mycopod/test-utils';
import request from 'supertest';
import {
  auth,
  labSpec,
  startSim,
  type UserName,
} from '../__testUtils__/testBackend';
import { LLM_KEY, answer, createOp } from '../drafts/__testUtils__/drafting';
import proxmoxPlugin from '../index';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const ACTIONS = '/api/proxmox/.backstage/actions/v1/actions';
const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT dev@example.com';

let sim: RunningSimulator;
let llm: LlmTestServer;
let stack: ProxmoxStack;
let guest: { cluster: string; vmid: number };

function invoke(name: string, input: unknown, header: string) {
  return request(stack.server)
    .post(`${ACTIONS}/proxmox:${name}/invoke`)
    .set('Authorization', header)
    .send(input as object);
}
const as = (who: UserName) => auth.user(who);

beforeAll(async () => {
  sim = await startSim(51);
  llm = await startLlmTestServer({ apiKey: LLM_KEY });
  stack = await startProxmoxStack({
    sim,
    knex: await databases.init('SQLITE_3'),
    features: [
      proxmoxPlugin,
      actionsRegistryServiceFactory,
      mockServices.auditor.factory(),
    ],
    config: { backend: { actions: { pluginSources: ['proxmox'] } } },
    proxmox: {
      llm: {
        provider: 'openai-compatible',
        baseUrl: llm.baseUrl,
        apiKey: LLM_KEY,
        model: 'actions-model',
      },
    },
  });
  // a ready guest of team-a, filed by dev, approved by admin
  const filed = await request(stack.server)
    .post('/api/proxmox/requests')
    .set('Authorization', as('dev'))
    .send({ spec: labSpec({ name: 'mcp-db', tags: [] }) });
  await request(stack.server)
    .post(`/api/proxmox/requests/${filed.body.id}/approve`)
    .set('Authorization', as('admin'))
    .send({});
  for (let i = 0; i < 300; i++) {
    const r = await request(stack.server)
      .get(`/api/proxmox/requests/${filed.body.id}`)
      .set('Authorization', as('dev'));
    if (r.body.state === 'ready') {
      guest = { cluster: 'lab', vmid: r.body.guest.vmid };
      break;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  if (!guest) throw new Error('mcp-db did not become ready');
});

afterAll(async () => {
  await stack?.backend.stop();
  await llm?.stop();
  await sim?.stop();
});
beforeEach(() => llm.reset());

describe('MycoPod actions', () => {
  it('are listed for a user with their attributes; none approves', async () => {
    const res = await request(stack.server)
      .get(ACTIONS)
      .set('Authorization', as('dev'));
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(
      res.body.actions.map((a: any) => [a.id, a.attributes]),
    );
    expect(Object.keys(byId).sort()).toEqual([
      'proxmox:draft-plan',
      'proxmox:get-guest',
      'proxmox:get-plan',
      'proxmox:get-request',
      'proxmox:list-my-guests',
      'proxmox:list-options',
      'proxmox:submit-plan',
    ]);
    for (const id of [
      'proxmox:get-guest',
      'proxmox:get-plan',
      'proxmox:get-request',
      'proxmox:list-my-guests',
      'proxmox:list-options',
    ]) {
      expect(byId[id]).toEqual({
        readOnly: true,
        destructive: false,
        idempotent: true,
      });
    }
    expect(byId['proxmox:draft-plan']).toMatchObject({
      readOnly: false,
      destructive: false,
    });
    expect(byId['proxmox:submit-plan']).toMatchObject({
      readOnly: false,
      destructive: true,
    });
    expect(Object.keys(byId).some(id => /approve|reject/.test(id))).toBe(false);
  });

  it('refuse service principals and anonymous callers', async () => {
    const service = await invoke('list-my-guests', {}, auth.service());
    expect(service.status).toBe(403);
    expect(service.body.error.message).toMatch(/signed-in user/);
    expect(
      (await invoke('list-options', {}, mockCredentials.none.header())).status,
    ).toBe(401);
  });

  it('list my guests: the ones my groups own, with what I may do', async () => {
    const mine = await invoke('list-my-guests', {}, as('dev'));
    expect(mine.status).toBe(200);
    const found = mine.body.output.guests.find(
      (g: any) => g.vmid === guest.vmid,
    );
    expect(found).toMatchObject({
      name: 'mcp-db',
      cluster: 'lab',
      owner: 'group:default/team-a',
      entityRef: `resource:default/lab-${guest.vmid}`,
    });
    expect(found.allowedOperations).toEqual(
      expect.arrayContaining(['resize', 'decommission', 'power', 'snapshot']),
    );
    // demo guests made outside MycoPod have no owner: not dev's
    expect(mine.body.output.guests.map((g: any) => g.name)).not.toContain(
      'db-01',
    );
    const theirs = await invoke('list-my-guests', {}, as('other'));
    expect(theirs.body.output.guests.map((g: any) => g.vmid)).not.toContain(
      guest.vmid,
    );
    expect(
      (await invoke('list-my-guests', { cluster: 'no such!' }, as('dev')))
        .status,
    ).toBe(400);
  });

  it('get a guest and the options, as the user', async () => {
    const live = await invoke('get-guest', guest, as('dev'));
    expect(live.status).toBe(200);
    expect(live.body.output).toMatchObject({
      vmid: guest.vmid,
      name: 'mcp-db',
    });
    expect(live.body.output.allowedActions).toEqual(
      expect.arrayContaining(['resize']),
    );
    // another team reads it (everyone browses the fleet) but may do nothing
    const other = await invoke('get-guest', guest, as('other'));
    expect(other.body.output.allowedActions).toEqual([]);
    expect(
      (await invoke('get-guest', { cluster: 'lab', vmid: 5 }, as('dev')))
        .status,
    ).toBe(400);

    const options = await invoke('list-options', { cluster: 'lab' }, as('dev'));
    expect(options.status).toBe(200);
    expect(options.body.output.templates.map((t: any) => t.name)).toContain(
      'ubuntu-24.04-cloudinit',
    );
    expect(options.body.output.limits).toEqual(
      expect.objectContaining({ maxCores: expect.any(Number) }),
    );
  });

  it('draft, read and submit a plan as the user; the requests wait for an approver', async () => {
    llm.reply({
      answer: answer([
        createOp({
          name: 'mcp-web-01',
          cores: 4,
          cloudInit: { user: 'ubuntu', ipv4: 'dhcp', sshKeys: [KEY] },
        }),
        { kind: 'resize', guest: 'mcp-db', diskGiB: 60 },
        { kind: 'resize', guest: 'db-01', diskGiB: 200 },
      ]),
    });
    const drafted = await invoke(
      'draft-plan',
      {
        text: 'a web server with 4 cores, grow mcp-db to 60 GB and db-01 to 200 GB',
      },
      as('dev'),
    );
    expect(drafted.status).toBe(200);
    const plan = drafted.body.output;
    expect(plan.operations.map((o: any) => [o.kind, o.mode])).toEqual([
      ['create', 'request'],
      ['resize', 'request'],
      ['resize', 'invalid'],
    ]);
    // db-01 is not dev's: an error finding, never a silent substitution
    expect(plan.operations[2].findings[0]).toMatchObject({
      level: 'error',
      code: 'guest.not-allowed',
    });
    expect(plan.submittable).toBe(false);
    const [create] = plan.operations;
    expect(create.requestState).toBe('draft');

    // only dev reads the plan and its requests
    expect(
      (await invoke('get-plan', { planId: plan.planId }, as('member'))).status,
    ).toBe(404);
    expect(
      (await invoke('get-request', { id: create.requestId }, as('other')))
        .status,
    ).toBe(404);
    const req = await invoke(
      'get-request',
      { id: create.requestId },
      as('dev'),
    );
    expect(req.body.output).toMatchObject({
      state: 'draft',
      planId: plan.planId,
      url: `/proxmox/requests/${create.requestId}`,
    });

    // refused while it has errors; nothing moved
    const refused = await invoke(
      'submit-plan',
      { planId: plan.planId },
      as('dev'),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/db-01/);

    // drop the forbidden one through the API, then submit as the user
    await request(stack.server)
      .delete(
        `/api/proxmox/drafts/${plan.planId}/operations/${plan.operations[2].id}`,
      )
      .set('Authorization', as('dev'));
    expect(
      (await invoke('submit-plan', { planId: plan.planId }, as('member')))
        .status,
    ).toBe(404);
    const submitted = await invoke(
      'submit-plan',
      { planId: plan.planId },
      as('dev'),
    );
    expect(submitted.status).toBe(200);
    expect(submitted.body.output.plan.state).toBe('submitted');
    const states = submitted.body.output.requests.map((r: any) => [
      r.kind,
      r.state,
    ]);
    // auto-approval is off: both wait for an approver
    expect(states).toEqual([
      ['create', 'pending'],
      ['resize', 'pending'],
    ]);
    const after = await invoke(
      'get-request',
      { id: create.requestId },
      as('dev'),
    );
    expect(after.body.output.state).toBe('pending');
    expect(after.body.output.allowedActions).not.toContain('approve');
    // the model call carried the key to the model only
    expect(llm.chatRequests()[0].headers.authorization).toBe(
      `Bearer ${LLM_KEY}`,
    );
    for (const text of [drafted.text, submitted.text, ...stack.logs]) {
      expect(text).not.toContain(LLM_KEY);
    }
  });

  it('say clearly when no model is configured (503), and check ids at the edge', async () => {
    expect(
      (await invoke('get-plan', { planId: 'nope' }, as('dev'))).status,
    ).toBe(400);
    const bare = await startProxmoxStack({
      sim,
      knex: await databases.init('SQLITE_3'),
      features: [proxmoxPlugin, actionsRegistryServiceFactory],
    });
    try {
      const res = await request(bare.server)
        .post(`${ACTIONS}/proxmox:draft-plan/invoke`)
        .set('Authorization', as('dev'))
        .send({ text: 'a web server' });
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(/proxmox\.llm\.provider/);
    } finally {
      await bare.backend.stop();
    }
  });
});
