/*
 * Every request the client can send, described declaratively: method, path
 * template, a zod schema for the parameters (TypeScript input → PVE wire
 * values), a zod schema for the response, and whether repeating the request
 * is safe. `buildRequest()` turns a definition plus input into the exact
 * query string / form body that goes on the wire, without any I/O, so tests
 * can enumerate and validate every request against the official schema.
 */
import { z } from 'zod';
import * as s from './schemas';
import {
  WireParams,
  encodeForm,
  encodeSshKeys,
  fillPathTemplate,
  pathParamNames,
} from './wire';

/** @public */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * A request definition.
 *
 * @public
 */
export interface EndpointDef<
  P extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  /** Stable identifier, e.g. `qemu.clone`. */
  id: string;
  method: HttpMethod;
  /** Path template relative to `/api2/json`, as in the PVE schema. */
  path: string;
  /** Parameters including path parameters; output = wire values. */
  params: P;
  /** Validates and normalises `data` (or the whole envelope, see `envelope`). */
  response: R;
  /** When true, `response` receives `{data, total, …}` instead of `data`. */
  envelope?: boolean;
  /**
   * Whether the request can be repeated without changing the outcome, so the
   * client may retry it after an ambiguous failure (reset, timeout, 502…).
   * Non-idempotent requests are only retried when the failure proves that
   * Proxmox did not apply them (see README "Retries and idempotency").
   */
  idempotent: boolean | ((wire: WireParams) => boolean);
  /** Returns a task id (UPID) to wait for. */
  returnsTask?: boolean;
}

/** Input type of an endpoint's parameters. @public */
export type EndpointInput<E extends EndpointDef> = z.input<E['params']>;
/** Normalised result type of an endpoint. @public */
export type EndpointResult<E extends EndpointDef> = z.output<E['response']>;

/**
 * A request ready for the transport.
 *
 * @public
 */
export interface PreparedRequest {
  endpoint: string;
  method: HttpMethod;
  pathTemplate: string;
  /** Concrete path relative to `/api2/json`, without query string. */
  path: string;
  /** Encoded query string (without `?`), GET/DELETE only. */
  query: string;
  /** Form body, POST/PUT only (may be empty). */
  body?: string;
  /** Encoded non-path parameters (what PVE sees after decoding). */
  params: WireParams;
  /** Path parameters as encoded values. */
  pathParams: WireParams;
  idempotent: boolean;
}

function endpoint<P extends z.ZodType, R extends z.ZodType>(
  def: EndpointDef<P, R>,
): EndpointDef<P, R> {
  return def;
}

/**
 * Builds the wire form of a request. Throws a `TypeError` (listing the
 * offending parameter names, never values) when the input does not match the
 * endpoint's parameter schema.
 *
 * @public
 */
