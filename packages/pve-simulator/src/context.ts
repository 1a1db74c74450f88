import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FaultEngine } from './faults';
import type { ClusterState, SimState } from './state/types';
import type { TaskRunner } from './state/tasks';
import { hex8, nowSec, Rng } from './util';

/** Simulated durations and delays in milliseconds. @public */
export interface SimulatorTimings {
  /** duration of ordinary tasks (config, start, stop, create, delete, snapshots); default 1500 */
  taskMs?: number;
  /** duration of a clone task; default 8000 */
  cloneMs?: number;
  /** duration of a resize task; default 1500 */
  resizeMs?: number;
  /** flock wait before "can't lock file … got timeout" (PVE lock_config: 10 s); default 10000 */
  lockWaitMs?: number;
  /** how long new guests show up in cluster/resources as status unknown without name (pvestatd: 10 s); default 10000 */
  resourcesLagMs?: number;
  /** time after start until the guest agent answers (reports IPs); default 15000 */
  agentIpDelayMs?: number;
  /** delay of every 401 response (PVE: 3 s); default 3000 */
  unauthorizedDelayMs?: number;
  /**
   * time between a task's UPID being returned and its worker starting (fork,
   * then the worker's locks): a clone's target config appears only then;
   * default 0
   */
  taskStartMs?: number;
}

export const DEFAULT_TIMINGS: Required<SimulatorTimings> = {
  taskMs: 1500,
  cloneMs: 8000,
  resizeMs: 1500,
  lockWaitMs: 10000,
  resourcesLagMs: 10000,
  agentIpDelayMs: 15000,
  unauthorizedDelayMs: 3000,
  taskStartMs: 0,
};

/** Names of the built-in timing profiles. @public */
export type TimingProfileName = 'default' | 'demo';

/**
 * Built-in timing profiles: `default` (PVE-like durations) and `demo` (fast
 * but realistic for the dev demo: clone 3 s, tasks 1 s, agent IP 3 s,
 * cluster/resources lag 3 s). @public
 */
export const TIMING_PROFILES: Record<
  TimingProfileName,
  Required<SimulatorTimings>
> = {
  default: DEFAULT_TIMINGS,
  demo: {
    taskMs: 1000,
    cloneMs: 3000,
    resizeMs: 1000,
    lockWaitMs: 10000,
    resourcesLagMs: 3000,
    agentIpDelayMs: 3000,
    unauthorizedDelayMs: 3000,
    taskStartMs: 200,
  },
};

/** The timings of a profile name, or an error naming the known ones. */
export function timingProfile(name: string): Required<SimulatorTimings> {
  const p = (TIMING_PROFILES as Record<string, Required<SimulatorTimings>>)[
    name
  ];
  if (!p)
    throw new Error(
      `unknown timing profile '${name}' (use ${Object.keys(
        TIMING_PROFILES,
      ).join('|')})`,
    );
  return p;
}

export type PrivilegeLevel = 'admin' | 'readonly';

/**
 * A privilege grant on an ACL path, as `pveum acl modify <path> --roles …`
 * with propagation: `readonly` = the PVEAuditor role, `admin` = Administrator.
 * Paths: `/`, `/vms`, `/vms/<vmid>`, `/pool/<pool>`, `/nodes`,
 * `/nodes/<node>`, `/storage`, `/storage/<storage>`, `/sdn`, … @public
 */
export interface SimulatorAcl {
  path: string;
  privileges: PrivilegeLevel;
}

/** An API token accepted by the simulator. @public */
export interface SimulatorToken {
  /** `user@realm!name` */
  tokenId: string;
  secret: string;
  /** default `admin`; global, unless `acl` is given */
  privileges?: PrivilegeLevel;
  /**
   * Privileges on ACL paths instead of global ones (as PVE): the most
   * specific grant on a path or its parents applies; a guest also gets the
   * grants of its pool (`/pool/<pool>`). No grant = no privilege.
   */
  acl?: SimulatorAcl[];
}

/** A user for ticket (password) authentication. @public */
export interface SimulatorUser {
  /** `user@realm` */
  userid: string;
  password: string;
  privileges?: PrivilegeLevel;
}

/** The default admin API token (development only). @public */
export const DEFAULT_TOKEN = {
  tokenId: 'root@pam!mycopod',
  secret: '5e4b8a1c-3f0d-4c2e-9a7b-6d1f2e3c4b5a',
} as const;

