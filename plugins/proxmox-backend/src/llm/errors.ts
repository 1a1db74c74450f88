import { CustomErrorBase } from '@backstage/errors';

/**
 * Why a draft could not be made by the model, with the HTTP status the API
 * answers. Messages are for people; they never carry the API key (the
 * client scrubs it from anything the provider sent back).
 */
export class LlmError extends CustomErrorBase {
  constructor(
    message: string,
    /** 502 the provider failed, 503 not configured or rate limited, 504 timeout. */
    readonly status: 502 | 503 | 504,
    /** Stable, e.g. `llm.timeout`. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'LlmError';
  }
}

/** No provider is configured: drafting is off, the form template still works. */
export class LlmNotConfiguredError extends LlmError {
  constructor(keys: string) {
    super(
      `Plain-language drafting is not configured on this MycoPod backend: an admin sets ${keys}. The form template "Virtual machine from a Proxmox template" works without it.`,
      503,
      'llm.not-configured',
    );
  }
}

/** Too many drafts by one user in the window: answered 429. */
export class DraftRateLimitError extends CustomErrorBase {
  constructor(readonly retryAfterSeconds: number) {
    super(
      `Too many drafts in a short time; try again in ${retryAfterSeconds} s`,
    );
    this.name = 'DraftRateLimitError';
  }
}
