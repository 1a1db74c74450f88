import type { LoggerService } from '@backstage/backend-plugin-api';
import OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { LlmConfig } from './config';
import { LlmError } from './errors';

/** What a parse of the model's JSON found. */
export type ParseOutcome<T> =
  | { success: true; data: T }
  | { success: false; errors: string[] };

/** The outcome of asking the model (at most twice). */
export type AskResult<T> =
  | { kind: 'answer'; data: T; attempts: number }
  /** Still not in shape after the second try: its JSON (if any) and why. */
  | { kind: 'invalid'; json: unknown; errors: string[]; attempts: number }
  /** The model declined (a structured-output refusal). */
  | { kind: 'refusal'; message: string; attempts: number };

export interface LlmPrompt {
  system: string;
  user: string;
  /** JSON Schema of the answer. */
  schema: Record<string, unknown>;
}

/** The function the model calls in `tool-call` mode. */
export const PLAN_TOOL_NAME = 'submit_plan';
/** The schema name in `json-schema` mode. */
export const PLAN_SCHEMA_NAME = 'mycopod_plan';

type Fetch = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

/** The text of an answer without a Markdown code fence around it. */
function unfence(text: string): string {
  const m = /^\s*```(?:json)?\s*\n?([\s\S]*?)\n?```\s*$/i.exec(text);
  return (m ? m[1] : text).trim();
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Talks to the configured model through the `openai` SDK (every provider's
 * OpenAI-compatible endpoint) and gets a schema-shaped JSON answer from it:
 * structured output or a forced tool call, one more try with the errors
 * when the answer is not in shape. Owns the API key: it is sent only as the
 * provider's bearer token and scrubbed from every message that leaves here.
 */
export class LlmClient {
  readonly #config: LlmConfig;
  readonly #logger: LoggerService;
  readonly #openai: OpenAI;

  constructor(
    config: LlmConfig,
    options: { logger: LoggerService; fetch?: Fetch },
  ) {
    this.#config = config;
    this.#logger = options.logger;
    this.#openai = new OpenAI({
      // keyless endpoints (a local Ollama) get no Authorization header
      apiKey: config.apiKey ?? 'unused',
      baseURL: config.baseUrl,
      ...(config.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
      maxRetries: 1,
      timeout: config.timeoutMs,
      // the SDK's own logging would print request details; it stays off
      logLevel: 'off',
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  get provider(): string {
    return this.#config.provider;
  }

  get model(): string {
    return this.#config.model;
  }

  /** Any text with the API key replaced by `***`. */
  scrub(text: string): string {
    const key = this.#config.apiKey;
    return key ? text.split(key).join('***') : text;
  }

  /**
   * Asks for an answer in the prompt's schema; `parse` checks it. A JSON or
   * schema error is sent back to the model once with the errors.
   */
  async ask<T>(
    prompt: LlmPrompt,
    parse: (json: unknown) => ParseOutcome<T>,
  ): Promise<AskResult<T>> {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.user },
    ];
    let last: { json: unknown; errors: string[] } = {
      json: undefined,
      errors: [],
    };
    for (let attempt = 1; attempt <= 2; attempt++) {
      const completion = await this.#complete(messages, prompt.schema);
      const message = completion.choices[0]?.message;
      if (!message) {
        throw new LlmError(
          'The model answered without a message',
          502,
          'llm.empty-answer',
        );
      }
      if (message.refusal) {
        return {
          kind: 'refusal',
          message: truncate(this.scrub(message.refusal), 500),
          attempts: attempt,
        };
      }
      const call = message.tool_calls?.find(
        c => c.type === 'function' && c.function.name === PLAN_TOOL_NAME,
      ) as
        | {
            id: string;
            type: 'function';
            function: { name: string; arguments: string };
          }
        | undefined;
      const raw = call ? call.function.arguments : message.content ?? '';
      let json: unknown;
      let errors: string[];
      try {
        json = JSON.parse(unfence(raw));
        const parsed = parse(json);
        if (parsed.success) {
          return { kind: 'answer', data: parsed.data, attempts: attempt };
        }
        errors = parsed.errors;
      } catch (e) {
        json = undefined;
        errors = [
          raw.trim()
            ? `the answer is not valid JSON (${(e as Error).message})`
            : 'the answer is empty',
        ];
      }
      last = { json, errors };
      const feedback = `Your answer does not match the required schema:\n${errors
        .slice(0, 30)
        .map(e => `- ${e}`)
        .join('\n')}\nAnswer again with the complete, corrected plan${
        this.#config.output === 'tool-call'
          ? ` by calling ${PLAN_TOOL_NAME}`
          : ' as one JSON object'
      }. The rules and allowed choices of the system message still apply.`;
      if (call) {
        messages.push(
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: feedback },
        );
      } else {
        messages.push(
          { role: 'assistant', content: truncate(raw, 20_000) },
          { role: 'user', content: feedback },
        );
      }
    }
    return { kind: 'invalid', ...last, attempts: 2 };
  }

  async #complete(
    messages: ChatCompletionMessageParam[],
    schema: Record<string, unknown>,
  ): Promise<ChatCompletion> {
    const c = this.#config;
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: c.model,
      messages,
      temperature: c.temperature,
      max_tokens: c.maxTokens,
      ...(c.output === 'tool-call'
        ? {
            tools: [
              {
                type: 'function' as const,
                function: {
                  name: PLAN_TOOL_NAME,
                  description:
                    'Submit the drafted plan: the operations, the rationale and the assumptions.',
                  parameters: schema,
                },
              },
            ],
            tool_choice: {
              type: 'function' as const,
              function: { name: PLAN_TOOL_NAME },
            },
          }
        : {
            response_format: {
              type: 'json_schema' as const,
              json_schema: { name: PLAN_SCHEMA_NAME, schema, strict: false },
            },
          }),
    };
    // Our own deadline: the SDK's timeout error is not told apart from other
    // connection errors in every runtime.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, c.timeoutMs);
    try {
      return await this.#openai.chat.completions.create(params, {
        signal: controller.signal,
      });
    } catch (error) {
      throw this.#failure(error, timedOut);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An LlmError in words a developer can act on; the key never in it. */
  #failure(error: unknown, timedOut: boolean): LlmError {
    const c = this.#config;
    const host = new URL(c.baseUrl).host;
    let result: LlmError;
    if (timedOut || error instanceof OpenAI.APIConnectionTimeoutError) {
      result = new LlmError(
        `The model (${c.provider} ${c.model}) did not answer within ${+(
          c.timeoutMs / 1000
        ).toFixed(1)} s; try again, or with a shorter description`,
        504,
        'llm.timeout',
      );
    } else if (error instanceof OpenAI.APIError && error.status) {
      const detail = truncate(this.scrub(String(error.message ?? '')), 300);
      if (error.status === 401 || error.status === 403) {
        result = new LlmError(
          `The LLM provider (${host}) refused MycoPod's credentials (${error.status}); an admin checks proxmox.llm.apiKey`,
          502,
          'llm.unauthorized',
        );
      } else if (error.status === 429) {
        result = new LlmError(
          `The LLM provider (${host}) is rate limiting MycoPod; try again in a minute`,
          503,
          'llm.rate-limited',
        );
      } else if (error.status === 404) {
        result = new LlmError(
          `The LLM provider (${host}) does not know model ${c.model} or its chat-completions endpoint (404): ${detail}`,
          502,
          'llm.not-found',
        );
      } else {
        result = new LlmError(
          `The LLM provider (${host}) answered ${error.status}: ${detail}`,
          502,
          'llm.provider-error',
        );
      }
    } else {
      result = new LlmError(
        `Could not reach the LLM provider at ${host}`,
        502,
        'llm.unreachable',
      );
    }
    this.#logger.warn(`LLM drafting failed: ${result.message}`, {
      code: result.code,
    });
    return result;
  }
}
