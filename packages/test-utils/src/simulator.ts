import { startSimulator, type RunningSimulator } from '@mycopod/pve-simulator';

/** Fast simulator timings for tests. */
export const SIM_TIMINGS = {
  taskMs: 30,
  cloneMs: 150,
  resizeMs: 30,
  lockWaitMs: 200,
  resourcesLagMs: 100,
  agentIpDelayMs: 100,
  unauthorizedDelayMs: 30,
};

/** The simulator's demo fleet with {@link SIM_TIMINGS}. */
export async function startSim(seed = 1): Promise<RunningSimulator> {
  return startSimulator({ fleet: 'demo', seed, timings: SIM_TIMINGS });
}

/**
 * `proxmox.clusters` config for the simulator's clusters.
 *
 * @param over - overrides of every cluster's config (e.g. a wrong token secret)
 * @param maxAttempts - the client's retry attempts
 */
export function clustersConfig(
  sim: RunningSimulator,
  over: Record<string, unknown> = {},
  maxAttempts = 6,
) {
  return sim.clusters.map(c => ({
    name: c.name,
    url: c.url,
    tokenId: sim.token.tokenId,
    tokenSecret: sim.token.secret,
    ...over,
    caCert: sim.caCertPem,
    retry: { maxAttempts, baseDelayMs: 20, maxDelayMs: 200 },
    timeouts: { requestMs: 5_000, connectMs: 2_000, taskMs: 30_000 },
  }));
}
