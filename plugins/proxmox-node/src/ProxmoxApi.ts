import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Dispatcher } from 'undici';
import { DEFAULT_RETRY_POLICY, RetryPolicy } from './backoff';
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
  buildRequest,
} from './endpoints';
import { CallOptions, ProxmoxCallObserver, PveHttp } from './http';
import { setInternals, internals } from './internals';
import { createProxmoxPool } from './transport';
import { KeyedSemaphore, VmidClaims } from './vmidClaims';

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

const NOOP_LOGGER: LoggerService = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return NOOP_LOGGER;
  },
};

/**
 * The endpoint layer of {@link ProxmoxClient}: construction, the generic
 * `call`, and one thin typed wrapper per endpoint of `ENDPOINTS`.
 *
 * @public
 */
export class ProxmoxApi {
  /** Non-secret description of the cluster. */
  readonly cluster: ProxmoxClusterInfo;

  constructor(options: ProxmoxClientOptions) {
    const config = parseProxmoxClusterConfig(options.cluster);
    this.cluster = describeCluster(config);
    const logger = options.logger ?? NOOP_LOGGER;
    const ownsDispatcher = !options.dispatcher;
    const dispatcher = options.dispatcher ?? createProxmoxPool(config, logger);
    const http = new PveHttp({
      config,
      dispatcher,
      logger,
      retry: { ...DEFAULT_RETRY_POLICY, ...config.retry, ...options.retry },
      random: options.random ?? Math.random,
    });
    setInternals(this, {
      http,
      config,
      claims: options.vmidClaims ?? new VmidClaims(),
      cloneLimiter:
        options.cloneLimiter ??
        new KeyedSemaphore(options.maxConcurrentClonesPerSource ?? 4),
      dispatcher,
      ownsDispatcher,
      taskWatches: new Map(),
    });
  }

  /** Closes the connection pool if this client created it. */
  async close(): Promise<void> {
    const i = internals(this);
    if (i.ownsDispatcher) await i.dispatcher.close();
  }

  /**
   * Tells `observer` about every HTTP exchange of this client (route
   * template, status, duration; never parameters or credentials), e.g. for
   * metrics. Returns the function that stops it.
   */
  observe(observer: ProxmoxCallObserver): () => void {
    const { observers } = internals(this).http;
    observers.add(observer);
    return () => {
      observers.delete(observer);
    };
  }

  /**
   * The guest's console in the Proxmox web UI (noVNC), on the cluster's UI
   * base URL (`uiUrl`, else the API origin). The browser signs in to
   * Proxmox itself: the link carries no credentials.
   */
  consoleUrl(guest: {
    node: string;
    vmid: number;
    type: 'qemu' | 'lxc';
    name?: string;
  }): string {
    const params = new URLSearchParams({
      console: guest.type === 'lxc' ? 'lxc' : 'kvm',
      novnc: '1',
      vmid: String(guest.vmid),
      vmname: guest.name ?? '',
      node: guest.node,
      resize: 'off',
      cmd: '',
    });
    return `${this.cluster.uiUrl}/?${params.toString()}`;
  }

  /** Never serialise credentials. */
  toJSON(): unknown {
    return { cluster: this.cluster };
  }

  /**
   * Builds and executes any request of {@link ENDPOINTS}, with retries under
   * the rule `transient && (idempotent || !maybeApplied)`.
   */
  async call<E extends EndpointDef>(
    def: E,
    input: EndpointInput<E>,
    options: CallOptions = {},
  ): Promise<EndpointResult<E>> {
    const req = buildRequest(def, input);
    return internals(this).http.execute(def, req, options) as Promise<
      EndpointResult<E>
    >;
  }

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
  /** Returns a UPID (`qmclone`, id = source vmid). Prefer `cloneTo` / `cloneWithFreshVmid`. */
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
}
