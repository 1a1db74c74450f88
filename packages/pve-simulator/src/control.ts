/** The `/_sim/…` control endpoints (outside `/api2`, no authentication). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultEngine, FaultSpec } from './faults';
import { parseFaultSpec } from './faults';
import { writeResponse } from './http/server';
import type { ControlHooks, StatsCollector } from './http/server';
import type { TaskRunner } from './state/tasks';
import type { Guest, SimState } from './state/types';

/** One guest as `GET /_sim/guests` lists it. @public */
export interface SimGuestInfo {
  cluster: string;
  vmid: number;
  type: 'qemu' | 'lxc';
  node: string;
  /** `name` (qemu) or `hostname` (lxc) of the current config */
  name?: string;
  description?: string;
  /** tags of the current config */
  tags: string[];
  status: 'running' | 'stopped';
  /** config `lock` (`clone`, `create`, `snapshot`, …) */
  lock?: string;
  template: boolean;
  /** current config (file values, pending changes not applied) */
  config: Record<string, string>;
  /** `[PENDING]` values */
  pending: Record<string, string>;
}

/** Filters of `GET /_sim/guests` / `RunningSimulator.guests()`. @public */
export interface SimGuestFilter {
  /** only this cluster */
  cluster?: string;
  /** only guests whose description contains this text (e.g. `mycopod-request: <uuid>`) */
  marker?: string;
}

function guestInfo(cluster: string, g: Guest): SimGuestInfo {
  const cfg = g.config;
  const info: SimGuestInfo = {
    cluster,
    vmid: g.vmid,
    type: g.type,
    node: g.node,
    tags: (cfg.tags ?? '').split(/[;, ]+/).filter(Boolean),
    status: g.status,
    template: cfg.template === '1',
    config: { ...cfg },
    pending: { ...g.pending },
  };
  const name = g.type === 'lxc' ? cfg.hostname : cfg.name;
  if (name !== undefined) info.name = name;
  if (cfg.description !== undefined) info.description = cfg.description;
  if (cfg.lock !== undefined) info.lock = cfg.lock;
  return info;
}

/** Every guest of the fleet (or of one cluster), by cluster order and vmid. */
export function listGuests(
  state: SimState,
  filter: SimGuestFilter = {},
): SimGuestInfo[] {
  const out: SimGuestInfo[] = [];
  for (const c of state.clusters) {
    if (filter.cluster !== undefined && c.name !== filter.cluster) continue;
    const guests = [...c.guests.values()].sort((a, b) => a.vmid - b.vmid);
    for (const g of guests) {
      if (
        filter.marker !== undefined &&
        !(g.config.description ?? '').includes(filter.marker)
      )
        continue;
      out.push(guestInfo(c.name, g));
    }
  }
  return out;
}

export function serializeFaults(spec: FaultSpec) {
  return {
    ...spec,
    routes: spec.routes?.map(r => ({
      ...r,
      path: r.path instanceof RegExp ? String(r.path) : r.path,
    })),
  };
}

export interface ControlOptions {
  seed: number;
  state: SimState;
  faults: FaultEngine;
  tasks: TaskRunner;
  stats: () => { calls: Record<string, number>; total: number };
  resetStats: () => void;
}

export function statsOf(stats: StatsCollector) {
  return {
    calls: Object.fromEntries(
      [...stats.calls.entries()].sort(([a], [b]) => a.localeCompare(b)),
    ),
    total: stats.total,
  };
}

export function createControl(opts: ControlOptions): ControlHooks {
  const { seed, state, faults, tasks } = opts;
  return {
    handle(
      req: IncomingMessage,
      res: ServerResponse,
      path: string,
      body: string,
      query = '',
    ) {
      const json = (status: number, data: unknown) =>
        writeResponse(
          req,
          res,
          status,
          status === 200 ? 'OK' : 'Error',
          JSON.stringify(data),
          'application/json;charset=UTF-8',
        );
      const route = `${req.method} ${path.replace(/\/+$/, '')}`;
      try {
        switch (route) {
          case 'GET /_sim/stats':
            json(200, opts.stats());
            return;
          case 'POST /_sim/reset-stats':
            opts.resetStats();
            json(200, { ok: true });
            return;
          case 'GET /_sim/faults':
            json(200, serializeFaults(faults.get()));
            return;
          case 'POST /_sim/faults':
          case 'PUT /_sim/faults': {
            const spec = body.trim() ? parseFaultSpec(body) : {};
            faults.set(spec);
            json(200, serializeFaults(faults.get()));
            return;
          }
          case 'DELETE /_sim/faults':
            faults.set(undefined);
            json(200, {});
            return;
          case 'GET /_sim/guests': {
            const q = new URLSearchParams(query);
            const guests = listGuests(state, {
              cluster: q.get('cluster') ?? undefined,
              marker: q.get('marker') ?? undefined,
            });
            json(200, { guests, total: guests.length });
            return;
          }
          case 'GET /_sim/summary':
            json(200, {
              seed,
              runningTasks: tasks.runningCount,
              clusters: state.clusters.map(c => ({
                name: c.name,
                nodes: c.nodes.size,
                guests: c.guests.size,
                tasks: c.tasks.size,
              })),
            });
            return;
          default:
            json(404, { error: `unknown control endpoint '${route}'` });
        }
      } catch (e) {
        json(400, { error: e instanceof Error ? e.message : String(e) });
      }
    },
  };
}
