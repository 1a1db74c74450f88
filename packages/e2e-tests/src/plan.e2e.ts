/*
 * Plain language to a running VM, in a real browser: the demo backend
 * process (SQLite) with the PVE simulator and the local OpenAI-compatible
 * test model behind it.
 *
 * Dev → Create → "Describe what you need in plain language" → types what
 * they need → the plan review drafts it and shows the diff (two new VMs as
 * cards, the resize of dev's guest as old → new, the findings) → edits the
 * memory of one VM and adds an SSH key → Create → every request is pending.
 * Admin approves one → it becomes ready. Then the MCP server of the demo
 * lists MycoPod's tools for the signed-in developer.
 *
 * Screenshots of every step go to artifacts/plan/; with
 * MYCOPOD_UPDATE_WALKTHROUGH=1 also the README's (docs/walkthrough/plan-*).
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  startLlmTestServer,
  type LlmTestServer,
} from '@mycopod/llm-test-server';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import {
  ARTIFACTS_DIR,
  eventually,
  RunningBackend,
  signIn,
  startBackend,
} from './lib/backend';
import { launchBrowser, prepareBrowserRun, signInAs } from './lib/browser';
import {
  chooseTemplate,
  expectText,
  recorder,
  requestState as state,
  screenshots,
  waitForCatalogEntity,
  walkthroughDir,
} from './lib/journeySteps';
import {
  SSH_KEY,
  approveUntilReady,
  provisionOverApi,
} from './lib/requestSteps';
import {
  QUICK_EXECUTOR,
  proxmoxApi as api,
  simulatorClusterConfig,
  startDemoSimulator,
} from './lib/simulator';

jest.setTimeout(240_000);

const SHOTS = path.join(ARTIFACTS_DIR, 'plan');
const VIEWPORT = { width: 1280, height: 900 };
const TEMPLATE_TITLE = 'Describe what you need in plain language';
const LLM_KEY = 'sk-e2e-plan-3c2b1a09';
const DESCRIPTION =
  "Two Ubuntu web servers for team-a with 4 GB each, and grow app-db's disk to 80 GB";

/** What the (scripted) model drafts for the description. */
function modelAnswer() {
  const web = (name: string) => ({
    kind: 'create',
    spec: {
      name,
      cluster: 'lab',
      template: 'ubuntu-24.04-cloudinit',
      cores: 2,
      memoryMiB: 4096,
      diskGiB: 20,
      network: { bridge: 'vmbr0' },
      securityGroups: ['web'],
      cloudInit: { user: 'ubuntu', ipv4: 'dhcp', sshKeys: [] },
      owner: 'group:default/team-a',
    },
  });
  return {
    rationale:
      'Two small Ubuntu VMs for the web tier of team-a, and a larger disk for app-db.',
    assumptions: [
      'cluster lab',
      'template ubuntu-24.04-cloudinit',
      '2 vCPU, 20 GiB disk',
    ],
    operations: [
      web('web-01'),
      web('web-02'),
      { kind: 'resize', guest: 'app-db', diskGiB: 80 },
    ],
  };
}

