import {
  NOT_APPLIED_500,
  PERMANENT_500_PATTERNS,
  PveMessageId,
  TRANSIENT_500,
  anyPveMessage,
  isPveMessage,
} from './pveMessages';

/**
 * What failed.
 *
 * - `http`: Proxmox (or a proxy in front of it) answered with a non-2xx status.
 * - `network`: no HTTP answer (connection refused/reset, TLS failure, DNS…).
 * - `timeout`: the per-request timeout or a `waitFor*` deadline expired.
 * - `invalid-response`: a 2xx answer whose body did not have the expected shape.
 * - `task`: a Proxmox task ended with an error exit status.
 * - `aborted`: the caller's `AbortSignal` fired while a request that may
 *   change something (any non-GET) was in flight, or while a helper was
 *   resolving a request that may already have been applied. `maybeApplied`
 *   says whether Proxmox may have executed it, `vmid` which guest it
 *   concerns (the new VMID for clones), `upid` the task if one is known.
 *   (Aborts that provably sent nothing reject with the signal's reason.)
 *
 * @public
 */
export type ProxmoxErrorKind =
  | 'http'
  | 'network'
  | 'timeout'
  | 'invalid-response'
  | 'task'
  | 'aborted';

/** @public */
export interface ProxmoxApiErrorInit {
  kind: ProxmoxErrorKind;
  /** Configured cluster name. */
  cluster: string;
  method: string;
  /** Request path (API-relative, without query string). Never carries credentials. */
  path: string;
  /** HTTP status (undefined when there was no HTTP answer). */
  status?: number;
  /** Proxmox's own error text (reason phrase / `message`), or a description of the failure. */
  pveMessage: string;
  /** Per-parameter errors from the 400 body (`{"errors":{param: message}}`). */
  errors?: Record<string, string>;
  /** Node/undici error code for network failures (ECONNRESET, UND_ERR_SOCKET…). */
  code?: string;
  /** The failure is expected to go away (lock timeout, 5xx from a proxy, reset…). */
  transient: boolean;
  /** The request may have been applied by Proxmox although it failed. */
  maybeApplied: boolean;
  /** The request is safe to repeat even if it was applied. */
  idempotent: boolean;
  attempts?: number;
  /** The guest the request concerns (the new VMID for clones). */
  vmid?: number;
  upid?: string;
  exitstatus?: string;
  logTail?: string[];
  cause?: unknown;
}

/**
 * The one error type of the Proxmox client.
 *
 * Never contains the API token secret: messages are built from the method,
 * the path and Proxmox's text only, and all server/transport strings are
 * passed through a redactor as defence in depth.
 *
 * @public
 */
export class ProxmoxApiError extends Error {
  override readonly name = 'ProxmoxApiError';
  readonly kind: ProxmoxErrorKind;
  readonly cluster: string;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly pveMessage: string;
  readonly errors?: Record<string, string>;
  readonly code?: string;
  readonly transient: boolean;
  readonly maybeApplied: boolean;
  readonly idempotent: boolean;
  /**
   * Whether repeating the same request is both useful and safe:
   * `transient && (idempotent || !maybeApplied)`. This is the rule the
   * client's own retry loop applies.
   */
  readonly retryable: boolean;
  /** Attempts made before giving up (set by the retry loop). */
  attempts: number;
  /** The guest the failed request concerns (the new VMID for clones). */
  readonly vmid?: number;
  readonly upid?: string;
  readonly exitstatus?: string;
  /** Last lines of the task log (task failures, task timeouts). */
  readonly logTail?: string[];

  constructor(init: ProxmoxApiErrorInit) {
    super(formatMessage(init), init.cause ? { cause: init.cause } : undefined);
    this.kind = init.kind;
    this.cluster = init.cluster;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.pveMessage = init.pveMessage;
    this.errors = init.errors;
    this.code = init.code;
    this.transient = init.transient;
    this.maybeApplied = init.maybeApplied;
    this.idempotent = init.idempotent;
    this.retryable = init.transient && (init.idempotent || !init.maybeApplied);
    this.attempts = init.attempts ?? 1;
    this.vmid = init.vmid;
    this.upid = init.upid;
    this.exitstatus = init.exitstatus;
    this.logTail = init.logTail;
  }

  /** Proxmox says the object (VM, file, snapshot…) does not exist. */
  get isNotFound(): boolean {
    const text = this.allText();
    return (
      this.status === 404 ||
      isPveMessage(text, 'does-not-exist') ||
      isPveMessage(text, 'no-such-task') ||
      /not found/i.test(text)
    );
  }

  /** Proxmox says the object already exists (VMID collisions). */
  get isAlreadyExists(): boolean {
    return isPveMessage(this.allText(), 'already-exists');
  }

  /**
   * A config/storage/cfs lock could not be acquired in time (see
   * `pveMessages.ts`; a shutdown's "got timeout" is not a lock timeout).
   */
  get isLockTimeout(): boolean {
    return isPveMessage(this.allText(), 'lock-timeout');
  }

  /** Whether Proxmox's text is the catalogue message `id`. */
  hasPveMessage(id: PveMessageId): boolean {
    return isPveMessage(this.allText(), id);
  }

