/* Test helpers: the PVE simulator over HTTPS and a ProxmoxClusters over it. */
import { NotFoundError } from '@backstage/errors';
import { ProxmoxClient } from '@mycopod/plugin-proxmox-node';
import type { ProxmoxClusters } from '@mycopod/plugin-proxmox-node';
import { startSimulator } from '@mycopod/pve-simulator';
import type {
  RunningSimulator,
  SimulatorOptions,
} from '@mycopod/pve-simulator';

export const TIMINGS = {
  taskMs: 20,
  cloneMs: 60,
  resizeMs: 20,
  lockWaitMs: 100,
  resourcesLagMs: 50,
  agentIpDelayMs: 50,
  unauthorizedDelayMs: 20,
};

/** Starts the simulator (`demo` fleet by default) with fast timings. */
export function startDemoSimulator(
  opts: SimulatorOptions = {},
): Promise<RunningSimulator> {
  return startSimulator({ fleet: 'demo', seed: 1, timings: TIMINGS, ...opts });
}

/** A cluster of a {@link ProxmoxClusters}: `sim`'s cluster named `simCluster`. */
export interface ClusterTarget {
  name: string;
  sim: RunningSimulator;
  simCluster?: string;
}

/** A `ProxmoxClusters` over simulator clusters, with `close()` for afterAll. */
export function simulatorClusters(
  targets: ClusterTarget[],
): ProxmoxClusters & { close(): Promise<void> } {
  const clients = new Map<string, ProxmoxClient>();
  for (const t of targets) {
    const simCluster = t.sim.clusters.find(
      c => c.name === (t.simCluster ?? t.name),
    );
    if (!simCluster) throw new Error(`no simulator cluster ${t.simCluster}`);
    clients.set(
      t.name,
      new ProxmoxClient({
        cluster: {
          name: t.name,
          url: simCluster.url,
          tokenId: t.sim.token.tokenId,
          tokenSecret: t.sim.token.secret,
          caCert: t.sim.caCertPem,
          retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
          timeouts: { requestMs: 10_000, connectMs: 2_000, taskMs: 20_000 },
        },
      }),
    );
  }
  return {
    list: () => Array.from(clients.keys()),
    get: (name: string) => {
      const c = clients.get(name);
      if (!c) {
        throw new NotFoundError(
          `No Proxmox cluster named '${name}' is configured`,
        );
      }
      return c;
    },
    close: async () => {
      await Promise.all(Array.from(clients.values(), c => c.close()));
    },
  };
}

/** Calls of one route in the simulator's counters. */
export function callsOf(sim: RunningSimulator, route: string): number {
  return sim.stats().calls[route] ?? 0;
}
