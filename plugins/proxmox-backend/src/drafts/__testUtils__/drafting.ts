/* Test helpers of LLM drafting: the real proxmox backend (permission
 * backend, MycoPod policy, PVE simulator, a real database) whose
 * `proxmox.llm` points at the local OpenAI-compatible test server. */
import {
  startLlmTestServer,
  type LlmTestServer,
} from '@mycopod/llm-test-server';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import type { Knex } from '@mycopod/test-utils';
import request from 'supertest';
import {
  auth,
  labSpec,
  startProxmoxBackend,
  type ProxmoxTestBackend,
  type UserName,
} from '../../__testUtils__/testBackend';

/** The API key of the test server; must never show anywhere. */
export const LLM_KEY = 'sk-mycopod-test-4f1d2c3b5a69e7d8';

export interface DraftingBackend extends ProxmoxTestBackend {
  llm: LlmTestServer;
  stop(): Promise<void>;
}

/**
 * The backend with drafting on (`llm: false`: no provider configured);
 * `llm` overrides keys of `proxmox.llm`.
 */
export async function startDraftingBackend(options: {
  knex: Knex;
  sim: RunningSimulator;
  llm?: Record<string, unknown> | false;
  proxmox?: Record<string, unknown>;
  server?: LlmTestServer;
}): Promise<DraftingBackend> {
  const llm = options.server ?? (await startLlmTestServer({ apiKey: LLM_KEY }));
  const ctx = await startProxmoxBackend({
    knex: options.knex,
    sim: options.sim,
    proxmox: {
      ...(options.llm === false
        ? {}
        : {
            llm: {
              provider: 'openai-compatible',
              baseUrl: llm.baseUrl,
              apiKey: LLM_KEY,
              model: 'mycopod-test-model',
              timeoutMs: 5_000,
              ...options.llm,
            },
          }),
      ...options.proxmox,
    },
  });
  return {
    ...ctx,
    llm,
    async stop() {
      await ctx.backend.stop();
      if (!options.server) await llm.stop();
    },
  };
}

/** A `create` operation as the model writes it (the lab fleet). */
export function createOp(over: Record<string, unknown> = {}) {
  const {
    tags: _tags,
    justification: _j,
    ...spec
  } = labSpec({
    cloudInit: { user: 'ubuntu', ipv4: 'dhcp', sshKeys: [] },
  });
  return { kind: 'create', spec: { ...spec, ...over } };
}

/** A whole model answer. */
export function answer(
  operations: unknown[],
  over: Record<string, unknown> = {},
) {
  return {
    rationale: 'Drafted from the description.',
    assumptions: ['cluster lab', 'template ubuntu-24.04-cloudinit'],
    operations,
    ...over,
  };
}

/** `POST /drafts` as a persona. */
export function draft(
  ctx: { server: any },
  text: string,
  who: UserName = 'dev',
) {
  return request(ctx.server)
    .post('/api/proxmox/drafts')
    .set('Authorization', auth.user(who))
    .send({ text });
}

/** A call of the API as a persona. */
export function api(
  ctx: { server: any },
  method: 'get' | 'post' | 'patch' | 'delete',
  path: string,
  who: UserName = 'dev',
) {
  return request(ctx.server)
    [method](`/api/proxmox${path}`)
    .set('Authorization', auth.user(who));
}

/** The requests of a user, any state. */
export async function requestsOf(ctx: { server: any }, who: UserName = 'dev') {
  const res = await api(ctx, 'get', '/requests?view=mine&limit=200', who);
  return res.body.items as Array<{
    id: string;
    state: string;
    planId?: string;
  }>;
}