  /** All Proxmox text of this error (message, parameter errors, exit status). */
  allText(): string {
    return [
      this.pveMessage,
      this.exitstatus ?? '',
      ...Object.values(this.errors ?? {}),
    ].join('\n');
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      kind: this.kind,
      cluster: this.cluster,
      method: this.method,
      path: this.path,
      status: this.status,
      pveMessage: this.pveMessage,
      errors: this.errors,
      code: this.code,
      transient: this.transient,
      maybeApplied: this.maybeApplied,
      retryable: this.retryable,
      attempts: this.attempts,
      vmid: this.vmid,
      upid: this.upid,
      exitstatus: this.exitstatus,
      logTail: this.logTail,
    };
  }
}

function formatMessage(init: ProxmoxApiErrorInit): string {
  const where = `${init.method} ${init.path}`;
  const status = init.status !== undefined ? `${init.status} ` : '';
  const params = init.errors
    ? Object.entries(init.errors)
        .map(([k, v]) => `${k}: ${String(v).trim()}`)
        .join('; ')
    : '';
  const head =
    init.kind === 'task'
      ? `Proxmox task ${init.upid ?? ''} failed: ${init.pveMessage}`
      : `Proxmox ${init.cluster}: ${where} failed: ${status}${init.pveMessage}`;
  return params ? `${head} (${params})` : head;
}

/** Classification of one failure, independent of the request's idempotency. */
export interface FailureClass {
  transient: boolean;
  maybeApplied: boolean;
}

/**
 * Classifies an HTTP error status plus Proxmox's message.
 *
 * | status | transient | may have been applied |
 * |---|---|---|
 * | 400, 401, 403, 404, 501, 506, other 4xx | no | no |
 * | 429 | yes | no |
 * | 500 with a lock timeout, `VM is locked`, no quorum | yes | no |
 * | 500 with `got timeout`, `got no worker upid` | yes | yes |
 * | 500 with a business error (`does not exist`, `already exists`, `not running`, …) | no | no |
 * | 500 with any other text (e.g. a bare `Internal Server Error`) | yes | yes |
 * | 502, 504 | yes | yes |
 * | 503 | yes | no |
 * | 595 (pveproxy could not connect to the target node) | yes | no |
 * | 596, 597 (TLS/send/header or body phase of the proxied call) | yes | yes |
 * | 598, 599 | no | yes |
 *
 * @public
 */
export function classifyHttpFailure(
  status: number,
  message: string,
): FailureClass {
  if (status === 429) return { transient: true, maybeApplied: false };
  if (status >= 400 && status < 500) {
    return { transient: false, maybeApplied: false };
  }
  if (status === 500) {
    // PVE answers most business errors with HTTP 500 and the text as
    // reason phrase; the catalogue (pveMessages.ts) says what each means.
    if (anyPveMessage(message, NOT_APPLIED_500)) {
      return { transient: true, maybeApplied: false };
    }
    if (anyPveMessage(message, TRANSIENT_500)) {
      return { transient: true, maybeApplied: true };
    }
    if (PERMANENT_500_PATTERNS.some(re => re.test(message))) {
      return { transient: false, maybeApplied: false };
    }
    return { transient: true, maybeApplied: true };
  }
  if (status === 501 || status === 506) {
    return { transient: false, maybeApplied: false };
  }
  if (status === 503 || status === 595) {
    return { transient: true, maybeApplied: false };
  }
  if (status === 502 || status === 504 || status === 596 || status === 597) {
    return { transient: true, maybeApplied: true };
  }
  return { transient: false, maybeApplied: true };
}

// Failures before any request byte can have reached the server.
const CONNECT_PHASE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
// Failures after the request may have been sent.
const MID_FLIGHT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_REQ_RETRY',
]);

/**
 * Classifies a transport failure (no HTTP status) by its error code.
 * Connect-phase failures prove the request was not sent; resets and
 * timeouts after connecting may have been applied; TLS verification
 * failures and unknown errors are not transient.
 *
 * @public
 */
export function classifyNetworkFailure(code: string | undefined): FailureClass {
  if (code && CONNECT_PHASE_CODES.has(code)) {
    return { transient: true, maybeApplied: false };
  }
  if (code && MID_FLIGHT_CODES.has(code)) {
    return { transient: true, maybeApplied: true };
  }
  return { transient: false, maybeApplied: true };
}

/** Finds the most specific error code on an error and its causes. */
export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  let code: string | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') {
      // Prefer a connect-phase code found deeper (e.g. ECONNREFUSED under an
      // undici wrapper) over a generic wrapper code.
      if (!code || CONNECT_PHASE_CODES.has(c)) code = c;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return code;
}

/**
 * Builds a function that removes the given secrets from any text.
 *
 * @public
 */
export function createRedactor(
  secrets: Array<string | undefined>,
): (text: string) => string {
  const list = secrets.filter((s): s is string => !!s && s.length >= 4);
  const variants = new Set<string>();
  for (const s of list) {
    variants.add(s);
    variants.add(encodeURIComponent(s));
  }
  return (text: string) => {
    let out = String(text);
    for (const v of variants) out = out.split(v).join('[REDACTED]');
    return out;
  };
}
