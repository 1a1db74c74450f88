import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Dispatcher } from 'undici';
import type { RetryPolicy } from './backoff';
import type { ProxmoxClusterConfig } from './config';
import type { EndpointDef, HttpMethod, PreparedRequest } from './endpoints';
import {
  ProxmoxApiError,
  ProxmoxErrorKind,
  ProxmoxApiErrorInit,
  classifyHttpFailure,
  classifyNetworkFailure,
  createRedactor,
  errorCode,
} from './errors';
import { retry } from './retry';
import { apiLocation } from './transport';

/**
 * Per-call options accepted by every client method.
 *
 * @public
 */
export interface CallOptions {
  /**
   * Aborts the call (including retries and backoff sleeps). Rejects with the
   * signal's reason, or with a `ProxmoxApiError` of kind `aborted` when a
   * request that may change something was already in flight.
   */
  signal?: AbortSignal;
  /** Per-attempt timeout in ms (default: cluster `timeouts.requestMs`). */
  timeoutMs?: number;
  /** Overrides the retry policy for this call; `false` = single attempt. */
  retry?: Partial<RetryPolicy> | false;
}

/**
 * One HTTP exchange with Proxmox as an observer sees it (see
 * `ProxmoxApi.observe`): which route, how it ended, how long it took.
 * Carries no parameter values and no credentials.
 *
 * @public
 */
export interface ProxmoxCallObservation {
  /** Configured cluster name. */
  cluster: string;
  /** Endpoint id of `ENDPOINTS`, e.g. `qemuStart`. */
  endpoint: string;
  method: HttpMethod;
  /** Path template, e.g. `/nodes/{node}/qemu/{vmid}/status/start`. */
  route: string;
  /** HTTP status; undefined when no answer came (network, timeout, abort). */
  status?: number;
  /** Set when the exchange failed: `http` (non-2xx), `network`, `timeout`, `aborted`. */
  errorKind?: ProxmoxErrorKind;
  /** Wall time of this one attempt in ms. */
  durationMs: number;
}

/** Called after every HTTP exchange; must not throw (errors are ignored). @public */
export type ProxmoxCallObserver = (observation: ProxmoxCallObservation) => void;

interface Envelope {
  data?: unknown;
  [key: string]: unknown;
}

export type ErrorInit = Omit<
  ProxmoxApiErrorInit,
  'cluster' | 'method' | 'path' | 'idempotent'
>;

/** The guest a request concerns: the new VMID of a clone, else `vmid`. */
export function requestVmid(req: PreparedRequest): number | undefined {
  const v = req.params.newid ?? req.pathParams.vmid ?? req.params.vmid;
  const n = Number(v);
  return v !== undefined && Number.isInteger(n) ? n : undefined;
}

/**
 * Sends requests of one cluster: authentication, timeouts, error
 * extraction/classification, redaction, and the retry rule
 * `retryable = transient && (idempotent || !maybeApplied)`.
 */
export class PveHttp {
  readonly #config: ProxmoxClusterConfig;
  readonly #dispatcher: Dispatcher;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #authorization: string;
  readonly #redact: (text: string) => string;
  readonly logger: LoggerService;
  readonly retryPolicy: RetryPolicy;
  readonly random: () => number;
  /** Told about every HTTP exchange (metrics). */
  readonly observers = new Set<ProxmoxCallObserver>();

  constructor(opts: {
    config: ProxmoxClusterConfig;
    dispatcher: Dispatcher;
    logger: LoggerService;
    retry: RetryPolicy;
    random: () => number;
  }) {
    this.#config = opts.config;
    this.#dispatcher = opts.dispatcher;
    const { origin, basePath } = apiLocation(opts.config.url);
    this.#origin = origin;
    this.#basePath = basePath;
    this.#authorization = `PVEAPIToken=${opts.config.tokenId}=${opts.config.tokenSecret}`;
    this.#redact = createRedactor([opts.config.tokenSecret]);
    this.logger = opts.logger;
    this.retryPolicy = opts.retry;
    this.random = opts.random;
  }

