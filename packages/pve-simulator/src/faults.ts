import { makeRng, Rng } from './util';

export type FaultKind = '500' | '502' | '503' | '595' | 'reset';

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
  /** nodes answering 595 (`node` or `cluster/node`) */
  offlineNodes?: string[];
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'reset' }
  | { kind: 'status'; status: number; reason: string; body: boolean };

const REASONS: Record<string, string> = {
  '500': 'Internal Server Error',
  '502': 'Bad Gateway',
  '503': 'Service Unavailable',
  '595': 'No route to host',
};

const KINDS: FaultKind[] = ['500', '502', '503', '595', 'reset'];

/**
 * Parses the compact CLI syntax, e.g.
 * `rate=0.2,kinds=500|595|reset,method=GET,path=/cluster/resources,latency=5-50,task-fail=0.05,offline=lab/pve2|pve3,seed=7`
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
      default:
        throw new Error(`unknown fault key '${key}'`);
    }
  }
  if (hasRoute) spec.routes = [route];
  validateFaultSpec(spec);
  return spec;
}

export function validateFaultSpec(spec: FaultSpec) {
  const rateOk = (r: unknown) => typeof r === 'number' && r >= 0 && r <= 1;
  for (const r of spec.routes ?? []) {
    if (!rateOk(r.rate)) throw new Error(`fault rate must be within [0, 1]`);
    for (const k of r.kinds ?? []) {
      if (!KINDS.includes(k))
        throw new Error(`unknown fault kind '${k}' (use ${KINDS.join('|')})`);
    }
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
  private offline = new Set<string>();

  constructor(private readonly defaultSeed: number) {
    this.rng = makeRng(`faults:${defaultSeed}`);
  }

  set(spec: FaultSpec | undefined) {
    const s = spec ?? {};
    validateFaultSpec(s);
    this.spec = s;
    this.rng = makeRng(`faults:${s.seed ?? this.defaultSeed}`);
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

  shouldFailTask(): boolean {
    const r = this.spec.taskFailureRate;
    if (!r) return false;
    return this.rng() < r;
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
