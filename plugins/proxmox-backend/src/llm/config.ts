import type { Config } from '@backstage/config';

/** The providers `proxmox.llm.provider` names. */
export const LLM_PROVIDERS = [
  'openai',
  'anthropic',
  'gemini',
  'ollama',
  'openai-compatible',
] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];

/**
 * How the model is made to answer in the plan's shape:
 * `json-schema` = `response_format: { type: 'json_schema' }` (structured
 * output); `tool-call` = one forced function call whose parameters are the
 * schema (for endpoints that ignore `response_format`).
 */
export type LlmOutputMode = 'json-schema' | 'tool-call';

interface ProviderDefaults {
  baseUrl?: string;
  keyRequired: boolean;
  output: LlmOutputMode;
}

/**
 * Each provider through its OpenAI-compatible endpoint. Anthropic's ignores
 * `response_format`, so it answers through a tool call.
 */
export const PROVIDER_DEFAULTS: Record<LlmProvider, ProviderDefaults> = {
  openai: {
    baseUrl: 'https://api.openai.com/v1',
    keyRequired: true,
    output: 'json-schema',
  },
  anthropic: {
    baseUrl: 'https://api.anthropic.com/v1/',
    keyRequired: true,
    output: 'tool-call',
  },
  gemini: {
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai/',
    keyRequired: true,
    output: 'json-schema',
  },
  ollama: {
    baseUrl: 'http://localhost:11434/v1',
    keyRequired: false,
    output: 'json-schema',
  },
  'openai-compatible': { keyRequired: false, output: 'json-schema' },
};

/** `proxmox.llm`, validated, with defaults applied. */
export interface LlmConfig {
  provider: LlmProvider;
  baseUrl: string;
  /** Never logged, never part of an error, a response or an audit event. */
  apiKey?: string;
  model: string;
  output: LlmOutputMode;
  timeoutMs: number;
  maxTokens: number;
  temperature: number;
  /** Most operations one plan may hold. */
  maxOperations: number;
  /** Per user: at most `requests` drafts in `windowSeconds`. */
  rateLimit: { requests: number; windowSeconds: number };
}

export const LLM_CONFIG_KEY = 'proxmox.llm';

/** The keys an admin sets to turn drafting on (for the 503 message). */
export const LLM_REQUIRED_KEYS =
  'proxmox.llm.provider, proxmox.llm.model (and proxmox.llm.apiKey, or proxmox.llm.baseUrl for ollama / openai-compatible)';

function fail(key: string, message: string): never {
  throw new Error(`${LLM_CONFIG_KEY}.${key}: ${message}`);
}

function positiveInt(
  c: Config,
  key: string,
  fallback: number,
  max: number,
): number {
  const v = c.getOptionalNumber(key);
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 1 || v > max) {
    fail(key, `must be a whole number from 1 to ${max}, got ${v}`);
  }
  return v;
}

/**
 * Reads `proxmox.llm`. Undefined when no provider is configured (drafting
 * answers 503 then); an invalid value fails startup with the key's name.
 */
export function readLlmConfig(config: Config): LlmConfig | undefined {
  const c = config.getOptionalConfig(LLM_CONFIG_KEY);
  const provider = c?.getOptionalString('provider');
  if (!c || !provider) return undefined;
  if (!(LLM_PROVIDERS as readonly string[]).includes(provider)) {
    fail('provider', `must be one of ${LLM_PROVIDERS.join(', ')}`);
  }
  const defaults = PROVIDER_DEFAULTS[provider as LlmProvider];
  const baseUrl = c.getOptionalString('baseUrl') ?? defaults.baseUrl;
  if (!baseUrl) fail('baseUrl', `is required for provider ${provider}`);
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    fail('baseUrl', 'must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail('baseUrl', 'must be an http(s) URL');
  }
  if (url.username || url.password) {
    fail('baseUrl', 'must not carry credentials; use apiKey');
  }
  const apiKey = c.getOptionalString('apiKey') || undefined;
  if (defaults.keyRequired && !apiKey) {
    fail('apiKey', `is required for provider ${provider}`);
  }
  const model = c.getOptionalString('model');
  if (!model) fail('model', 'is required (the model name of the provider)');
  const output = c.getOptionalString('output') ?? defaults.output;
  if (output !== 'json-schema' && output !== 'tool-call') {
    fail('output', 'must be json-schema or tool-call');
  }
  const temperature = c.getOptionalNumber('temperature') ?? 0;
  if (!(temperature >= 0 && temperature <= 2)) {
    fail('temperature', 'must be from 0 to 2');
  }
  return {
    provider: provider as LlmProvider,
    baseUrl,
    ...(apiKey ? { apiKey } : {}),
    model,
    output,
    timeoutMs: positiveInt(c, 'timeoutMs', 60_000, 600_000),
    maxTokens: positiveInt(c, 'maxTokens', 4096, 200_000),
    temperature,
    maxOperations: positiveInt(c, 'maxOperations', 10, 20),
    rateLimit: {
      requests: positiveInt(c, 'rateLimit.requests', 10, 10_000),
      windowSeconds: positiveInt(c, 'rateLimit.windowSeconds', 300, 86_400),
    },
  };
}