  get clusterName(): string {
    return this.#config.name;
  }

  get timeouts() {
    return this.#config.timeouts;
  }

  /** Sends `req` (with retries) and validates the response with `def`. */
  async execute(
    def: EndpointDef,
    req: PreparedRequest,
    options: CallOptions,
  ): Promise<unknown> {
    const policy: RetryPolicy =
      options.retry === false
        ? { ...this.retryPolicy, maxAttempts: 1 }
        : { ...this.retryPolicy, ...options.retry };
    return retry(
      async ({ attempt }) => {
        try {
          return this.parseResponse(def, req, await this.send(req, options));
        } catch (e) {
          if (e instanceof ProxmoxApiError) e.attempts = attempt;
          throw e;
        }
      },
      {
        policy,
        signal: options.signal,
        random: this.random,
        shouldRetry: e => e instanceof ProxmoxApiError && e.retryable,
        onRetry: (e, attempt, delay) => {
          const err = e as ProxmoxApiError;
          this.logger.warn(
            `Proxmox ${this.clusterName}: ${req.method} ${req.path} failed ` +
              `(${err.status ?? err.code ?? err.kind}: ${err.pveMessage}); ` +
              `retry ${attempt}/${policy.maxAttempts - 1} in ${delay} ms`,
          );
        },
      },
    );
  }

