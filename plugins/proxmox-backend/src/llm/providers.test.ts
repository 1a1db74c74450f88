/*
 * Each provider shape of proxmox.llm builds the right request through the
 * real openai SDK: base URL, Authorization header, model, structured output
 * or tool call. The requests go to the local test server (the URL the SDK
 * built is recorded first), and the key never shows in a log line or an
 * error, even when the provider echoes it.
 */
import { ConfigReader } from '@backstage/config';
import {
  startLlmTestServer,
  type LlmTestServer,
} from '@mycopod/llm-test-server';
import { z } from 'zod';
import { readLlmConfig } from './config';
import { LlmError } from './errors';
import { LlmClient, PLAN_TOOL_NAME, type ParseOutcome } from './LlmClient';

const KEY = 'sk-provider-test-9a8b7c6d5e4f';

let server: LlmTestServer;
beforeAll(async () => {
  server = await startLlmTestServer();
});
afterAll(() => server.stop());
beforeEach(() => server.reset());

interface Sent {
  url: string;
  authorization: string | null;
}

function logger(lines: string[]) {
  const log = (level: string) => (message: string, meta?: unknown) =>
    lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  const l: any = {
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    debug: log('debug'),
  };
  l.child = () => l;
  return l;
}

/** A client whose fetch records the URL and forwards to the test server. */
function client(llm: Record<string, unknown>, lines: string[] = []) {
  const config = readLlmConfig(
    new ConfigReader({ proxmox: { llm: { model: 'm-1', ...llm } } }),
  )!;
  const sent: Sent[] = [];
  const fetch = async (input: any, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input.url);
    sent.push({
      url: url.toString(),
      authorization: new Headers(init?.headers).get('authorization'),
    });
    return globalThis.fetch(
      `${new URL(server.baseUrl).origin}${url.pathname}`,
      init,
    );
  };
  return {
    config,
    sent,
    llm: new LlmClient(config, { logger: logger(lines), fetch }),
  };
}

const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
const parseOk = (json: unknown): ParseOutcome<{ ok: boolean }> => {
  const r = z.strictObject({ ok: z.boolean() }).safeParse(json);
  return r.success
    ? { success: true, data: r.data }
    : { success: false, errors: r.error.issues.map(i => i.message) };
};
const prompt = { system: 'rules', user: 'text', schema };

describe.each([
  {
    provider: 'openai',
    url: 'https://api.openai.com/v1/chat/completions',
    mode: 'json_schema',
  },
  {
    provider: 'anthropic',
    url: 'https://api.anthropic.com/v1/chat/completions',
    mode: 'tool',
  },
  {
    provider: 'gemini',
    url: 'https://generativelanguage.googleapis.com/v1beta/openai/chat/completions',
    mode: 'json_schema',
  },
])('provider $provider', ({ provider, url, mode }) => {
  it('calls its OpenAI-compatible endpoint with the key as bearer token and the model', async () => {
    const { llm, sent } = client({ provider, apiKey: KEY });
    server.reply({ answer: { ok: true } });
    const result = await llm.ask(prompt, parseOk);
    expect(result).toEqual({ kind: 'answer', data: { ok: true }, attempts: 1 });
    expect(sent).toEqual([{ url, authorization: `Bearer ${KEY}` }]);
    const [call] = server.chatRequests();
    expect(call.mode).toBe(mode);
    expect(call.body!.model).toBe('m-1');
    expect(call.body!.temperature).toBe(0);
    // the schema travels as the forced tool's parameters or as the response format
    const actual =
      mode === 'tool'
        ? {
            tool_choice: call.body!.tool_choice,
            parameters: call.body!.tools?.[0]?.function.parameters,
          }
        : (call.body!.response_format as any)?.json_schema?.schema;
    expect(actual).toEqual(
      mode === 'tool'
        ? {
            tool_choice: {
              type: 'function',
              function: { name: PLAN_TOOL_NAME },
            },
            parameters: schema,
          }
        : schema,
    );
  });

  it('requires an API key', () => {
    expect(() => client({ provider })).toThrow(/proxmox\.llm\.apiKey/);
  });
});

describe('keyless providers', () => {
  it('ollama: the local default URL, no Authorization header', async () => {
    const { llm, sent, config } = client({ provider: 'ollama' });
    expect(config.output).toBe('json-schema');
    server.reply({ answer: { ok: true } });
    await llm.ask(prompt, parseOk);
    expect(sent).toEqual([
      {
        url: 'http://localhost:11434/v1/chat/completions',
        authorization: null,
      },
    ]);
  });

  it('openai-compatible: its base URL, optional key, tool-call on request', async () => {
    const { llm, sent } = client({
      provider: 'openai-compatible',
      baseUrl: 'https://llm.example.com/openai/v1',
      apiKey: KEY,
      output: 'tool-call',
    });
    server.reply({ answer: { ok: true } });
    await llm.ask(prompt, parseOk);
    expect(sent).toEqual([
      {
        url: 'https://llm.example.com/openai/v1/chat/completions',
        authorization: `Bearer ${KEY}`,
      },
    ]);
    expect(server.chatRequests()[0].mode).toBe('tool');
    expect(() => client({ provider: 'openai-compatible' })).toThrow(
      /proxmox\.llm\.baseUrl/,
    );
  });
});

