import {
  startSimulator,
  type RunningSimulator,
  type SimulatorTimings,
} from '@mycopod/pve-simulator';

/**
 * The simulator with the demo fleet and quick timings, slow enough to watch
 * each step (clone 1 s, other tasks 0.3 s); `timings` replaces some.
 */
export function startDemoSimulator(
  seed: number,
  timings: SimulatorTimings = {},
): Promise<RunningSimulator> {
  return startSimulator({
    fleet: 'demo',
    seed,
    timings: {
      cloneMs: 1000,
      taskMs: 300,
      resizeMs: 300,
      lockWaitMs: 3000,
      resourcesLagMs: 500,
      agentIpDelayMs: 500,
      unauthorizedDelayMs: 100,
      taskStartMs: 100,
      ...timings,
    },
  });
}

/** The executor config of the browser tests: quick polls, short step timeouts. */
export const QUICK_EXECUTOR = {
  pollIntervalMs: 250,
  stepTimeouts: { cloneMs: 30_000, taskMs: 15_000, ipMs: 15_000 },
};

/**
 * The `proxmox.clusters` config of a backend for the simulator's clusters:
 * its token and CA, local-lvm and vmbr0 by default; `extra` is merged into
 * each cluster's entry.
 */
export function simulatorClusterConfig(
  sim: RunningSimulator,
  extra: Record<string, unknown> = {},
) {
  return sim.clusters.map(c => ({
    name: c.name,
    url: c.url,
    tokenId: sim.token.tokenId,
    tokenSecret: sim.token.secret,
    caCert: sim.caCertPem,
    defaultStorage: 'local-lvm',
    defaultBridge: 'vmbr0',
    ...extra,
  }));
}

/** A call to the proxmox plugin's API, the body parsed when it is JSON. */
export async function proxmoxApi(
  baseUrl: string,
  token: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/api/proxmox${url}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}