  /** A `ProxmoxApiError` about `req`, with every server text redacted. */
  newError(req: PreparedRequest, init: ErrorInit): ProxmoxApiError {
    const redactedErrors = init.errors
      ? Object.fromEntries(
          Object.entries(init.errors).map(([k, v]) => [
            this.#redact(k),
            this.#redact(String(v)),
          ]),
        )
      : undefined;
    return new ProxmoxApiError({
      ...init,
      cluster: this.clusterName,
      method: req.method,
      path: req.path,
      idempotent: req.idempotent,
      vmid: init.vmid ?? requestVmid(req),
      pveMessage: this.#redact(init.pveMessage),
      errors: redactedErrors,
      logTail: init.logTail?.map(l => this.#redact(l)),
      exitstatus: init.exitstatus && this.#redact(init.exitstatus),
    });
  }

  /** The `aborted` error of `req` (see {@link ProxmoxErrorKind}). */
  abortedError(
    req: PreparedRequest,
    reason: unknown,
    extra: { maybeApplied: boolean; vmid?: number; upid?: string },
  ): ProxmoxApiError {
    const why = reason instanceof Error ? reason.message : String(reason);
    return this.newError(req, {
      kind: 'aborted',
      pveMessage: `aborted by the caller (${why})${
        extra.maybeApplied ? '; the request may have been applied' : ''
      }`,
      transient: false,
      maybeApplied: extra.maybeApplied,
      vmid: extra.vmid,
      upid: extra.upid,
      cause: { name: 'AbortError', message: this.#redact(why) },
    });
  }

  #observe(
    req: PreparedRequest,
    started: number,
    outcome: { status?: number; errorKind?: ProxmoxErrorKind },
  ) {
    if (this.observers.size === 0) return;
    const observation: ProxmoxCallObservation = {
      cluster: this.clusterName,
      endpoint: req.endpoint,
      method: req.method,
      route: req.pathTemplate,
      ...outcome,
      durationMs: Date.now() - started,
    };
    for (const observer of this.observers) {
      try {
        observer(observation);
      } catch {
        // an observer never breaks a call
      }
    }
  }

  async send(req: PreparedRequest, options: CallOptions): Promise<Envelope> {
    const timeoutMs = options.timeoutMs ?? this.#config.timeouts.requestMs;
    const timeoutSignal = AbortSignal.timeout(timeoutMs);
    const signal = options.signal
      ? AbortSignal.any([options.signal, timeoutSignal])
      : timeoutSignal;
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: this.#authorization,
    };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = req.body;
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const path = `${this.#basePath}${req.path}${
      req.query ? `?${req.query}` : ''
    }`;
    const started = Date.now();
    let statusCode: number;
    let statusText: string;
    let text: string;
    options.signal?.throwIfAborted();
    try {
      const res = await this.#dispatcher.request({
        origin: this.#origin,
        path,
        method: req.method,
        headers,
        body,
        signal,
        // the per-call timeout (signal above) decides, also when it is longer
        // than the pool's default `timeouts.requestMs`
        headersTimeout: timeoutMs + 1_000,
        bodyTimeout: timeoutMs + 1_000,
      });
      statusCode = res.statusCode;
      statusText = res.statusText ?? '';
      text = await res.body.text();
    } catch (e) {
      let errorKind: ProxmoxErrorKind = 'network';
      if (options.signal?.aborted) errorKind = 'aborted';
      else if (timeoutSignal.aborted) errorKind = 'timeout';
      this.#observe(req, started, { errorKind });
      if (options.signal?.aborted) {
        // A request that may change something was handed to the pool: it
        // may have reached Proxmox.
        if (req.method !== 'GET') {
          throw this.abortedError(req, options.signal.reason, {
            maybeApplied: true,
          });
        }
        throw options.signal.reason;
      }
      if (timeoutSignal.aborted) {
        throw this.newError(req, {
          kind: 'timeout',
          pveMessage: `no response within ${timeoutMs} ms`,
          transient: true,
          maybeApplied: true,
        });
      }
      const code = errorCode(e);
      const cls = classifyNetworkFailure(code);
      const msg = e instanceof Error ? e.message : String(e);
      throw this.newError(req, {
        kind: 'network',
        code,
        pveMessage: msg,
        transient: cls.transient,
        maybeApplied: cls.maybeApplied,
        cause: {
          name: e instanceof Error ? e.name : 'Error',
          code,
          message: this.#redact(msg),
        },
      });
    }
    this.logger.debug(
      `Proxmox ${this.clusterName}: ${req.method} ${
        req.path
      } → ${statusCode} in ${Date.now() - started} ms`,
    );
    this.#observe(req, started, {
      status: statusCode,
      ...(statusCode >= 200 && statusCode < 300 ? {} : { errorKind: 'http' }),
    });
    return this.toEnvelope(req, statusCode, statusText, text);
  }

  private toEnvelope(
    req: PreparedRequest,
    statusCode: number,
    statusText: string,
    text: string,
  ): Envelope {
    let json: unknown;
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (statusCode >= 200 && statusCode < 300) {
      if (!json || typeof json !== 'object') {
        throw this.newError(req, {
          kind: 'invalid-response',
          status: statusCode,
          pveMessage: 'response body is not a JSON object',
          transient: false,
          maybeApplied: true,
        });
      }
      return json as Envelope;
    }
    const envelope =
      json && typeof json === 'object' ? (json as Envelope) : undefined;
    const bodyMessage =
      typeof envelope?.message === 'string' ? envelope.message.trim() : '';
    const plain = envelope === undefined ? text.trim().split('\n')[0] : '';
    const message =
      bodyMessage || statusText.trim() || plain || `HTTP ${statusCode}`;
    const errors =
      envelope?.errors && typeof envelope.errors === 'object'
        ? Object.fromEntries(
            Object.entries(envelope.errors as Record<string, unknown>).map(
              ([k, v]) => [k, String(v).trim()],
            ),
          )
        : undefined;
    const cls = classifyHttpFailure(
      statusCode,
      [message, ...Object.values(errors ?? {})].join('\n'),
    );
    throw this.newError(req, {
      kind: 'http',
      status: statusCode,
      pveMessage: message,
      errors,
      transient: cls.transient,
      maybeApplied: cls.maybeApplied,
    });
  }

  parseResponse(
    def: EndpointDef,
    req: PreparedRequest,
    envelope: Envelope,
  ): unknown {
    const input = def.envelope ? envelope : envelope.data;
    const parsed = def.response.safeParse(input);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues
      .slice(0, 5)
      .map(i => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw this.newError(req, {
      kind: 'invalid-response',
      status: 200,
      pveMessage: `unexpected response shape (${issues})`,
      transient: false,
      maybeApplied: true,
    });
  }
}