describe('plain language to a reviewed plan', () => {
  let sim: RunningSimulator | undefined;
  let llm: LlmTestServer | undefined;
  let backend: RunningBackend | undefined;
  let browser: Browser | undefined;
  let devToken: string;
  let adminToken: string;
  let devContext: BrowserContext | undefined;
  let adminContext: BrowserContext | undefined;
  let dev: Page | undefined;
  let admin: Page | undefined;
  let webRequestId: string | undefined;

  /** Screenshots into artifacts/; the README's too with MYCOPOD_UPDATE_WALKTHROUGH=1. */
  const shot = screenshots(SHOTS, walkthroughDir());
  const recording = recorder(SHOTS, () => [
    ['dev', dev],
    ['admin', admin],
  ]);

  beforeAll(async () => {
    prepareBrowserRun(SHOTS);

    sim = await startDemoSimulator(17, {
      cloneMs: 800,
      taskMs: 200,
      resizeMs: 200,
      resourcesLagMs: 300,
    });
    llm = await startLlmTestServer({ apiKey: LLM_KEY });
    llm.setHandler(() => ({ delayMs: 700, then: { answer: modelAnswer() } }));
    backend = await startBackend({
      database: 'sqlite',
      readyTimeoutMs: 150_000,
      logFile: path.join(SHOTS, 'backend.log'),
      env: { MYCOPOD_E2E_LLM_KEY: LLM_KEY },
      config: {
        proxmox: {
          clusters: simulatorClusterConfig(sim),
          executor: QUICK_EXECUTOR,
          llm: {
            provider: 'openai-compatible',
            baseUrl: llm.baseUrl,
            // from the environment, as in production
            apiKey: '${MYCOPOD_E2E_LLM_KEY}',
            model: 'e2e-planner',
          },
        },
      },
    });
    devToken = (await eventually(() => signIn(backend!.baseUrl, 'dev'))).token;
    adminToken = (await eventually(() => signIn(backend!.baseUrl, 'admin')))
      .token;
    await waitForCatalogEntity(
      backend.baseUrl,
      devToken,
      'template',
      'vm-from-description',
      90_000,
    );

    // dev's guest the plan changes: filed, approved, ready
    await provisionOverApi({
      baseUrl: backend.baseUrl,
      devToken,
      adminToken,
      spec: {
        name: 'app-db',
        cluster: 'lab',
        template: 'ubuntu-24.04-cloudinit',
        cores: 2,
        memoryMiB: 2048,
        diskGiB: 40,
        network: { bridge: 'vmbr0' },
        cloudInit: { user: 'ubuntu', ipv4: 'dhcp', sshKeys: [SSH_KEY] },
        owner: 'group:default/team-a',
      },
      timeoutMs: 60_000,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await devContext?.close().catch(() => undefined);
    await adminContext?.close().catch(() => undefined);
    await browser?.close();
    await backend?.stop();
    await llm?.stop();
    await sim?.stop();
  });

  it('dev describes, reviews the diff, edits one value and submits: every request is pending', async () => {
    ({ context: devContext, page: dev } = await signInAs(
      browser!,
      backend!.baseUrl,
      'Developer',
      VIEWPORT,
    ));
    const page = dev;
    await recording('describe', async () => {
      await chooseTemplate(page, TEMPLATE_TITLE, 'vm-from-description');
      await page
        .getByRole('textbox', { name: /What do you need/ })
        .fill(DESCRIPTION);
      await shot(page, 'describe');
      await page.getByRole('button', { name: 'Next' }).click();
    });

    await recording('review', async () => {
      const review = page.getByTestId('plan-review');
      await review.waitFor({ timeout: 60_000 });
      const ops = page.getByTestId('plan-operation');
      await expectText(
        ops.nth(0),
        /Create web-01 on lab: 2 vCPU, 4 GiB memory/,
      );
      expect(await ops.count()).toBe(3);
      // new VMs as cards, the change as old → new, findings inline
      await ops.nth(0).getByText('+ web-01', { exact: true }).waitFor();
      const resize = ops.nth(2);
      await resize.getByText('40 GiB', { exact: true }).waitFor();
      await resize.getByText('80 GiB', { exact: true }).waitFor();
      await ops
        .nth(0)
        .getByText(/Warning: No SSH public key/)
        .waitFor();
      await page.getByText('cluster lab').waitFor();
      await shot(page, 'plan-diff', 'plan-diff');

      // the model got the text as data, with the key as bearer token
      const call = llm!.chatRequests()[0];
      expect(call.headers.authorization).toBe(`Bearer ${LLM_KEY}`);
      expect(String(call.body!.messages[1].content)).toContain(DESCRIPTION);

      // edit web-01: 8 GiB and an SSH key
      const web01 = ops.nth(0);
      await web01.getByRole('button', { name: 'Edit' }).click();
      const memory = web01.getByLabel('Memory (MiB)');
      await memory.fill('8192');
      await web01.getByLabel('SSH public keys').fill(SSH_KEY);
      await shot(page, 'plan-edit', 'plan-edit');
      await web01.getByRole('button', { name: 'Save' }).click();
      await expectText(
        page.getByTestId('plan-operation').nth(0),
        /Create web-01 on lab: 2 vCPU, 8 GiB memory/,
      );
      expect(
        await page
          .getByTestId('plan-operation')
          .nth(0)
          .getByText(/No SSH public key/)
          .count(),
      ).toBe(0);
      await shot(page, 'plan-edited');
      await page.getByRole('button', { name: 'Review' }).click();
      await page.getByRole('button', { name: 'Create' }).waitFor();
      await shot(page, 'review');
    });

    await recording('submit', async () => {
      await page.getByRole('button', { name: 'Create' }).click();
      await page.waitForURL(/\/create\/tasks\//, { timeout: 30_000 });
      // the task's output: the link and the submitted plan
      await page
        .getByRole('link', { name: 'My requests' })
        .waitFor({ timeout: 60_000 });
      await shot(page, 'task-finished', 'plan-submitted');
      const mine = await api(
        backend!.baseUrl,
        devToken,
        'GET',
        '/requests?view=mine&limit=50',
      );
      const planned = mine.body.items.filter((r: any) => r.planId);
      expect(planned.map((r: any) => `${r.kind}:${r.state}`).sort()).toEqual([
        'create:pending',
        'create:pending',
        'resize:pending',
      ]);
      const web01 = planned.find((r: any) => r.spec.name === 'web-01');
      expect(web01.spec.memoryMiB).toBe(8192);
      expect(web01.spec.cloudInit.sshKeys).toEqual([SSH_KEY]);
      webRequestId = web01.id;
      await page.goto(`${backend!.baseUrl}/proxmox/requests/${webRequestId}`);
      await expectText(state(page), 'pending');
      await shot(page, 'request-pending');
    });
  });

  it('admin approves the edited VM and it becomes ready', async () => {
    if (!webRequestId)
      throw new Error('no request: submitting the plan failed');
    ({ context: adminContext, page: admin } = await signInAs(
      browser!,
      backend!.baseUrl,
      'Admin',
      VIEWPORT,
    ));
    const page = admin;
    await recording('approve', async () => {
      await approveUntilReady(
        page,
        `${backend!.baseUrl}/proxmox/requests/${webRequestId}`,
        'Approved from the plan',
        90_000,
      );
      await shot(page, 'ready');
    });
    // the other requests of the plan still wait for an approver
    const mine = await api(
      backend!.baseUrl,
      devToken,
      'GET',
      '/requests?view=mine&limit=50',
    );
    const states = mine.body.items
      .filter((r: any) => r.planId)
      .map((r: any) => `${r.spec.name}:${r.state}`)
      .sort();
    expect(states).toEqual([
      'app-db:pending',
      'web-01:ready',
      'web-02:pending',
    ]);
  });

  it('the MCP server lists MycoPod’s tools for the signed-in developer', async () => {
    const call = async (body: unknown) => {
      const res = await fetch(
        `${backend!.baseUrl}/api/mcp-actions/v1/mycopod`,
        {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${devToken}`,
            'Content-Type': 'application/json',
            Accept: 'application/json, text/event-stream',
          },
          body: JSON.stringify(body),
        },
      );
      const text = await res.text();
      // a JSON answer, or one server-sent event carrying it
      const json = text.startsWith('{')
        ? text
        : text
            .split('\n')
            .filter(l => l.startsWith('data:'))
            .map(l => l.slice(5))
            .join('');
      return { status: res.status, body: JSON.parse(json) };
    };
    const init = await call({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'mycopod-e2e', version: '1.0.0' },
      },
    });
    expect(init.status).toBe(200);
    const tools = await call({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const names: string[] = tools.body.result.tools.map((t: any) => t.name);
    expect(names.join(' ')).toMatch(/draft-plan/);
    expect(names.join(' ')).toMatch(/submit-plan/);
    expect(names.join(' ')).toMatch(/list-my-guests/);
    expect(names.some(n => /approve/.test(n))).toBe(false);
    const listed = await call({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: {
        name: names.find(n => /list-my-guests/.test(n)),
        arguments: {},
      },
    });
    expect(JSON.stringify(listed.body.result)).toContain('app-db');
  });
});
