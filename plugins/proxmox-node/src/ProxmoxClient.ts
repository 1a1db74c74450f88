import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Dispatcher } from 'undici';
import {
  DEFAULT_RETRY_POLICY,
  RetryPolicy,
  computeBackoffDelay,
  sleep,
} from './backoff';
import {
  ProxmoxClusterConfig,
  ProxmoxClusterConfigInput,
  ProxmoxClusterInfo,
  describeCluster,
  parseProxmoxClusterConfig,
} from './config';
import {
  ENDPOINTS,
  EndpointDef,
  EndpointInput,
  EndpointResult,
  PreparedRequest,
  buildRequest,
} from './endpoints';
import {
  ProxmoxApiError,
  classifyHttpFailure,
  classifyNetworkFailure,
  createRedactor,
  errorCode,
} from './errors';
import type { PveGuestInterface } from './schemas';
import { apiLocation, createProxmoxPool } from './transport';
import { isTaskExitOk, parseUpid, taskWarningCount } from './upid';
import { KeyedSemaphore, VmidClaims } from './vmidClaims';

/**
 * Per-call options accepted by every client method.
 *
 * @public
 */
export interface CallOptions {
  /** Aborts the call (including retries and backoff sleeps); rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Per-attempt timeout in ms (default: cluster `timeouts.requestMs`). */
  timeoutMs?: number;
  /** Overrides the retry policy for this call; `false` = single attempt. */
  retry?: Partial<RetryPolicy> | false;
}

/** @public */
export interface WaitForTaskOptions {
  signal?: AbortSignal;
  /** Overall deadline in ms (default: cluster `timeouts.taskMs`). */
  timeoutMs?: number;
  /** First poll delay in ms (default 500); grows ×1.5 up to `maxPollIntervalMs`. */
  pollIntervalMs?: number;
  /** Largest poll delay in ms (default 5000). */
  maxPollIntervalMs?: number;
  /**
   * How long a 400 "no such task" is tolerated in ms (default 15000): a task
   * may not be visible through the status API right after it was created.
   */
  notFoundGraceMs?: number;
  /** Number of log lines to return (default 20). */
  logLines?: number;
  /** Throw a `ProxmoxApiError` (kind `task`) when the task fails (default true). */
  throwOnFailure?: boolean;
  /** Exit statuses that count as success although they are errors (e.g. "already running"). */
  acceptExitStatus?: (exitstatus: string) => boolean;
}

/**
 * The outcome of a finished task.
 *
 * @public
 */
export interface TaskResult {
  upid: string;
  node: string;
  type: string;
  id: string;
  /** `OK`, `WARNINGS: n`, or the error text. */
  exitstatus: string;
  /** `OK`/`WARNINGS: n`, or accepted by `acceptExitStatus`. */
  ok: boolean;
  warnings: number;
  /** Last lines of the task log. */
  logTail: string[];
}

/** @public */
export interface AllocateVmidOptions {
  /** First candidate (default: Proxmox's `GET /cluster/nextid`). */
  start?: number;
  /**
   * Optional external reservation (e.g. a unique row in a database shared by
   * several backend replicas). Return false when the id is taken.
   */
  reserve?: (vmid: number) => Promise<boolean>;
  /** Candidates to try before giving up (default 200). */
  maxCandidates?: number;
  /** How long the in-process claim lives unless released (default 15 min). */
  claimTtlMs?: number;
  signal?: AbortSignal;
}

/** @public */
export interface CloneWithFreshVmidOptions {
  /** Node of the source VM/template. */
  node: string;
  /** Source VM/template id. */
  vmid: number;
  name?: string;
  description?: string;
  pool?: string;
  snapname?: string;
  storage?: string;
  format?: 'raw' | 'qcow2' | 'vmdk';
  /** Full clone (default: Proxmox decides — linked for templates). */
  full?: boolean;
  /** Target node (default: source node). */
  target?: string;
  bwlimit?: number;
  /** First VMID candidate / external reservation, see {@link AllocateVmidOptions}. */
  start?: number;
  reserve?: (vmid: number) => Promise<boolean>;
  /**
   * Called once the clone task was dispatched, before waiting — persist the
   * UPID here to resume after a crash.
   */
  onDispatched?: (info: { vmid: number; upid: string }) => void | Promise<void>;
  /** Wait for the clone task and for the config lock to clear (default true). */
  wait?: boolean;
  /** Clone dispatch attempts (fresh VMID or transient task failure) (default 6). */
  maxAttempts?: number;
  task?: WaitForTaskOptions;
  signal?: AbortSignal;
}

/** @public */
export interface CloneResult {
  vmid: number;
  /** Node the new VM lives on. */
  node: string;
  /** Undefined when an ambiguous dispatch was adopted without its UPID. */
  upid?: string;
  task?: TaskResult;
}

/** @public */
export interface WaitOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  pollIntervalMs?: number;
}

/** @public */
export interface GuestAddress {
  interface: string;
  address: string;
  family: string;
  prefix?: number;
}

/**
 * Options of {@link ProxmoxClient}.
 *
 * @public
 */
export interface ProxmoxClientOptions {
  /** Cluster configuration (validated; input defaults are applied). */
  cluster: ProxmoxClusterConfigInput | ProxmoxClusterConfig;
  logger?: LoggerService;
  /** Shared connection pool; when absent the client creates (and owns) one. */
  dispatcher?: Dispatcher;
  /** Shared in-process VMID claims (share one per cluster per process). */
  vmidClaims?: VmidClaims;
  /** Override the cluster's retry policy. */
  retry?: Partial<RetryPolicy>;
  /** Concurrent clones per source VM (0 = unlimited, default 4); ignored with `cloneLimiter`. */
  maxConcurrentClonesPerSource?: number;
  /** Shared per-source clone limiter (share one per cluster per process). */
  cloneLimiter?: KeyedSemaphore;
  /** Random source for jitter (tests). */
  random?: () => number;
}

