/**
 * Benchmarks of the Proxmox client against the simulator, over real HTTPS on
 * loopback. Run with `bash scripts/bench.sh`; results go to
 * bench/results/pve.json (and are printed).
 *
 * - fleet build: time to generate `large:3x40x10000` (3 clusters, 40 nodes,
 *   10 000 guests) in the simulator
 * - inventory: `GET /cluster/resources` of every cluster of that fleet through
 *   the client (what a catalog full sync does), latency percentiles
 * - clones: 50 concurrent clones of one template, wall time and distinct VMIDs
 * - faults: 300 reads under 20 % injected transient faults, success rate and
 *   the extra requests the retries cost
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  buildState,
  resolveFleet,
  startSimulator,
} from '@mycopod/pve-simulator';
import { ProxmoxClient } from '@mycopod/plugin-proxmox-node';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    n: s.length,
    p50Ms: round(percentile(s, 50)),
    p95Ms: round(percentile(s, 95)),
    maxMs: round(s[s.length - 1]),
  };
}

function clientFor(sim: Sim, index = 0) {
  const cluster = sim.clusters[index];
  return new ProxmoxClient({
    cluster: {
      name: cluster.name,
      url: cluster.url,
      tokenId: sim.token.tokenId,
      tokenSecret: sim.token.secret,
      caCert: sim.caCertPem,
    },
  });
}

async function benchFleetBuild() {
  const samples: number[] = [];
  let guests = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const state = buildState(resolveFleet('large:3x40x10000', 1), 1);
    samples.push(performance.now() - t0);
    guests = state.clusters.reduce((n, c) => n + c.guests.size, 0);
  }
  return { fleet: 'large:3x40x10000', guests, ...summary(samples) };
}

async function benchInventory() {
  const sim = await startSimulator({ fleet: 'large:3x40x10000' });
  try {
    const clients = sim.clusters.map((_, i) => clientFor(sim, i));
    const samples: number[] = [];
    let resources = 0;
    for (let round = 0; round < 10; round++) {
      resources = 0;
      for (const client of clients) {
        const t0 = performance.now();
        const items = await client.listClusterResources();
        samples.push(performance.now() - t0);
        resources += items.length;
      }
    }
    await Promise.all(clients.map(c => c.close()));
    return {
      clusters: clients.length,
      resourcesPerSync: resources,
      ...summary(samples),
    };
  } finally {
    await sim.stop();
  }
}

async function benchClones() {
  const sim = await startSimulator({
    fleet: 'demo',
    timings: { taskMs: 100, cloneMs: 500, resourcesLagMs: 0 },
  });
  try {
    const client = clientFor(sim);
    const node = 'pve1'; // the demo fleet's lab cluster keeps template 9000 on pve1
    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client.cloneWithFreshVmid({
          node,
          vmid: 9000,
          name: `bench-${i}`,
        }),
      ),
    );
    const wallMs = Math.round(performance.now() - t0);
    const vmids = new Set(results.map(r => r.vmid));
    const requests = sim.stats().total;
    await client.close();
    return {
      clones: 50,
      distinctVmids: vmids.size,
      wallMs,
      requests,
      cloneTaskMs: 500,
    };
  } finally {
    await sim.stop();
  }
}

async function benchFaults() {
  const sim = await startSimulator({ fleet: 'demo' });
  try {
    const client = clientFor(sim);
    sim.setFaults({
      seed: 42,
      routes: [{ rate: 0.2, kinds: ['500', '502', '503', '595', 'reset'] }],
    });
    sim.resetStats();
    let ok = 0;
    const samples: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      try {
        await client.listNodes({ retry: { baseDelayMs: 5, maxDelayMs: 50 } });
        ok++;
      } catch {
        // counted as a failure below
      }
      samples.push(performance.now() - t0);
    }
    const requests = sim.stats().total;
    await client.close();
    return {
      calls: 300,
      succeeded: ok,
      httpRequests: requests,
      faultRate: 0.2,
      ...summary(samples),
    };
  } finally {
    await sim.stop();
  }
}

async function main() {
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    fleetBuild: await benchFleetBuild(),
    inventory: await benchInventory(),
    clones: await benchClones(),
    faults: await benchFaults(),
  };
  const out = path.resolve(__dirname, 'results/pve.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
  console.log(`written to ${path.relative(process.cwd(), out)}`);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
