/*
 * The test server through the real `openai` SDK: structured output, tool
 * calls, API errors, a wrong key, malformed JSON, slow and hanging replies.
 */
import OpenAI from 'openai';
import { startLlmTestServer, type LlmTestServer } from './server';

let server: LlmTestServer;
const KEY = 'sk-test-0123456789';

beforeAll(async () => {
  server = await startLlmTestServer({ apiKey: KEY });
});
afterAll(() => server.stop());
beforeEach(() => server.reset());

const client = (over: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) =>
  new OpenAI({
    apiKey: KEY,
    baseURL: server.baseUrl,
    maxRetries: 0,
    logLevel: 'off',
    ...over,
  });

const schemaFormat = {
  type: 'json_schema' as const,
  json_schema: { name: 'plan', schema: { type: 'object' }, strict: false },
};

describe('the LLM test server', () => {
  it('answers structured output in the message content', async () => {
    server.reply({ answer: { ok: 1 } });
    const res = await client().chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: schemaFormat,
    });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('gpt-test');
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(JSON.parse(res.choices[0].message.content!)).toEqual({ ok: 1 });
    const [recorded] = server.chatRequests();
    expect(recorded.mode).toBe('json_schema');
    expect(recorded.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(recorded.path).toBe('/v1/chat/completions');
  });

  it('answers as a call of the forced tool when the request offers tools', async () => {
    server.reply({ answer: { ok: 2 } });
    const res = await client().chat.completions.create({
      model: 'claude-test',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [
        { type: 'function', function: { name: 'other', parameters: {} } },
        { type: 'function', function: { name: 'submit_plan', parameters: {} } },
      ],
      tool_choice: { type: 'function', function: { name: 'submit_plan' } },
    });
    const call = res.choices[0].message.tool_calls![0] as any;
    expect(res.choices[0].finish_reason).toBe('tool_calls');
    expect(call.function.name).toBe('submit_plan');
    expect(JSON.parse(call.function.arguments)).toEqual({ ok: 2 });
    expect(server.chatRequests()[0].mode).toBe('tool');
  });

  it('passes malformed JSON and refusals through as they are', async () => {
    server.reply({ content: '{"ok": tru' }, { refusal: 'I cannot help' });
    const c = client();
    const bad = await c.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      response_format: schemaFormat,
    });
    expect(bad.choices[0].message.content).toBe('{"ok": tru');
    const refused = await c.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(refused.choices[0].message.refusal).toBe('I cannot help');
  });

  it('answers API errors in the OpenAI envelope', async () => {
    server.reply({
      error: { status: 429, message: 'Rate limit reached', code: 'rate_limit' },
    });
    await expect(
      client().chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toMatchObject({ status: 429, code: 'rate_limit' });
  });

  it('refuses a wrong key with 401 without echoing it', async () => {
    const err = await client({ apiKey: 'sk-wrong-key' })
      .chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
      })
      .catch(e => e);
    expect(err.status).toBe(401);
    expect(String(err.message)).not.toContain('sk-wrong-key');
  });

  it('delays, hangs and drops replies', async () => {
    server.reply({ delayMs: 50, then: { answer: { late: true } } });
    const late = await client().chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(JSON.parse(late.choices[0].message.content!)).toEqual({
      late: true,
    });

    server.reply({ hang: true });
    await expect(
      client({ timeout: 200 }).chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionError);

    server.reply({ drop: true });
    await expect(
      client().chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it('answers from the handler when nothing is queued, else 500', async () => {
    await expect(
      client().chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toMatchObject({ status: 500 });
    server.setHandler(req => ({ answer: { echo: req.messages.length } }));
    const res = await client().chat.completions.create({
      model: 'm',
      messages: [
        { role: 'system', content: 'a' },
        { role: 'user', content: 'b' },
      ],
    });
    expect(JSON.parse(res.choices[0].message.content!)).toEqual({ echo: 2 });
  });

  it('lists its model', async () => {
    const models = await client().models.list();
    expect(models.data.map(m => m.id)).toEqual(['mycopod-test-model']);
  });
});
