import { modesOf, TASK_FAILURE_MODES, TaskFailureMode } from './taskFailures';
import { makeRng, Rng } from './util';

/**
 * `500`/`502`/`503`/`595`/`reset` answer before the handler runs (nothing is
 * applied); `reset-after`/`5xx-after` answer after it applied the change
 * (connection destroyed / 500, 502 or 503); `stall` delays the request by
 * `stallMs` and only then applies the change and answers.
 */
export type FaultKind =
  | '500'
  | '502'
  | '503'
  | '595'
  | 'reset'
  | 'reset-after'
  | '5xx-after'
  | 'stall';

/** Default delay of a `stall` fault. */
export const DEFAULT_STALL_MS = 15000;

/** A per-route error rule. @public */
export interface FaultRouteSpec {
  /** HTTP method (default: any) */
  method?: string;
  /**
   * Route template as in the PVE schema (`/nodes/{node}/qemu`), or a RegExp
   * tested against the concrete path below `/api2/json` (default: any route).
   */
  path?: string | RegExp;
  /** same as `path` as a RegExp source (for JSON specs) */
  pathRegex?: string;
  /** probability in [0, 1] that a matching request fails */
  rate: number;
  /** failure kinds picked uniformly (default `['500']`) */
  kinds?: FaultKind[];
  /** delay of `stall` faults of this rule (default: the spec's `stallMs`) */
  stallMs?: number;
}

/** Fault injection settings (deterministic for a seed). @public */
export interface FaultSpec {
  /** RNG seed for fault decisions (default: the simulator seed) */
  seed?: number;
  /** per-route error rules; the first rule that matches a request decides it */
  routes?: FaultRouteSpec[];
  /** extra latency per API request, uniformly in [min, max] ms */
  latencyMs?: [number, number];
  /** probability that a task ends with an error exitstatus */
  taskFailureRate?: number;
  /** only tasks of these types fail (e.g. `['qmclone']`; default: all) */
  taskFailureTypes?: string[];
  /** failure modes per task type, picked uniformly (default: each type's defaults, see the README) */
  taskFailureModes?: Record<string, TaskFailureMode[]>;
  /** delay of `stall` faults in ms (default 15000) */
  stallMs?: number;
  /**
   * a new task's UPID answers 400 `no such task` on status/log/stop (and is
   * missing from task lists) for this long after dispatch (default 0)
   */
  taskVisibilityLagMs?: number;
  /** nodes answering 595 (`node` or `cluster/node`) */
  offlineNodes?: string[];
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'reset' }
  | { kind: 'status'; status: number; reason: string; body: boolean }
  | { kind: 'reset-after' }
  | {
      kind: 'status-after';
      status: number;
      reason: string;
      body: boolean;
    }
  | { kind: 'stall'; ms: number };

const REASONS: Record<string, string> = {
  '500': 'Internal Server Error',
  '502': 'Bad Gateway',
  '503': 'Service Unavailable',
  '595': 'No route to host',
};

const KINDS: FaultKind[] = [
  '500',
  '502',
  '503',
  '595',
  'reset',
  'reset-after',
  '5xx-after',
  'stall',
];

/**
 * Parses the compact CLI syntax, e.g.
 * `rate=0.2,kinds=500|595|reset,method=GET,path=/cluster/resources,latency=5-50,task-fail=0.05,offline=lab/pve2|pve3,seed=7`
 * (also `stall=<ms>`, `task-lag=<ms>`, `task-fail-types=qmclone|qmstart`,
 * `task-fail-modes=qmclone:worker-died|storage-lock;qmstart:start-timeout`)
 * or a JSON {@link FaultSpec}.
 */