export function buildRequest<E extends EndpointDef>(
  def: E,
  input: EndpointInput<E>,
): PreparedRequest {
  const parsed = def.params.safeParse(input ?? {});
  if (!parsed.success) {
    const names = parsed.error.issues
      .map(i => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new TypeError(`Invalid parameters for ${def.id}: ${names}`);
  }
  const all = parsed.data as WireParams;
  const pathNames = new Set(pathParamNames(def.path));
  const pathParams: WireParams = {};
  const params: WireParams = {};
  for (const [k, v] of Object.entries(all)) {
    if (v === undefined) continue;
    if (pathNames.has(k)) pathParams[k] = v;
    else params[k] = v;
  }
  const path = fillPathTemplate(def.path, pathParams);
  const encoded = encodeForm(params);
  const bodyMethod = def.method === 'POST' || def.method === 'PUT';
  return {
    endpoint: def.id,
    method: def.method,
    pathTemplate: def.path,
    path,
    query: bodyMethod ? '' : encoded,
    body: bodyMethod ? encoded : undefined,
    params,
    pathParams,
    idempotent:
      typeof def.idempotent === 'function'
        ? def.idempotent(params)
        : def.idempotent,
  };
}

// ---------------------------------------------------------------------------
// parameter building blocks (input → wire)

const NODE_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const node = z.string().regex(NODE_RE, 'not a valid PVE node name');
const vmid = z.number().int().min(100).max(999_999_999);
const int = z.number().int();
const num = z.number();
const str = z.string();
const bool = z.boolean();
/** Tags: string[] is trimmed, de-duplicated and joined with `;`. */
const tags = z
  .union([z.array(z.string()), z.string()])
  .transform(v =>
    Array.isArray(v)
      ? Array.from(new Set(v.map(t => t.trim()).filter(Boolean))).join(';')
      : v,
  );
/** A `-list` format: string[] joined with `,`. */
const list = z
  .union([z.array(z.string()), z.string()])
  .transform(v => (Array.isArray(v) ? v.join(',') : v));
/** `sshkeys`: plain OpenSSH public keys (one per line or as an array). */
const sshkeys = z
  .union([z.string(), z.array(z.string())])
  .transform(encodeSshKeys);
/** A boolean sent for an `integer` 0/1 PVE parameter (firewall `enable`). */
const intBool = z.union([z.boolean(), z.number().int()]).transform(v => {
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
});
/** `agent`: boolean or a full property string (`enabled=1,fstrim_cloned_disks=1`). */
const agent = z.union([z.boolean(), z.string()]).transform(v => {
  if (typeof v === 'boolean') return v ? '1' : '0';
  return v;
});
const upid = z.string().startsWith('UPID:');
const logLevel = z.enum([
  'emerg',
  'alert',
  'crit',
  'err',
  'warning',
  'notice',
  'info',
  'debug',
  'nolog',
]);

/** `0 | 1 | … | N-1` */
type Range<N extends number, A extends number[] = []> = A['length'] extends N
  ? A[number]
  : Range<N, [...A, A['length']]>;
type IndexedShape<P extends string, N extends number> = {
  [K in `${P}${Range<N>}`]: z.ZodOptional<z.ZodString>;
};
/** `net0`…`net31` style parameters (PVE schema `net[n]`), as literal keys. */
function indexed<P extends string, N extends number>(
  prefix: P,
  count: N,
): IndexedShape<P, N> {
  const shape: Record<string, z.ZodOptional<z.ZodString>> = {};
  for (let i = 0; i < count; i++)
    shape[`${prefix}${i}`] = z.string().optional();
  return shape as IndexedShape<P, N>;
}

const guest = { node, vmid };

/** VM configuration keys the client supports for create and update. */
const vmConfigShape = {
  name: str.optional(),
  description: str.optional(),
  tags: tags.optional(),
  /** MiB. */
  memory: int.min(16).optional(),
  /** MiB; 0 disables ballooning. */
  balloon: int.min(0).optional(),
  cores: int.min(1).optional(),
  sockets: int.min(1).optional(),
  vcpus: int.min(1).optional(),
  cpu: str.optional(),
  cpulimit: num.min(0).max(128).optional(),
  cpuunits: int.min(1).max(262144).optional(),
  numa: bool.optional(),
  onboot: bool.optional(),
  protection: bool.optional(),
  agent: agent.optional(),
  ostype: str.optional(),
  boot: str.optional(),
  scsihw: str.optional(),
  bios: z.enum(['seabios', 'ovmf']).optional(),
  machine: str.optional(),
  vga: str.optional(),
  startup: str.optional(),
  // cloud-init
  ciuser: str.optional(),
  cipassword: str.optional(),
  citype: z.enum(['configdrive2', 'nocloud', 'opennebula']).optional(),
  ciupgrade: bool.optional(),
  cicustom: str.optional(),
  sshkeys: sshkeys.optional(),
  nameserver: str.optional(),
  searchdomain: str.optional(),
  ...indexed('ipconfig', 32),
  // devices (property strings)
  ...indexed('net', 32),
  ...indexed('scsi', 31),
  ...indexed('virtio', 16),
  ...indexed('sata', 6),
  ...indexed('ide', 4),
  ...indexed('serial', 4),
  efidisk0: str.optional(),
};

const vmConfigUpdateShape = {
  ...guest,
  ...vmConfigShape,
  /** Keys to remove (`pve-configid-list`). */
  delete: list.optional(),
  /** Pending changes to revert. */
  revert: list.optional(),
  /** Fail unless the config still has this digest (optimistic concurrency). */
  digest: str.max(64).optional(),
  skiplock: bool.optional(),
};

// A config update repeated with the same values has the same outcome,
// unless it is guarded by a digest (the repeat would fail the checksum).
const idempotentWithoutDigest = (w: WireParams) => w.digest === undefined;

const DRIVE_KEY = /^((scsi|virtio|sata|ide)\d+|efidisk0|tpmstate0)$/;
// `STORAGE:SIZE`, `STORAGE:0,import-from=…` and `STORAGE:cloudinit` allocate
// a new volume on every request (a repeat allocates another one and moves the
// first to `unusedN`), so such an update is not idempotent.
const ALLOCATES_VOLUME = /^[^:,=\s]+:(\d+(\.\d+)?|cloudinit)(,|$)|import-from=/;
const idempotentConfigUpdate = (w: WireParams) =>
  idempotentWithoutDigest(w) &&
  !Object.entries(w).some(
    ([k, v]) => DRIVE_KEY.test(k) && ALLOCATES_VOLUME.test(String(v)),
  );

// ---------------------------------------------------------------------------
// the catalogue

/**
 * Every request the client can build.
 *
 * @public
 */
export const ENDPOINTS = {
  version: endpoint({
    id: 'version',
    method: 'GET',
    path: '/version',
    params: z.strictObject({}),
    response: s.versionSchema,
    idempotent: true,
  }),
  nodes: endpoint({
    id: 'nodes',
    method: 'GET',
    path: '/nodes',
    params: z.strictObject({}),
    response: z.array(s.nodeListItemSchema),
    idempotent: true,
  }),
  nodeStatus: endpoint({
    id: 'nodeStatus',
    method: 'GET',
    path: '/nodes/{node}/status',
    params: z.strictObject({ node }),
    response: s.nodeStatusSchema,
    idempotent: true,
  }),
  clusterResources: endpoint({
    id: 'clusterResources',
    method: 'GET',
    path: '/cluster/resources',
    params: z.strictObject({
      type: z.enum(['vm', 'storage', 'node', 'sdn']).optional(),
    }),
    response: z.array(s.clusterResourceSchema),
    idempotent: true,
  }),
  clusterStatus: endpoint({
    id: 'clusterStatus',
    method: 'GET',
    path: '/cluster/status',
    params: z.strictObject({}),
    response: z.array(s.clusterStatusItemSchema),
    idempotent: true,
  }),
  nextId: endpoint({
    id: 'nextId',
    method: 'GET',
    path: '/cluster/nextid',
    params: z.strictObject({ vmid: vmid.optional() }),
    response: s.nextIdSchema,
    idempotent: true,
  }),

  // --- qemu
  qemuList: endpoint({
    id: 'qemuList',
    method: 'GET',
    path: '/nodes/{node}/qemu',
    params: z.strictObject({ node, full: bool.optional() }),
    response: z.array(s.qemuListItemSchema),
    idempotent: true,
  }),
  qemuCreate: endpoint({
    id: 'qemuCreate',
    method: 'POST',
    path: '/nodes/{node}/qemu',
    params: z.strictObject({
      ...guest,
      ...vmConfigShape,
      pool: str.optional(),
      storage: str.optional(),
      start: bool.optional(),
    }),
    response: s.upidSchema,
    // A repeat fails with "already exists" or creates nothing new only if the
    // first attempt failed; the caller must reconcile (see createVm helpers).
    idempotent: false,
    returnsTask: true,
  }),
  qemuConfigGet: endpoint({
    id: 'qemuConfigGet',
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/config',
    params: z.strictObject({
      ...guest,
      current: bool.optional(),
      snapshot: str.optional(),
    }),
    response: s.qemuConfigSchema,
    idempotent: true,
  }),
  qemuConfigUpdate: endpoint({
    id: 'qemuConfigUpdate',
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/config',
    params: z.strictObject(vmConfigUpdateShape),
    response: s.nullSchema,
    idempotent: idempotentConfigUpdate,
  }),
  qemuConfigUpdateAsync: endpoint({
    id: 'qemuConfigUpdateAsync',
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/config',
    params: z.strictObject({
      ...vmConfigUpdateShape,
      background_delay: int.min(1).max(30).optional(),
    }),
    response: s.upidOrNullSchema,
    idempotent: idempotentConfigUpdate,
    returnsTask: true,
  }),
  qemuClone: endpoint({
    id: 'qemuClone',
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/clone',
    params: z.strictObject({
      ...guest,
      newid: vmid,
      name: str.optional(),
      description: str.optional(),
      pool: str.optional(),
      snapname: str.optional(),
      storage: str.optional(),
      format: z.enum(['raw', 'qcow2', 'vmdk']).optional(),
      full: bool.optional(),
      target: node.optional(),
      bwlimit: int.min(0).optional(),
    }),
    response: s.upidSchema,
    idempotent: false,
    returnsTask: true,
  }),
  qemuResize: endpoint({
    id: 'qemuResize',
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/resize',
    params: z.strictObject({
      ...guest,
      disk: str,
      /** Absolute (`32G`) or relative (`+10G`); no unit = bytes. */
      size: z
        .union([str.regex(/^\+?\d+(\.\d+)?[KMGT]?$/), int.min(0)])
        .transform(v => String(v)),
      digest: str.max(64).optional(),
      skiplock: bool.optional(),
    }),
    response: s.upidOrNullSchema,
    // Growing *to* a size is repeatable; growing *by* a size is not.
    idempotent: w => !String(w.size).startsWith('+') && w.digest === undefined,
    returnsTask: true,
  }),
  qemuStart: endpoint({
    id: 'qemuStart',
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/status/start',
    params: z.strictObject({ ...guest, timeout: int.min(0).optional() }),
    response: s.upidSchema,
    // A second start produces a task failing with "already running".
    idempotent: false,
    returnsTask: true,
  }),
  qemuStop: endpoint({
    id: 'qemuStop',
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/status/stop',
    params: z.strictObject({
      ...guest,
      timeout: int.min(0).optional(),
      'overrule-shutdown': bool.optional(),
      keepActive: bool.optional(),
    }),
    response: s.upidSchema,
    // Stopping a stopped VM is a successful no-op.
    idempotent: true,
    returnsTask: true,
  }),
  qemuShutdown: endpoint({
    id: 'qemuShutdown',
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/status/shutdown',
    params: z.strictObject({
      ...guest,
      timeout: int.min(0).optional(),
      forceStop: bool.optional(),
      keepActive: bool.optional(),
    }),
    response: s.upidSchema,
    // Shutting down a stopped VM is a successful no-op.
    idempotent: true,
    returnsTask: true,
  }),
  qemuReboot: endpoint({
    id: 'qemuReboot',
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/status/reboot',
    params: z.strictObject({ ...guest, timeout: int.min(0).optional() }),
    response: s.upidSchema,
    idempotent: false,
    returnsTask: true,
  }),
  qemuStatus: endpoint({
    id: 'qemuStatus',
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/status/current',
    params: z.strictObject(guest),
    response: s.qemuStatusSchema,
    idempotent: true,
  }),
  qemuDelete: endpoint({
    id: 'qemuDelete',
    method: 'DELETE',
    path: '/nodes/{node}/qemu/{vmid}',
    params: z.strictObject({
      ...guest,
      purge: bool.optional(),
      'destroy-unreferenced-disks': bool.optional(),
      skiplock: bool.optional(),
    }),
    response: s.upidSchema,
    // A repeat fails with "does not exist"; deleteVmAndWait reconciles.
    idempotent: false,
    returnsTask: true,
  }),
  qemuAgentNetwork: endpoint({
    id: 'qemuAgentNetwork',
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces',
    params: z.strictObject(guest),
    response: s.agentInterfacesSchema,
    idempotent: true,
  }),
  qemuSnapshotList: endpoint({
    id: 'qemuSnapshotList',
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/snapshot',
    params: z.strictObject(guest),
    response: s.snapshotListSchema,
    idempotent: true,
  }),
  qemuSnapshotCreate: endpoint({
    id: 'qemuSnapshotCreate',
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/snapshot',
    params: z.strictObject({
      ...guest,
      snapname: str,
      description: str.optional(),
      vmstate: bool.optional(),
    }),
    response: s.upidSchema,
    idempotent: false,
    returnsTask: true,
  }),
  qemuSnapshotRollback: endpoint({
    id: 'qemuSnapshotRollback',
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback',
    params: z.strictObject({ ...guest, snapname: str, start: bool.optional() }),
    response: s.upidSchema,
    // Rolling back twice to the same snapshot yields the same state.
    idempotent: true,
    returnsTask: true,
  }),
  qemuSnapshotDelete: endpoint({
    id: 'qemuSnapshotDelete',
    method: 'DELETE',
    path: '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}',
    params: z.strictObject({ ...guest, snapname: str, force: bool.optional() }),
    response: s.upidSchema,
    idempotent: false,
    returnsTask: true,
  }),
  qemuFirewallRules: endpoint({
    id: 'qemuFirewallRules',
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/firewall/rules',
    params: z.strictObject(guest),
    response: z.array(s.firewallRuleSchema),
    idempotent: true,
  }),
  qemuFirewallRuleCreate: endpoint({
    id: 'qemuFirewallRuleCreate',
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/firewall/rules',
    params: z.strictObject({
      ...guest,
      type: z.enum(['in', 'out', 'forward', 'group']),
      /** ACCEPT/DROP/REJECT, or the security group name when type is `group`. */
      action: str,
      enable: intBool.optional(),
      pos: int.min(0).optional(),
      macro: str.optional(),
      source: str.optional(),
      dest: str.optional(),
      proto: str.optional(),
      dport: str.optional(),
      sport: str.optional(),
      iface: str.optional(),
      log: logLevel.optional(),
      comment: str.optional(),
      'icmp-type': str.optional(),
      digest: str.max(64).optional(),
    }),
    response: s.nullSchema,
    // Repeating adds a duplicate rule.
    idempotent: false,
  }),
  qemuFirewallRuleDelete: endpoint({
    id: 'qemuFirewallRuleDelete',
    method: 'DELETE',
    path: '/nodes/{node}/qemu/{vmid}/firewall/rules/{pos}',
    params: z.strictObject({
      ...guest,
      pos: int.min(0),
      digest: str.max(64).optional(),
    }),
    response: s.nullSchema,
    // Without a digest a repeat would delete the rule that moved into `pos`.
    idempotent: w => w.digest !== undefined,
  }),
  qemuFirewallOptions: endpoint({
    id: 'qemuFirewallOptions',
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/firewall/options',
    params: z.strictObject(guest),
    response: s.firewallOptionsSchema,
    idempotent: true,
  }),
  qemuFirewallOptionsUpdate: endpoint({
    id: 'qemuFirewallOptionsUpdate',
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/firewall/options',
    params: z.strictObject({
      ...guest,
      enable: bool.optional(),
      dhcp: bool.optional(),
      ipfilter: bool.optional(),
      macfilter: bool.optional(),
      ndp: bool.optional(),
      radv: bool.optional(),
      policy_in: z.enum(['ACCEPT', 'REJECT', 'DROP']).optional(),
      policy_out: z.enum(['ACCEPT', 'REJECT', 'DROP']).optional(),
      log_level_in: logLevel.optional(),
      log_level_out: logLevel.optional(),
      delete: list.optional(),
      digest: str.max(64).optional(),
    }),
    response: s.nullSchema,
    idempotent: idempotentWithoutDigest,
  }),

  // --- lxc
  lxcList: endpoint({
    id: 'lxcList',
    method: 'GET',
    path: '/nodes/{node}/lxc',
    params: z.strictObject({ node }),
    response: z.array(s.lxcListItemSchema),
    idempotent: true,
  }),

  // --- console (VNC over WebSocket, see vncConsole.ts)
  /** Starts a VNC proxy task; its ticket admits one WebSocket within 10 s. */
  qemuVncProxy: endpoint({
    id: 'qemuVncProxy',
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/vncproxy',
    params: z.strictObject({ ...guest, websocket: bool.optional() }),
    response: s.vncProxySchema,
    // a repeat starts another proxy; the unused one times out after 10 s
    idempotent: false,
  }),
  lxcVncProxy: endpoint({
    id: 'lxcVncProxy',
    method: 'POST',
    path: '/nodes/{node}/lxc/{vmid}/vncproxy',
    params: z.strictObject({
      ...guest,
      websocket: bool.optional(),
      width: int.min(16).max(4096).optional(),
      height: int.min(16).max(2160).optional(),
    }),
    response: s.vncProxySchema,
    idempotent: false,
  }),
  /** Opened as a WebSocket upgrade (plain GET only checks the ticket). */
  qemuVncWebSocket: endpoint({
    id: 'qemuVncWebSocket',
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/vncwebsocket',
    params: z.strictObject({
      ...guest,
      port: int.min(5900).max(5999),
      vncticket: str.max(512),
    }),
    response: s.vncWebSocketSchema,
    idempotent: true,
  }),
  lxcVncWebSocket: endpoint({
    id: 'lxcVncWebSocket',
    method: 'GET',
    path: '/nodes/{node}/lxc/{vmid}/vncwebsocket',
    params: z.strictObject({
      ...guest,
      port: int.min(5900).max(5999),
      vncticket: str.max(512),
    }),
    response: s.vncWebSocketSchema,
    idempotent: true,
  }),

  // --- tasks
  taskStatus: endpoint({
    id: 'taskStatus',
    method: 'GET',
    path: '/nodes/{node}/tasks/{upid}/status',
    params: z.strictObject({ node, upid }),
    response: s.taskStatusSchema,
    idempotent: true,
  }),
  taskLog: endpoint({
    id: 'taskLog',
    method: 'GET',
    path: '/nodes/{node}/tasks/{upid}/log',
    params: z.strictObject({
      node,
      upid,
      start: int.min(0).optional(),
      limit: int.min(0).optional(),
    }),
    response: s.taskLogEnvelopeSchema,
    envelope: true,
    idempotent: true,
  }),
  taskList: endpoint({
    id: 'taskList',
    method: 'GET',
    path: '/nodes/{node}/tasks',
    params: z.strictObject({
      node,
      start: int.min(0).optional(),
      limit: int.min(0).optional(),
      vmid: vmid.optional(),
      typefilter: str.optional(),
      userfilter: str.optional(),
      errors: bool.optional(),
      source: z.enum(['archive', 'active', 'all']).optional(),
      statusfilter: list.optional(),
      since: int.optional(),
      until: int.optional(),
    }),
    response: z.array(s.taskListItemSchema),
    idempotent: true,
  }),
  taskStop: endpoint({
    id: 'taskStop',
    method: 'DELETE',
    path: '/nodes/{node}/tasks/{upid}',
    params: z.strictObject({ node, upid }),
    response: s.nullSchema,
    idempotent: true,
  }),

  // --- pools, storage, network, sdn, firewall groups
  pools: endpoint({
    id: 'pools',
    method: 'GET',
    path: '/pools',
    params: z.strictObject({
      poolid: str.optional(),
      type: z.enum(['qemu', 'lxc', 'storage']).optional(),
    }),
    response: z.array(s.poolSchema),
    idempotent: true,
  }),
  storage: endpoint({
    id: 'storage',
    method: 'GET',
    path: '/storage',
    params: z.strictObject({ type: str.optional() }),
    response: z.array(s.storageConfigSchema),
    idempotent: true,
  }),
  nodeStorage: endpoint({
    id: 'nodeStorage',
    method: 'GET',
    path: '/nodes/{node}/storage',
    params: z.strictObject({
      node,
      content: list.optional(),
      enabled: bool.optional(),
      format: bool.optional(),
      storage: str.optional(),
      target: node.optional(),
    }),
    response: z.array(s.nodeStorageSchema),
    idempotent: true,
  }),
  nodeNetwork: endpoint({
    id: 'nodeNetwork',
    method: 'GET',
    path: '/nodes/{node}/network',
    params: z.strictObject({
      node,
      type: z
        .enum([
          'bridge',
          'bond',
          'eth',
          'alias',
          'vlan',
          'OVSBridge',
          'OVSBond',
          'OVSPort',
          'OVSIntPort',
          'vnet',
          'any_bridge',
          'any_local_bridge',
        ])
        .optional(),
    }),
    response: z.array(s.networkInterfaceSchema),
    idempotent: true,
  }),
  sdnVnets: endpoint({
    id: 'sdnVnets',
    method: 'GET',
    path: '/cluster/sdn/vnets',
    params: z.strictObject({
      pending: bool.optional(),
      running: bool.optional(),
    }),
    response: z.array(s.sdnVnetSchema),
    idempotent: true,
  }),
  firewallGroups: endpoint({
    id: 'firewallGroups',
    method: 'GET',
    path: '/cluster/firewall/groups',
    params: z.strictObject({}),
    response: z.array(s.firewallGroupSchema),
    idempotent: true,
  }),
  firewallGroupRules: endpoint({
    id: 'firewallGroupRules',
    method: 'GET',
    path: '/cluster/firewall/groups/{group}',
    params: z.strictObject({ group: str }),
    response: z.array(s.firewallRuleSchema),
    idempotent: true,
  }),
} as const;

/** Identifier of an endpoint in {@link ENDPOINTS}. @public */
export type EndpointId = keyof typeof ENDPOINTS;