describe('the model answer', () => {
  it('asks once more with the errors: as a tool result in tool-call mode', async () => {
    const { llm } = client({ provider: 'anthropic', apiKey: KEY });
    server.reply({ answer: { ok: 'yes' } }, { answer: { ok: false } });
    const result = await llm.ask(prompt, parseOk);
    expect(result).toEqual({
      kind: 'answer',
      data: { ok: false },
      attempts: 2,
    });
    const second = server.chatRequests()[1].body!.messages;
    expect(second.map(m => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
    ]);
    expect(second[3].tool_call_id).toBe(second[2].tool_calls![0].id);
    expect(String(second[3].content)).toMatch(
      /does not match the required schema/,
    );
  });

  it('…and as a user message in json-schema mode; gives up after the second try', async () => {
    const { llm } = client({ provider: 'openai', apiKey: KEY });
    server.reply({ content: 'nope' }, { answer: { ok: 1 } });
    const result = await llm.ask(prompt, parseOk);
    expect(result).toMatchObject({
      kind: 'invalid',
      json: { ok: 1 },
      attempts: 2,
    });
    const second = server.chatRequests()[1].body!.messages;
    expect(second.map(m => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
    ]);
    expect(String(second[3].content)).toMatch(/not valid JSON/);
  });

  it('reports a refusal', async () => {
    const { llm } = client({ provider: 'openai', apiKey: KEY });
    server.reply({ refusal: 'no' });
    expect(await llm.ask(prompt, parseOk)).toEqual({
      kind: 'refusal',
      message: 'no',
      attempts: 1,
    });
  });
});

describe('failures', () => {
  it('never puts the key in an error or a log line, even when the provider echoes it', async () => {
    const lines: string[] = [];
    const { llm } = client({ provider: 'openai', apiKey: KEY }, lines);
    server.reply({
      error: {
        status: 400,
        message: `Invalid request for key ${KEY}: bad`,
      },
    });
    const error = await llm.ask(prompt, parseOk).catch(e => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error.status).toBe(502);
    expect(error.message).toContain('***');
    server.reply({
      error: {
        status: 401,
        message: `Incorrect API key provided: ${KEY}`,
        code: 'invalid_api_key',
      },
    });
    const unauthorized = await llm.ask(prompt, parseOk).catch(e => e);
    expect(unauthorized).toMatchObject({
      status: 502,
      code: 'llm.unauthorized',
    });
    expect(unauthorized.message).toMatch(/proxmox\.llm\.apiKey/);
    expect(lines.length).toBeGreaterThan(0);
    for (const text of [error.message, unauthorized.message, ...lines]) {
      expect(text).not.toContain(KEY);
    }
  });

  it('times out with 504, retries a 5xx once, reports 429 as 503 and an unreachable host as 502', async () => {
    const { llm } = client({ provider: 'openai', apiKey: KEY, timeoutMs: 300 });
    server.reply({ hang: true });
    await expect(llm.ask(prompt, parseOk)).rejects.toMatchObject({
      status: 504,
      code: 'llm.timeout',
    });
    // the SDK's backoff before its one retry needs more than 300 ms
    const patient = client({ provider: 'openai', apiKey: KEY }).llm;
    server.reply(
      { error: { status: 503, message: 'overloaded' } },
      { answer: { ok: true } },
    );
    await expect(patient.ask(prompt, parseOk)).resolves.toMatchObject({
      kind: 'answer',
    });
    server.reply(
      { error: { status: 429, message: 'slow down' } },
      { error: { status: 429, message: 'slow down' } },
    );
    await expect(patient.ask(prompt, parseOk)).rejects.toMatchObject({
      status: 503,
      code: 'llm.rate-limited',
    });
    const unreachable = new LlmClient(
      readLlmConfig(
        new ConfigReader({
          proxmox: {
            llm: {
              provider: 'openai-compatible',
              baseUrl: 'http://127.0.0.1:9/v1',
              model: 'm',
            },
          },
        }),
      )!,
      { logger: logger([]) },
    );
    await expect(unreachable.ask(prompt, parseOk)).rejects.toMatchObject({
      status: 502,
      code: 'llm.unreachable',
    });
  });
});

describe('readLlmConfig', () => {
  const read = (llm: unknown) =>
    readLlmConfig(new ConfigReader({ proxmox: { llm } as any }));

  it('is off without a provider and fails on invalid values, naming the key', () => {
    expect(read(undefined)).toBeUndefined();
    expect(read({ model: 'x' })).toBeUndefined();
    expect(() => read({ provider: 'skynet', model: 'x' })).toThrow(
      /proxmox\.llm\.provider: must be one of openai, anthropic/,
    );
    expect(() => read({ provider: 'ollama' })).toThrow(/proxmox\.llm\.model/);
    expect(() =>
      read({ provider: 'ollama', model: 'x', baseUrl: 'ftp://host' }),
    ).toThrow(/proxmox\.llm\.baseUrl/);
    expect(() =>
      read({ provider: 'ollama', model: 'x', baseUrl: 'http://u:p@host/v1' }),
    ).toThrow(/must not carry credentials/);
    expect(() =>
      read({ provider: 'ollama', model: 'x', timeoutMs: 0 }),
    ).toThrow(/proxmox\.llm\.timeoutMs/);
    expect(() =>
      read({ provider: 'ollama', model: 'x', maxOperations: 50 }),
    ).toThrow(/proxmox\.llm\.maxOperations/);
  });

  it('applies the defaults', () => {
    expect(read({ provider: 'ollama', model: 'llama3.1' })).toEqual({
      provider: 'ollama',
      baseUrl: 'http://localhost:11434/v1',
      model: 'llama3.1',
      output: 'json-schema',
      timeoutMs: 60_000,
      maxTokens: 4096,
      temperature: 0,
      maxOperations: 10,
      rateLimit: { requests: 10, windowSeconds: 300 },
    });
  });
});