export function parseFaultSpec(text: string): FaultSpec {
  const t = text.trim();
  if (t.startsWith('{')) {
    const spec = JSON.parse(t) as FaultSpec;
    validateFaultSpec(spec);
    return spec;
  }
  const spec: FaultSpec = {};
  const route: FaultRouteSpec = { rate: 0 };
  let hasRoute = false;
  for (const item of t
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)) {
    const i = item.indexOf('=');
    if (i < 0)
      throw new Error(`invalid fault item '${item}' (expected key=value)`);
    const key = item.slice(0, i);
    const value = item.slice(i + 1);
    switch (key) {
      case 'rate':
        route.rate = Number(value);
        hasRoute = true;
        break;
      case 'kinds':
        route.kinds = value.split('|') as FaultKind[];
        break;
      case 'method':
        route.method = value.toUpperCase();
        break;
      case 'path':
        route.path = value;
        break;
      case 'path-regex':
        route.pathRegex = value;
        break;
      case 'latency': {
        const m = /^(\d+)(?:-(\d+))?$/.exec(value);
        if (!m)
          throw new Error(`invalid latency '${value}' (expected MIN-MAX)`);
        spec.latencyMs = [Number(m[1]), Number(m[2] ?? m[1])];
        break;
      }
      case 'task-fail':
        spec.taskFailureRate = Number(value);
        break;
      case 'offline':
        spec.offlineNodes = value.split('|').filter(Boolean);
        break;
      case 'seed':
        spec.seed = Number(value);
        break;
      case 'stall':
        spec.stallMs = Number(value);
        break;
      case 'task-lag':
        spec.taskVisibilityLagMs = Number(value);
        break;
      case 'task-fail-types':
        spec.taskFailureTypes = value.split('|').filter(Boolean);
        break;
      case 'task-fail-modes':
        spec.taskFailureModes = parseModes(value);
        break;
      default:
        throw new Error(`unknown fault key '${key}'`);
    }
  }
  if (hasRoute) spec.routes = [route];
  validateFaultSpec(spec);
  return spec;
}

/** `qmclone:worker-died|storage-lock;qmstart:start-timeout` */
function parseModes(value: string): Record<string, TaskFailureMode[]> {
  const out: Record<string, TaskFailureMode[]> = {};
  for (const part of value.split(';').filter(Boolean)) {
    const i = part.indexOf(':');
    if (i < 0)
      throw new Error(
        `invalid task-fail-modes '${part}' (expected <type>:<mode>|<mode>)`,
      );
    out[part.slice(0, i)] = part
      .slice(i + 1)
      .split('|')
      .filter(Boolean) as TaskFailureMode[];
  }
  return out;
}

const msOk = (v: unknown) =>
  v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0);

export function validateFaultSpec(spec: FaultSpec) {
  const rateOk = (r: unknown) => typeof r === 'number' && r >= 0 && r <= 1;
  for (const r of spec.routes ?? []) {
    if (!rateOk(r.rate)) throw new Error(`fault rate must be within [0, 1]`);
    for (const k of r.kinds ?? []) {
      if (!KINDS.includes(k))
        throw new Error(`unknown fault kind '${k}' (use ${KINDS.join('|')})`);
    }
    if (!msOk(r.stallMs)) throw new Error('stallMs must be a number >= 0');
  }
  if (!msOk(spec.stallMs)) throw new Error('stallMs must be a number >= 0');
  if (!msOk(spec.taskVisibilityLagMs))
    throw new Error('taskVisibilityLagMs must be a number >= 0');
  for (const [type, modes] of Object.entries(spec.taskFailureModes ?? {})) {
    const allowed = modesOf(type).modes;
    if (!Array.isArray(modes) || !modes.length)
      throw new Error(`task failure modes of '${type}' must be a list`);
    for (const m of modes) {
      if (!allowed.includes(m))
        throw new Error(
          `unknown task failure mode '${m}' for '${type}' (use ${allowed.join(
            '|',
          )})`,
        );
    }
  }
  for (const t of spec.taskFailureTypes ?? []) {
    if (!TASK_FAILURE_MODES[t])
      throw new Error(
        `unknown task type '${t}' (use ${Object.keys(TASK_FAILURE_MODES).join(
          '|',
        )})`,
      );
  }
  if (spec.taskFailureRate !== undefined && !rateOk(spec.taskFailureRate)) {
    throw new Error('task failure rate must be within [0, 1]');
  }
  if (spec.latencyMs) {
    const [a, b] = spec.latencyMs;
    if (!(a >= 0 && b >= a))
      throw new Error('latency must be [min, max] with 0 <= min <= max');
  }
}