/** The default user for `POST /access/ticket` (development only). @public */
export const DEFAULT_USER = {
  userid: 'root@pam',
  password: 'mycopod',
} as const;

/** PVEAuditor role privileges. */
export const READONLY_PRIVS = new Set([
  'Datastore.Audit',
  'Mapping.Audit',
  'Pool.Audit',
  'SDN.Audit',
  'Sys.Audit',
  'VM.Audit',
]);

export interface AuthInfo {
  /** userid as PVE sees it: `user@realm` (ticket) or `user@realm!token` (API token) */
  userid: string;
  isToken: boolean;
  privileges: PrivilegeLevel;
  /** path-scoped privileges (tokens with an ACL); absent = global `privileges` */
  acl?: SimulatorAcl[];
  /** the pool of a guest of the request's cluster (set once the cluster is known) */
  poolOf?: (vmid: number) => string | undefined;
}

export interface SimContext {
  state: SimState;
  timings: Required<SimulatorTimings>;
  tasks: TaskRunner;
  faults: FaultEngine;
  rng: Rng;
  tokens: Map<string, SimulatorToken>;
  users: Map<string, SimulatorUser>;
  ticketSecret: Buffer;
}

const grants = (level: PrivilegeLevel | undefined, priv: string) =>
  level === 'admin' || (level === 'readonly' && READONLY_PRIVS.has(priv));

/** The level of the most specific ACL entry on `path` or one of its parents. */
function aclLevel(
  acl: SimulatorAcl[],
  path: string,
): PrivilegeLevel | undefined {
  let best: SimulatorAcl | undefined;
  for (const e of acl) {
    const p = e.path === '/' ? '/' : e.path.replace(/\/+$/, '');
    const covers = p === '/' || path === p || path.startsWith(`${p}/`);
    if (covers && (!best || p.length > best.path.length))
      best = { ...e, path: p };
  }
  return best?.privileges;
}

/**
 * Whether `auth` holds `priv` on `path` (PVE `check`, default `/`). Without
 * an ACL a token's privileges are global. With one, the most specific grant
 * on the path (or a parent) decides; for `/vms/<vmid>` the grants of the
 * guest's pool count too (PVE pools propagate to their members).
 */
export function hasPriv(auth: AuthInfo, priv: string, path = '/'): boolean {
  if (auth.userid === 'root@pam') return true;
  if (!auth.acl) {
    if (auth.privileges === 'admin') return true;
    return READONLY_PRIVS.has(priv);
  }
  if (grants(aclLevel(auth.acl, path), priv)) return true;
  const vm = /^\/vms\/(\d+)$/.exec(path);
  const pool = vm ? auth.poolOf?.(Number(vm[1])) : undefined;
  return (
    pool !== undefined && grants(aclLevel(auth.acl, `/pool/${pool}`), priv)
  );
}

// --- tickets (PVE:<user>:<hex time>::<sig>) and CSRF tokens (<hex time>:<sig>) ---

function sign(secret: Buffer, data: string) {
  return createHmac('sha256', secret).update(data).digest('base64');
}

export function createTicket(secret: Buffer, userid: string): string {
  const plain = `PVE:${userid}:${hex8(nowSec())}`;
  return `${plain}::${sign(secret, plain)}`;
}

export function verifyTicket(
  secret: Buffer,
  ticket: string,
): string | undefined {
  const m = /^(PVE:([^:\s]+):([0-9A-F]{8}))::(.+)$/.exec(ticket);
  if (!m) return undefined;
  const expected = Buffer.from(sign(secret, m[1]));
  const got = Buffer.from(m[4]);
  if (expected.length !== got.length || !timingSafeEqual(expected, got))
    return undefined;
  const age = nowSec() - parseInt(m[3], 16);
  if (age < -300 || age > 7200) return undefined; // lifetime 2 h
  return m[2];
}

export function createCsrfToken(secret: Buffer, userid: string): string {
  const t = hex8(nowSec());
  return `${t}:${sign(secret, `${t}:${userid}`)}`;
}

export function verifyCsrfToken(
  secret: Buffer,
  userid: string,
  token: string | undefined,
): boolean {
  if (!token) return false;
  const m = /^([0-9A-F]{8}):(.+)$/.exec(token);
  if (!m) return false;
  return sign(secret, `${m[1]}:${userid}`) === m[2];
}

/** Finds the cluster a node belongs to. */
export function clusterOfNode(
  state: SimState,
  node: string,
): ClusterState | undefined {
  return state.clusters.find(c => c.nodes.has(node));
}