type AnyEndpoint = EndpointDef;

const NOOP_LOGGER: LoggerService = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return NOOP_LOGGER;
  },
};

interface Envelope {
  data?: unknown;
  [key: string]: unknown;
}

/**
 * Typed Proxmox VE API client for one cluster.
 *
 * Every method accepts {@link CallOptions} (AbortSignal, timeout, retry).
 * Failures are `ProxmoxApiError`s; aborts reject with the signal's reason.
 *
 * @public
 */
export class ProxmoxClient {
  /** Non-secret description of the cluster. */
  readonly cluster: ProxmoxClusterInfo;
  readonly #config: ProxmoxClusterConfig;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #authorization: string;
  readonly #redact: (text: string) => string;
  readonly #logger: LoggerService;
  readonly #retry: RetryPolicy;
  readonly #random: () => number;
  readonly #claims: VmidClaims;
  readonly #cloneLimiter: KeyedSemaphore;

  constructor(options: ProxmoxClientOptions) {
    const config = parseProxmoxClusterConfig(options.cluster);
    this.#config = config;
    this.cluster = describeCluster(config);
    this.#logger = options.logger ?? NOOP_LOGGER;
    const { origin, basePath } = apiLocation(config.url);
    this.#origin = origin;
    this.#basePath = basePath;
    this.#authorization = `PVEAPIToken=${config.tokenId}=${config.tokenSecret}`;
    this.#redact = createRedactor([config.tokenSecret]);
    this.#retry = {
      ...DEFAULT_RETRY_POLICY,
      ...config.retry,
      ...options.retry,
    };
    this.#random = options.random ?? Math.random;
    this.#claims = options.vmidClaims ?? new VmidClaims();
    this.#cloneLimiter =
      options.cloneLimiter ??
      new KeyedSemaphore(options.maxConcurrentClonesPerSource ?? 4);
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
      this.#ownsDispatcher = false;
    } else {
      this.#dispatcher = createProxmoxPool(config, this.#logger);
      this.#ownsDispatcher = true;
    }
  }

  /** Closes the connection pool if this client created it. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  /** Never serialise credentials. */
  toJSON(): unknown {
    return { cluster: this.cluster };
  }

  // -------------------------------------------------------------------------
  // generic execution

  /**
   * Builds and executes any request of {@link ENDPOINTS}, with retries.
   */
  async call<E extends AnyEndpoint>(
    def: E,
    input: EndpointInput<E>,
    options: CallOptions = {},
  ): Promise<EndpointResult<E>> {
    const req = buildRequest(def, input);
    return this.execute(def, req, options) as Promise<EndpointResult<E>>;
  }

  /**
   * Sends a prepared request and retries it under the rule
   * `retryable = transient && (idempotent || !maybeApplied)` with bounded
   * exponential backoff and jitter.
   */
  private async execute(
    def: AnyEndpoint,
    req: PreparedRequest,
    options: CallOptions,
  ): Promise<unknown> {
    const policy: RetryPolicy =
      options.retry === false
        ? { ...this.#retry, maxAttempts: 1 }
        : { ...this.#retry, ...options.retry };
    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      try {
        const envelope = await this.send(req, options);
        return this.parseResponse(def, req, envelope);
      } catch (e) {
        if (!(e instanceof ProxmoxApiError)) throw e;
        e.attempts = attempt;
        if (!e.retryable || attempt >= policy.maxAttempts) throw e;
        const delay = computeBackoffDelay(attempt, policy, this.#random);
        this.#logger.warn(
          `Proxmox ${this.cluster.name}: ${req.method} ${req.path} failed ` +
            `(${e.status ?? e.code ?? e.kind}: ${e.pveMessage}); ` +
            `retry ${attempt}/${policy.maxAttempts - 1} in ${delay} ms`,
        );
        await sleep(delay, options.signal);
      }
    }
  }

  private newError(
    req: PreparedRequest,
    init: Omit<
      ConstructorParameters<typeof ProxmoxApiError>[0],
      'cluster' | 'method' | 'path' | 'idempotent'
    >,
  ): ProxmoxApiError {
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
      cluster: this.cluster.name,
      method: req.method,
      path: req.path,
      idempotent: req.idempotent,
      pveMessage: this.#redact(init.pveMessage),
      errors: redactedErrors,
      logTail: init.logTail?.map(l => this.#redact(l)),
      exitstatus: init.exitstatus && this.#redact(init.exitstatus),
    });
  }

  private async send(
    req: PreparedRequest,
    options: CallOptions,
  ): Promise<Envelope> {
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
      if (options.signal?.aborted) throw options.signal.reason;
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
    this.#logger.debug(
      `Proxmox ${this.cluster.name}: ${req.method} ${
        req.path
      } → ${statusCode} in ${Date.now() - started} ms`,
    );
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

  private parseResponse(
    def: AnyEndpoint,
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

  // -------------------------------------------------------------------------
  // endpoints (thin typed wrappers over ENDPOINTS)

  getVersion(options?: CallOptions) {
    return this.call(ENDPOINTS.version, {}, options);
  }
  listNodes(options?: CallOptions) {
    return this.call(ENDPOINTS.nodes, {}, options);
  }
  getNodeStatus(
    p: EndpointInput<typeof ENDPOINTS.nodeStatus>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.nodeStatus, p, options);
  }
  listClusterResources(
    p: EndpointInput<typeof ENDPOINTS.clusterResources> = {},
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.clusterResources, p, options);
  }
  getClusterStatus(options?: CallOptions) {
    return this.call(ENDPOINTS.clusterStatus, {}, options);
  }
  /** `GET /cluster/nextid` → number; with `vmid`, fails (400) if that id is taken. */
  getNextVmid(
    p: EndpointInput<typeof ENDPOINTS.nextId> = {},
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.nextId, p, options);
  }
  listQemu(p: EndpointInput<typeof ENDPOINTS.qemuList>, options?: CallOptions) {
    return this.call(ENDPOINTS.qemuList, p, options);
  }
  /** Returns a UPID (`qmcreate`). Not retried after ambiguous failures. */
  createVm(
    p: EndpointInput<typeof ENDPOINTS.qemuCreate>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuCreate, p, options);
  }
  getVmConfig(
    p: EndpointInput<typeof ENDPOINTS.qemuConfigGet>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuConfigGet, p, options);
  }
  /** Synchronous config update (PUT). */
  updateVmConfig(
    p: EndpointInput<typeof ENDPOINTS.qemuConfigUpdate>,
    options?: CallOptions,
  ): Promise<void> {
    return this.call(ENDPOINTS.qemuConfigUpdate, p, options).then(
      () => undefined,
    );
  }
  /** Asynchronous config update (POST) → UPID, or null if finished within `background_delay`. */
  updateVmConfigAsync(
    p: EndpointInput<typeof ENDPOINTS.qemuConfigUpdateAsync>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuConfigUpdateAsync, p, options);
  }
  /** Returns a UPID (`qmclone`, id = source vmid). Prefer {@link ProxmoxClient.cloneWithFreshVmid}. */
  cloneVm(p: EndpointInput<typeof ENDPOINTS.qemuClone>, options?: CallOptions) {
    return this.call(ENDPOINTS.qemuClone, p, options);
  }
  /** Returns a UPID (`resize`) on PVE ≥ 8.0, null on older versions. */
  resizeDisk(
    p: EndpointInput<typeof ENDPOINTS.qemuResize>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuResize, p, options);
  }
  startVm(p: EndpointInput<typeof ENDPOINTS.qemuStart>, options?: CallOptions) {
    return this.call(ENDPOINTS.qemuStart, p, options);
  }
  stopVm(p: EndpointInput<typeof ENDPOINTS.qemuStop>, options?: CallOptions) {
    return this.call(ENDPOINTS.qemuStop, p, options);
  }
  shutdownVm(
    p: EndpointInput<typeof ENDPOINTS.qemuShutdown>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuShutdown, p, options);
  }
  rebootVm(
    p: EndpointInput<typeof ENDPOINTS.qemuReboot>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuReboot, p, options);
  }
  getVmStatus(
    p: EndpointInput<typeof ENDPOINTS.qemuStatus>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuStatus, p, options);
  }
  deleteVm(
    p: EndpointInput<typeof ENDPOINTS.qemuDelete>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuDelete, p, options);
  }
  getGuestNetworkInterfaces(
    p: EndpointInput<typeof ENDPOINTS.qemuAgentNetwork>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuAgentNetwork, p, options);
  }
  /** Snapshots of a VM, without the `current` pseudo entry. */
  listSnapshots(
    p: EndpointInput<typeof ENDPOINTS.qemuSnapshotList>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuSnapshotList, p, options);
  }
  createSnapshot(
    p: EndpointInput<typeof ENDPOINTS.qemuSnapshotCreate>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuSnapshotCreate, p, options);
  }
  rollbackSnapshot(
    p: EndpointInput<typeof ENDPOINTS.qemuSnapshotRollback>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuSnapshotRollback, p, options);
  }
  deleteSnapshot(
    p: EndpointInput<typeof ENDPOINTS.qemuSnapshotDelete>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuSnapshotDelete, p, options);
  }
  listLxc(p: EndpointInput<typeof ENDPOINTS.lxcList>, options?: CallOptions) {
    return this.call(ENDPOINTS.lxcList, p, options);
  }
  getTaskStatus(
    p: EndpointInput<typeof ENDPOINTS.taskStatus>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.taskStatus, p, options);
  }
  getTaskLog(
    p: EndpointInput<typeof ENDPOINTS.taskLog>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.taskLog, p, options);
  }
  listTasks(
    p: EndpointInput<typeof ENDPOINTS.taskList>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.taskList, p, options);
  }
  stopTask(p: EndpointInput<typeof ENDPOINTS.taskStop>, options?: CallOptions) {
    return this.call(ENDPOINTS.taskStop, p, options).then(() => undefined);
  }
  listPools(
    p: EndpointInput<typeof ENDPOINTS.pools> = {},
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.pools, p, options);
  }
  listStorage(
    p: EndpointInput<typeof ENDPOINTS.storage> = {},
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.storage, p, options);
  }
  listNodeStorage(
    p: EndpointInput<typeof ENDPOINTS.nodeStorage>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.nodeStorage, p, options);
  }
  listNodeNetworks(
    p: EndpointInput<typeof ENDPOINTS.nodeNetwork>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.nodeNetwork, p, options);
  }
  /** Bridges of a node (Linux and OVS bridges). */
  listBridges(p: { node: string }, options?: CallOptions) {
    return this.call(
      ENDPOINTS.nodeNetwork,
      { node: p.node, type: 'any_bridge' },
      options,
    );
  }
  listSdnVnets(
    p: EndpointInput<typeof ENDPOINTS.sdnVnets> = {},
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.sdnVnets, p, options);
  }
  /**
   * Attaches a cluster security group to a VM (a `group` rule) unless a rule
   * for it exists already. Safe to repeat: an ambiguous failure of the POST
   * is resolved by listing the rules again.
   */
  async ensureVmFirewallGroup(
    p: {
      node: string;
      vmid: number;
      group: string;
      iface?: string;
      comment?: string;
    },
    options: CallOptions = {},
  ): Promise<{ added: boolean }> {
    const has = async () =>
      (
        await this.listVmFirewallRules({ node: p.node, vmid: p.vmid }, options)
      ).some(
        r =>
          r.type === 'group' &&
          r.action === p.group &&
          (p.iface ? r.iface === p.iface : true),
      );
    let ambiguous = false;
    for (let attempt = 1; ; attempt++) {
      if (await has()) return { added: ambiguous };
      try {
        await this.addVmFirewallRule(
          {
            node: p.node,
            vmid: p.vmid,
            type: 'group',
            action: p.group,
            enable: true,
            iface: p.iface,
            comment: p.comment,
          },
          options,
        );
        return { added: true };
      } catch (e) {
        if (
          !(e instanceof ProxmoxApiError && e.transient && e.maybeApplied) ||
          attempt >= this.#retry.maxAttempts
        ) {
          throw e;
        }
        ambiguous = true;
        this.#logger.warn(
          `Proxmox ${this.cluster.name}: adding security group ${p.group} to VM ${p.vmid} ended ambiguously (${e.pveMessage}); checking the rules`,
        );
        await sleep(
          computeBackoffDelay(attempt, this.#retry, this.#random),
          options.signal,
        );
      }
    }
  }

  /** Cluster firewall security groups. */
  listFirewallGroups(options?: CallOptions) {
    return this.call(ENDPOINTS.firewallGroups, {}, options);
  }
  listFirewallGroupRules(
    p: EndpointInput<typeof ENDPOINTS.firewallGroupRules>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.firewallGroupRules, p, options);
  }
  listVmFirewallRules(
    p: EndpointInput<typeof ENDPOINTS.qemuFirewallRules>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuFirewallRules, p, options);
  }
  /** Adds a rule; `{type: 'group', action: '<group>'}` attaches a security group. */
  addVmFirewallRule(
    p: EndpointInput<typeof ENDPOINTS.qemuFirewallRuleCreate>,
    options?: CallOptions,
  ): Promise<void> {
    return this.call(ENDPOINTS.qemuFirewallRuleCreate, p, options).then(
      () => undefined,
    );
  }
  deleteVmFirewallRule(
    p: EndpointInput<typeof ENDPOINTS.qemuFirewallRuleDelete>,
    options?: CallOptions,
  ): Promise<void> {
    return this.call(ENDPOINTS.qemuFirewallRuleDelete, p, options).then(
      () => undefined,
    );
  }
  getVmFirewallOptions(
    p: EndpointInput<typeof ENDPOINTS.qemuFirewallOptions>,
    options?: CallOptions,
  ) {
    return this.call(ENDPOINTS.qemuFirewallOptions, p, options);
  }
  updateVmFirewallOptions(
    p: EndpointInput<typeof ENDPOINTS.qemuFirewallOptionsUpdate>,
    options?: CallOptions,
  ): Promise<void> {
    return this.call(ENDPOINTS.qemuFirewallOptionsUpdate, p, options).then(
      () => undefined,
    );
  }

  // -------------------------------------------------------------------------
  // tasks

  /** The last `lines` lines of a task log. */
  async getTaskLogTail(
    upid: string,
    lines = 20,
    options?: CallOptions,
  ): Promise<string[]> {
    const { node } = parseUpid(upid);
    const first = await this.getTaskLog(
      { node, upid, start: 0, limit: lines },
      options,
    );
    if (first.total <= lines) return first.lines.map(l => l.t);
    const tail = await this.getTaskLog(
      { node, upid, start: first.total - lines, limit: lines },
      options,
    );
    return tail.lines.map(l => l.t);
  }

  /**
   * Polls a task on the node encoded in its UPID until it stops.
   * `OK` and `WARNINGS: n` are success; any other exit status is a failure
   * that is thrown as a `ProxmoxApiError` (kind `task`) carrying the exit
   * status and the log tail (unless `throwOnFailure: false`).
   */
  async waitForTask(
    upid: string,
    options: WaitForTaskOptions = {},
  ): Promise<TaskResult> {
    const parsed = parseUpid(upid);
    const timeoutMs = options.timeoutMs ?? this.#config.timeouts.taskMs;
    const maxInterval = options.maxPollIntervalMs ?? 5_000;
    const notFoundGraceMs = options.notFoundGraceMs ?? 15_000;
    const logLines = options.logLines ?? 20;
    let interval = Math.min(options.pollIntervalMs ?? 500, maxInterval);
    const started = Date.now();
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal
      ? AbortSignal.any([options.signal, deadline])
      : deadline;
    const fakeReq = buildRequest(ENDPOINTS.taskStatus, {
      node: parsed.node,
      upid,
    });

    const timeoutError = async () => {
      let logTail: string[] | undefined;
      try {
        logTail = await this.getTaskLogTail(upid, logLines, {
          signal: options.signal,
          retry: false,
        });
      } catch {
        logTail = undefined;
      }
      return this.newError(fakeReq, {
        kind: 'timeout',
        pveMessage: `task did not finish within ${timeoutMs} ms`,
        upid,
        logTail,
        transient: true,
        maybeApplied: true,
      });
    };

    for (;;) {
      let status;
      try {
        status = await this.getTaskStatus(
          { node: parsed.node, upid },
          { signal },
        );
      } catch (e) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (deadline.aborted) throw await timeoutError();
        const noSuchTask =
          e instanceof ProxmoxApiError &&
          e.status === 400 &&
          /no such task/i.test(e.allText());
        // Polling is itself a retry loop: ride out transient failures
        // (retries of this idempotent GET exhausted) until the deadline.
        const transient = e instanceof ProxmoxApiError && e.retryable;
        if (
          !transient &&
          (!noSuchTask || Date.now() - started > notFoundGraceMs)
        ) {
          throw e;
        }
        status = undefined;
      }
      if (status && status.status !== 'running') {
        const exitstatus = status.exitstatus ?? 'unknown';
        const accepted = options.acceptExitStatus?.(exitstatus) ?? false;
        const ok = isTaskExitOk(exitstatus) || accepted;
        // The task has finished: failing to read its log must not turn a
        // successful task into an error (or hide the exit status of a failed one).
        let logTail: string[] = [];
        try {
          logTail = await this.getTaskLogTail(upid, logLines, {
            signal: options.signal,
          });
        } catch (e) {
          if (options.signal?.aborted) throw options.signal.reason;
          if (!(e instanceof ProxmoxApiError)) throw e;
          this.#logger.warn(
            `Proxmox ${this.cluster.name}: could not read the log of task ${upid} (${e.pveMessage})`,
          );
        }
        const result: TaskResult = {
          upid,
          node: parsed.node,
          type: parsed.type,
          id: parsed.id,
          exitstatus,
          ok,
          warnings: taskWarningCount(exitstatus),
          logTail,
        };
        if (!ok && options.throwOnFailure !== false) {
          throw this.taskError(result);
        }
        return result;
      }
      const jittered = interval * (0.9 + 0.2 * this.#random());
      try {
        await sleep(jittered, signal);
      } catch (e) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (deadline.aborted) throw await timeoutError();
        throw e;
      }
      interval = Math.min(maxInterval, interval * 1.5);
    }
  }

  /** Builds the error thrown for a failed task. */
  taskError(result: TaskResult): ProxmoxApiError {
    const req = buildRequest(ENDPOINTS.taskStatus, {
      node: result.node,
      upid: result.upid,
    });
    // A task that failed on a lock timeout cleaned up and can be re-dispatched.
    const lock =
      /can't lock file .* got timeout|got lock request timeout/i.test(
        result.exitstatus,
      );
    return this.newError(req, {
      kind: 'task',
      pveMessage: result.exitstatus,
      exitstatus: result.exitstatus,
      upid: result.upid,
      logTail: result.logTail,
      transient: lock,
      maybeApplied: false,
    });
  }

  /**
   * Waits until the VM config has no `lock` (e.g. `clone`, `snapshot`).
   * Resolves with the final status.
   */
  async waitForVmUnlock(
    p: { node: string; vmid: number },
    options: WaitOptions = {},
  ) {
    const guest = { node: p.node, vmid: p.vmid };
    return this.pollUntil(
      () => this.getVmStatus(guest, { signal: options.signal }),
      s => !s.lock,
      `VM ${p.vmid} is still locked`,
      buildRequest(ENDPOINTS.qemuStatus, guest),
      options,
    );
  }

  /**
   * Polls the guest agent until the VM reports a usable IP address
   * (not loopback / link-local). Tolerates "guest agent is not running" and
   * agent timeouts while the guest boots.
   */
  async waitForGuestIp(
    p: { node: string; vmid: number; family?: 'ipv4' | 'ipv6' | 'any' },
    options: WaitOptions = {},
  ): Promise<{
    address: string;
    addresses: GuestAddress[];
    interfaces: PveGuestInterface[];
  }> {
    const family = p.family ?? 'ipv4';
    let lastInterfaces: PveGuestInterface[] = [];
    const result = await this.pollUntil(
      async () => {
        try {
          lastInterfaces = await this.getGuestNetworkInterfaces(
            { node: p.node, vmid: p.vmid },
            { signal: options.signal, retry: { maxAttempts: 1 } },
          );
          return usableAddresses(lastInterfaces, family);
        } catch (e) {
          if (
            e instanceof ProxmoxApiError &&
            (e.transient ||
              /guest agent is not running|agent.*not (running|available|ready)|got timeout/i.test(
                e.allText(),
              ))
          ) {
            return [];
          }
          throw e;
        }
      },
      addrs => addrs.length > 0,
      `VM ${p.vmid} reported no IP address`,
      buildRequest(ENDPOINTS.qemuAgentNetwork, { node: p.node, vmid: p.vmid }),
      { pollIntervalMs: 2_000, timeoutMs: 5 * 60_000, ...options },
    );
    return {
      address: result[0].address,
      addresses: result,
      interfaces: lastInterfaces,
    };
  }

  private async pollUntil<T>(
    fn: () => Promise<T>,
    done: (value: T) => boolean,
    what: string,
    req: PreparedRequest,
    options: WaitOptions,
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? 5 * 60_000;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal
      ? AbortSignal.any([options.signal, deadline])
      : deadline;
    let interval = options.pollIntervalMs ?? 500;
    for (;;) {
      options.signal?.throwIfAborted();
      let value: T | undefined;
      try {
        value = await fn();
      } catch (e) {
        if (options.signal?.aborted) throw options.signal.reason;
        // transient failures (retries exhausted) do not end the wait
        if (!(e instanceof ProxmoxApiError && e.retryable)) throw e;
        value = undefined;
      }
      if (value !== undefined && done(value)) return value;
      try {
        await sleep(interval * (0.9 + 0.2 * this.#random()), signal);
      } catch (e) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (deadline.aborted) {
          throw this.newError(req, {
            kind: 'timeout',
            pveMessage: `${what} after ${timeoutMs} ms`,
            transient: true,
            maybeApplied: false,
          });
        }
        throw e;
      }
      interval = Math.min(interval * 1.5, 5_000);
    }
  }

  // -------------------------------------------------------------------------
  // VMID allocation and cloning

  /**
   * Allocates a VMID that is free in Proxmox and not claimed by another
   * caller in this process: takes a candidate from `GET /cluster/nextid`
   * (or `start`), claims it in-process, probes it with
   * `GET /cluster/nextid?vmid=N` (400 "already exists" → next candidate),
   * then asks the optional `reserve` callback. The claim lasts until
   * {@link ProxmoxClient.releaseVmid} or `claimTtlMs`.
   *
   * Proxmox itself cannot reserve ids, so a create/clone may still lose a
   * race against another system; {@link ProxmoxClient.cloneWithFreshVmid}
   * handles that.
   */
  async allocateVmid(options: AllocateVmidOptions = {}): Promise<number> {
    const maxCandidates = options.maxCandidates ?? 200;
    const ttl = options.claimTtlMs ?? 15 * 60_000;
    const callOpts = { signal: options.signal };
    let candidate = options.start ?? (await this.getNextVmid({}, callOpts));
    for (let tries = 0; tries < maxCandidates; tries++, candidate++) {
      options.signal?.throwIfAborted();
      if (candidate > 999_999_999) break;
      if (!this.#claims.tryClaim(candidate, ttl)) continue;
      let free: boolean;
      try {
        await this.getNextVmid({ vmid: candidate }, callOpts);
        free = true;
      } catch (e) {
        if (
          e instanceof ProxmoxApiError &&
          e.status === 400 &&
          e.isAlreadyExists
        ) {
          free = false;
        } else {
          this.#claims.release(candidate);
          throw e;
        }
      }
      if (free && options.reserve) {
        try {
          free = await options.reserve(candidate);
        } catch (e) {
          this.#claims.release(candidate);
          throw e;
        }
      }
      if (free) return candidate;
      this.#claims.release(candidate);
    }
    throw this.newError(buildRequest(ENDPOINTS.nextId, {}), {
      kind: 'http',
      pveMessage: `no free VMID found after ${maxCandidates} candidates`,
      transient: false,
      maybeApplied: false,
    });
  }

  /** Releases an in-process VMID claim. */
  releaseVmid(vmid: number): void {
    this.#claims.release(vmid);
  }

  /**
   * Clones a VM/template to a freshly allocated VMID, surviving races:
   *
   * - the id is allocated with {@link ProxmoxClient.allocateVmid};
   * - "already exists" from the clone call (another system took the id) →
   *   next id;
   * - the clone POST is never blindly repeated: after an ambiguous failure
   *   (reset, timeout, 502…) the target id is inspected — if a VM appeared
   *   there, the client waits for its `clone` lock to clear and adopts it
   *   when its name matches; otherwise the clone is dispatched again;
   * - a clone task that fails on a storage/config lock timeout (Proxmox
   *   removed the partial clone) is dispatched again after a backoff;
   * - at most `maxConcurrentClonesPerSource` clones of one source run at once.
   */
  async cloneWithFreshVmid(
    options: CloneWithFreshVmidOptions,
  ): Promise<CloneResult> {
    const key = `${options.node}/${options.vmid}`;
    return this.#cloneLimiter.run(
      key,
      () => this.cloneLoop(options),
      options.signal,
    );
  }

  private async cloneLoop(
    options: CloneWithFreshVmidOptions,
  ): Promise<CloneResult> {
    const maxAttempts = options.maxAttempts ?? 6;
    const signal = options.signal;
    const targetNode = options.target ?? options.node;
    let start = options.start;
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const newid = await this.allocateVmid({
        start,
        reserve: options.reserve,
        signal,
      });
      try {
        const outcome = await this.cloneOnce(options, newid, targetNode);
        if (outcome.kind === 'done') return outcome.result;
        lastError = outcome.error;
        if (outcome.kind === 'taken') {
          start = newid + 1;
          continue;
        }
        // transient task failure: back off, then try again with a new id
        this.#logger.warn(
          `Proxmox ${this.cluster.name}: clone of ${
            options.vmid
          } to ${newid} failed transiently (${
            outcome.error instanceof Error
              ? outcome.error.message
              : String(outcome.error)
          }); dispatching again`,
        );
        start = newid + 1;
        await sleep(
          computeBackoffDelay(attempt, this.#retry, this.#random),
          signal,
        );
      } finally {
        this.#claims.release(newid);
      }
    }
    throw lastError;
  }

  private async cloneOnce(
    options: CloneWithFreshVmidOptions,
    newid: number,
    targetNode: string,
  ): Promise<
    | { kind: 'done'; result: CloneResult }
    | { kind: 'taken' | 'retry'; error: unknown }
  > {
    const signal = options.signal;
    let upid: string;
    try {
      upid = await this.cloneVm(
        {
          node: options.node,
          vmid: options.vmid,
          newid,
          name: options.name,
          description: options.description,
          pool: options.pool,
          snapname: options.snapname,
          storage: options.storage,
          format: options.format,
          full: options.full,
          target: options.target,
          bwlimit: options.bwlimit,
        },
        { signal },
      );
    } catch (e) {
      if (!(e instanceof ProxmoxApiError)) throw e;
      if (!e.maybeApplied && e.isAlreadyExists)
        return { kind: 'taken', error: e };
      if (!(e.transient && e.maybeApplied)) throw e;
      // Ambiguous: the clone may or may not have started.
      this.#logger.warn(
        `Proxmox ${this.cluster.name}: clone of ${options.vmid} to ${newid} ended ambiguously (${e.pveMessage}); checking the target`,
      );
      return this.reconcileClone(options, newid, targetNode, e);
    }
    await options.onDispatched?.({ vmid: newid, upid });
    if (options.wait === false) {
      return { kind: 'done', result: { vmid: newid, node: targetNode, upid } };
    }
    const task = await this.waitForTask(upid, {
      ...options.task,
      signal,
      throwOnFailure: false,
    });
    if (!task.ok) {
      const error = this.taskError(task);
      // The id was taken on another node meanwhile: the worker cannot write
      // the new config ("close (rename) atomic file '…/<newid>.conf' failed:
      // File exists") and removed what it had created.
      if (
        error.isAlreadyExists ||
        /\.conf' failed: File exists/.test(task.exitstatus)
      )
        return { kind: 'taken', error };
      if (error.isLockTimeout) return { kind: 'retry', error };
      throw error;
    }
    await this.waitForVmUnlock(
      { node: targetNode, vmid: newid },
      {
        signal,
        timeoutMs: options.task?.timeoutMs,
        pollIntervalMs: options.task?.pollIntervalMs,
      },
    );
    return {
      kind: 'done',
      result: { vmid: newid, node: targetNode, upid, task },
    };
  }

  private async reconcileClone(
    options: CloneWithFreshVmidOptions,
    newid: number,
    targetNode: string,
    error: ProxmoxApiError,
  ): Promise<
    | { kind: 'done'; result: CloneResult }
    | { kind: 'taken' | 'retry'; error: unknown }
  > {
    const signal = options.signal;
    await sleep(computeBackoffDelay(1, this.#retry, this.#random), signal);
    // While copying, the new config lives on the source node; Proxmox moves
    // it to the target node when the clone finishes. Look on both (source
    // first, so a move between the two lookups cannot hide it).
    const nodes = [options.node, targetNode];
    const found = await this.locateGuest(newid, nodes, signal);
    if (!found) {
      // Nothing was created: safe to dispatch again.
      return { kind: 'retry', error };
    }
    if (options.name === undefined) {
      // Without a name we cannot tell our clone from someone else's VM.
      throw error;
    }
    const final = found.status.lock
      ? await this.pollUntil(
          () => this.locateGuest(newid, nodes, signal),
          g => g === null || !g.status.lock,
          `VM ${newid} is still locked`,
          buildRequest(ENDPOINTS.qemuStatus, { node: targetNode, vmid: newid }),
          {
            signal,
            timeoutMs: options.task?.timeoutMs,
            pollIntervalMs: options.task?.pollIntervalMs,
          },
        )
      : found;
    if (!final) return { kind: 'retry', error }; // the clone failed and was cleaned up
    if (final.status.name === options.name) {
      this.#logger.info(
        `Proxmox ${this.cluster.name}: adopted VM ${newid} created by an ambiguous clone request`,
      );
      return { kind: 'done', result: { vmid: newid, node: final.node } };
    }
    return { kind: 'taken', error };
  }

  /** The first of `nodes` that has the VM's config, with its status; null if none. */
  private async locateGuest(
    vmid: number,
    nodes: string[],
    signal?: AbortSignal,
  ) {
    for (const node of new Set(nodes)) {
      try {
        const status = await this.getVmStatus({ node, vmid }, { signal });
        return { node, status };
      } catch (e) {
        if (!(e instanceof ProxmoxApiError && e.isNotFound)) throw e;
      }
    }
    return null;
  }

  // -------------------------------------------------------------------------
  // lifecycle helpers that reconcile ambiguous failures of non-idempotent calls

  /**
   * Dispatches a task-returning request and waits for it. After an ambiguous
   * failure (`transient && maybeApplied`) of a non-idempotent request,
   * `reconcile` decides whether the desired state was reached (`done`) or
   * the request may be sent again (`retry`).
   */
  private async runTask<E extends AnyEndpoint>(
    def: E,
    input: EndpointInput<E>,
    opts: {
      call?: CallOptions;
      wait?: WaitForTaskOptions;
      reconcile?: () => Promise<'done' | 'retry'>;
      acceptExitStatus?: RegExp;
      acceptErrorAfterRetry?: (e: ProxmoxApiError) => boolean;
    },
  ): Promise<TaskResult | null> {
    const maxAttempts = this.#retry.maxAttempts;
    let ambiguous = false;
    for (let attempt = 1; ; attempt++) {
      let upid: unknown;
      try {
        upid = await this.call(def, input, opts.call);
      } catch (e) {
        if (!(e instanceof ProxmoxApiError)) throw e;
        if (ambiguous && opts.acceptErrorAfterRetry?.(e)) return null;
        if (
          !(e.transient && e.maybeApplied && opts.reconcile) ||
          attempt >= maxAttempts
        ) {
          throw e;
        }
        ambiguous = true;
        this.#logger.warn(
          `Proxmox ${this.cluster.name}: ${e.method} ${e.path} ended ambiguously (${e.pveMessage}); checking the VM state`,
        );
        await sleep(
          computeBackoffDelay(attempt, this.#retry, this.#random),
          opts.call?.signal,
        );
        if ((await opts.reconcile()) === 'done') return null;
        continue;
      }
      if (typeof upid !== 'string') return null;
      const accept = opts.acceptExitStatus;
      const result = await this.waitForTask(upid, {
        signal: opts.call?.signal,
        ...opts.wait,
        acceptExitStatus: accept
          ? s => accept.test(s)
          : opts.wait?.acceptExitStatus,
        throwOnFailure: false,
      });
      if (result.ok) return result;
      const error = this.taskError(result);
      // A worker that could not get its lock changed nothing: dispatch again.
      if (
        (error.isLockTimeout ||
          /\b(VM|CT) is locked\b/.test(result.exitstatus)) &&
        attempt < maxAttempts
      ) {
        this.#logger.warn(
          `Proxmox ${this.cluster.name}: task ${result.type} ${result.id} failed on a lock (${result.exitstatus}); dispatching again`,
        );
        await sleep(
          computeBackoffDelay(attempt, this.#retry, this.#random),
          opts.call?.signal,
        );
        continue;
      }
      if (opts.wait?.throwOnFailure === false) return result;
      throw error;
    }
  }

  /** Starts a VM and waits; "already running" counts as success. */
  startVmAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuStart>,
    options: { call?: CallOptions; wait?: WaitForTaskOptions } = {},
  ) {
    return this.runTask(ENDPOINTS.qemuStart, p, {
      ...options,
      acceptExitStatus: /already running/i,
      reconcile: async () => {
        const s = await this.getVmStatus(
          { node: p.node, vmid: p.vmid },
          options.call,
        );
        if (s.status === 'running') return 'done';
        if (s.lock)
          await this.waitForVmUnlock(p, { signal: options.call?.signal });
        return 'retry';
      },
    });
  }

  /** Hard-stops a VM and waits (stopping a stopped VM is a no-op). */
  stopVmAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuStop>,
    options: { call?: CallOptions; wait?: WaitForTaskOptions } = {},
  ) {
    return this.runTask(ENDPOINTS.qemuStop, p, options);
  }

  /** ACPI/agent shutdown and wait. */
  shutdownVmAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuShutdown>,
    options: { call?: CallOptions; wait?: WaitForTaskOptions } = {},
  ) {
    return this.runTask(ENDPOINTS.qemuShutdown, p, options);
  }

  /** Resizes a disk and waits for the `resize` task. */
  resizeDiskAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuResize>,
    options: { call?: CallOptions; wait?: WaitForTaskOptions } = {},
  ) {
    return this.runTask(ENDPOINTS.qemuResize, p, options);
  }

  /** Creates a snapshot and waits; an ambiguous failure is resolved by listing snapshots. */
  createSnapshotAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuSnapshotCreate>,
    options: { call?: CallOptions; wait?: WaitForTaskOptions } = {},
  ) {
    const exists = async () =>
      (
        await this.listSnapshots({ node: p.node, vmid: p.vmid }, options.call)
      ).some(s => s.name === p.snapname);
    return this.runTask(ENDPOINTS.qemuSnapshotCreate, p, {
      ...options,
      reconcile: async () => {
        await this.waitForVmUnlock(p, { signal: options.call?.signal });
        return (await exists()) ? 'done' : 'retry';
      },
      acceptErrorAfterRetry: e => /already (used|exists)/i.test(e.allText()),
    });
  }

  /** Rolls back to a snapshot and waits. */
  rollbackSnapshotAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuSnapshotRollback>,
    options: { call?: CallOptions; wait?: WaitForTaskOptions } = {},
  ) {
    return this.runTask(ENDPOINTS.qemuSnapshotRollback, p, options);
  }

  /** Deletes a snapshot and waits; an ambiguous failure is resolved by listing snapshots. */
  deleteSnapshotAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuSnapshotDelete>,
    options: { call?: CallOptions; wait?: WaitForTaskOptions } = {},
  ) {
    return this.runTask(ENDPOINTS.qemuSnapshotDelete, p, {
      ...options,
      reconcile: async () => {
        await this.waitForVmUnlock(p, { signal: options.call?.signal });
        const list = await this.listSnapshots(
          { node: p.node, vmid: p.vmid },
          options.call,
        );
        return list.some(s => s.name === p.snapname) ? 'retry' : 'done';
      },
      acceptErrorAfterRetry: e => e.isNotFound,
    });
  }

  /**
   * Destroys a VM and waits. The VM must be stopped. After an ambiguous
   * failure the VM's existence decides; "does not exist" on a repeated
   * request counts as success.
   */
  deleteVmAndWait(
    p: EndpointInput<typeof ENDPOINTS.qemuDelete>,
    options: { call?: CallOptions; wait?: WaitForTaskOptions } = {},
  ) {
    return this.runTask(ENDPOINTS.qemuDelete, p, {
      ...options,
      reconcile: async () => {
        try {
          const s = await this.getVmStatus(
            { node: p.node, vmid: p.vmid },
            options.call,
          );
          if (s.lock)
            await this.waitForVmUnlock(p, { signal: options.call?.signal });
          return 'retry';
        } catch (e) {
          if (e instanceof ProxmoxApiError && e.isNotFound) return 'done';
          throw e;
        }
      },
      acceptErrorAfterRetry: e => e.isNotFound,
    });
  }
}

const IPV4_UNUSABLE = /^(127\.|169\.254\.|0\.)/;
const IPV6_UNUSABLE = /^(::1$|fe[89ab][0-9a-f]:)/i;

/** Routable guest addresses reported by the agent (loopback/link-local removed). */
export function usableAddresses(
  interfaces: PveGuestInterface[],
  family: 'ipv4' | 'ipv6' | 'any' = 'ipv4',
): GuestAddress[] {
  const out: GuestAddress[] = [];
  for (const i of interfaces) {
    if (i.name === 'lo') continue;
    for (const a of i.addresses) {
      if (family !== 'any' && a.family !== family) continue;
      if (a.family === 'ipv4' && IPV4_UNUSABLE.test(a.address)) continue;
      if (a.family === 'ipv6' && IPV6_UNUSABLE.test(a.address)) continue;
      out.push({
        interface: i.name,
        address: a.address,
        family: a.family,
        prefix: a.prefix,
      });
    }
  }
  return out;
}