/** Runtime fault state; every decision draws from one seeded RNG. */
export class FaultEngine {
  private spec: FaultSpec = {};
  private rng: Rng;
  /** a separate stream for failure modes, so adding modes keeps the fail decisions of a seed */
  private modeRng: Rng;
  private offline = new Set<string>();

  constructor(private readonly defaultSeed: number) {
    this.rng = makeRng(`faults:${defaultSeed}`);
    this.modeRng = makeRng(`task-modes:${defaultSeed}`);
  }

  set(spec: FaultSpec | undefined) {
    const s = spec ?? {};
    validateFaultSpec(s);
    this.spec = s;
    this.rng = makeRng(`faults:${s.seed ?? this.defaultSeed}`);
    this.modeRng = makeRng(`task-modes:${s.seed ?? this.defaultSeed}`);
    this.offline = new Set(s.offlineNodes ?? []);
  }

  get(): FaultSpec {
    return this.spec;
  }

  isNodeOffline(cluster: string, node: string): boolean {
    return this.offline.has(node) || this.offline.has(`${cluster}/${node}`);
  }

  latency(): number {
    const l = this.spec.latencyMs;
    if (!l) return 0;
    return l[0] + Math.floor(this.rng() * (l[1] - l[0] + 1));
  }

  /** Whether a new task of `type` fails, and how (undefined = it does not fail). */
  taskFailure(type: string): TaskFailureMode | undefined {
    const r = this.spec.taskFailureRate;
    if (!r) return undefined;
    const types = this.spec.taskFailureTypes;
    if (types && !types.includes(type)) return undefined;
    if (!(this.rng() < r)) return undefined;
    const modes = this.spec.taskFailureModes?.[type] ?? modesOf(type).defaults;
    if (modes.length === 1) return modes[0];
    return modes[Math.floor(this.modeRng() * modes.length)];
  }

  /** how long a new task stays invisible (400 `no such task`) */
  taskVisibilityLagMs(): number {
    return this.spec.taskVisibilityLagMs ?? 0;
  }

  decide(
    method: string,
    template: string | undefined,
    path: string,
  ): FaultDecision {
    for (const r of this.spec.routes ?? []) {
      if (r.method && r.method.toUpperCase() !== method) continue;
      if (r.path instanceof RegExp) {
        if (!r.path.test(path)) continue;
      } else if (
        typeof r.path === 'string' &&
        r.path !== template &&
        r.path !== path
      ) {
        continue;
      }
      if (r.pathRegex && !new RegExp(r.pathRegex).test(path)) continue;
      if (!(this.rng() < r.rate)) return { kind: 'none' };
      const kinds = r.kinds?.length ? r.kinds : ['500' as FaultKind];
      const kind = kinds[Math.floor(this.rng() * kinds.length)];
      if (kind === 'reset') return { kind: 'reset' };
      if (kind === 'reset-after') return { kind: 'reset-after' };
      if (kind === 'stall')
        return {
          kind: 'stall',
          ms: r.stallMs ?? this.spec.stallMs ?? DEFAULT_STALL_MS,
        };
      if (kind === '5xx-after') {
        const code = ['500', '502', '503'][Math.floor(this.rng() * 3)];
        return {
          kind: 'status-after',
          status: Number(code),
          reason: REASONS[code],
          body: code === '500',
        };
      }
      return {
        kind: 'status',
        status: Number(kind),
        reason: REASONS[kind],
        body: kind === '500',
      };
    }
    return { kind: 'none' };
  }
}
