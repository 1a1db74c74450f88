/*
 * Replicas, real processes: two demo backend processes on one PostgreSQL
 * database and the PVE simulator with 10 % transient faults; 50 requests
 * filed and approved through both (every request approved on both at once:
 * one 200, one 409); replica B is SIGKILLed three times while it holds
 * provisioning jobs and restarted each time (a new process, same database).
 * In the end every request is `ready` (or `failed` with a reason), no
 * request has two guests, no job is left queued or running, and no guest
 * carrying a MycoPod marker belongs to anything but a ready request.
 *
 * PostgreSQL only: skipped without
 * BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING, failed for that
 * under CI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { startSimulator } from '@mycopod/pve-simulator';
import type { FaultSpec, RunningSimulator } from '@mycopod/pve-simulator';
import {
  ARTIFACTS_DIR,
  dropDatabases,
  eventually,
  newDatabasePrefix,
  postgresConnectionString,
  RunningBackend,
  signIn,
  startBackend,
} from './lib/backend';
import { proxmoxApi, simulatorClusterConfig } from './lib/simulator';

jest.setTimeout(420_000);

const REQUESTS = 50;
const KILLS = 3;
const TERMINAL_TIMEOUT_MS = 5 * 60_000;
const MARKER_PREFIX = 'mycopod-request:';
const marker = (id: string) => `${MARKER_PREFIX} ${id}`;
const EARLY_STEPS = ['allocate-vmid', 'clone'];
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** 10 % of all API requests (GETs and nextid probes included) fault. */
const FAULTS: FaultSpec = {
  seed: 20261203,
  routes: [
    {
      rate: 0.1,
      kinds: [
        '500',
        '502',
        '503',
        '595',
        'reset',
        'reset-after',
        '5xx-after',
        'stall',
      ],
      stallMs: 500,
    },
  ],
  // retry-safe task failures only (see the simulator's README)
  taskFailureRate: 0.03,
  taskFailureModes: {
    qmclone: ['storage-lock', 'target-lock'],
    qmstart: ['start-failed'],
    resize: ['lock'],
    qmconfig: ['lock'],
    qmstop: ['lock'],
    qmdestroy: ['lock'],
  },
};

interface Replica {
  name: 'A' | 'B';
  backend: RunningBackend;
  dev: string;
  admin: string;
}

interface ApiRequest {
  id: string;
  state: string;
  failureReason?: string;
  guest?: { cluster: string; node?: string; vmid?: number };
}

function api(
  replica: Replica,
  token: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  return proxmoxApi(replica.backend.baseUrl, token, method, url, body);
}

function spec(i: number) {
  return {
    name: `replica-${String(i).padStart(2, '0')}`,
    cluster: i % 2 === 0 ? 'lab' : 'edge',
    template: i % 4 < 2 ? 'ubuntu-24.04-cloudinit' : 'debian-12-cloudinit',
    cores: 1,
    memoryMiB: 1024,
    diskGiB: 8,
    network: { bridge: 'vmbr0' },
    securityGroups: ['ssh'],
    cloudInit: { user: 'ubuntu', ipv4: 'dhcp' },
    tags: ['team-a', 'replicas'],
    owner: 'group:default/team-a',
    justification: 'replicas e2e test',
  };
}

const maybeDescribe = postgresConnectionString ? describe : describe.skip;

if (!postgresConnectionString) {
  if (process.env.CI) {
    describe('replicas on PostgreSQL', () => {
      it('needs BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING: PostgreSQL only, never skipped under CI', () => {
        expect(postgresConnectionString).toBeDefined();
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(
      'replicas.e2e.ts skipped: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (PostgreSQL 15) to run it',
    );
  }
}

maybeDescribe('replicas on PostgreSQL', () => {
  const prefix = newDatabasePrefix();
  const logDir = path.join(ARTIFACTS_DIR, 'replicas');
  let sim: RunningSimulator | undefined;
  let db: Client | undefined;
  const replicas: Partial<Record<'A' | 'B', Replica>> = {};
  let starts = 0;

  let config: Record<string, unknown>;

  async function startReplica(name: 'A' | 'B'): Promise<Replica> {
    starts++;
    const backend = await startBackend({
      database: 'postgres',
      databasePrefix: prefix,
      config,
      logFile: path.join(logDir, `${name}-${starts}.log`),
      readyTimeoutMs: 150_000,
    });
    try {
      // Persona sign-in resolves the catalog user: wait for its ingestion.
      const dev = await eventually(() => signIn(backend.baseUrl, 'dev'));
      const admin = await eventually(() => signIn(backend.baseUrl, 'admin'));
      const replica = { name, backend, dev: dev.token, admin: admin.token };
      replicas[name] = replica;
      return replica;
    } catch (e) {
      await backend.kill();
      throw e;
    }
  }

  beforeAll(async () => {
    fs.mkdirSync(logDir, { recursive: true });
    sim = await startSimulator({
      fleet: 'demo',
      seed: 7,
      timings: {
        cloneMs: 2000,
        taskMs: 300,
        resizeMs: 300,
        lockWaitMs: 3000,
        resourcesLagMs: 1000,
        agentIpDelayMs: 1500,
        unauthorizedDelayMs: 100,
        taskStartMs: 100,
      },
    });
    config = {
      // Small pools: each replica opens one database per plugin, and the
      // shared PostgreSQL (max_connections 100) also serves other suites.
      backend: {
        database: {
          knexConfig: { pool: { min: 0, max: 2, idleTimeoutMillis: 5000 } },
          plugin: {
            proxmox: {
              knexConfig: {
                pool: { min: 0, max: 6, idleTimeoutMillis: 5000 },
              },
            },
          },
        },
      },
      proxmox: {
        clusters: simulatorClusterConfig(sim, {
          retry: { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 1000 },
          timeouts: { requestMs: 5000, connectMs: 2000, taskMs: 30_000 },
        }),
        executor: {
          pollIntervalMs: 250,
          leaseMs: 3000,
          concurrency: { perCluster: 2, perTemplate: 2 },
          maxAttempts: 8,
          retry: { baseDelayMs: 250, maxDelayMs: 2000 },
          stepTimeouts: { cloneMs: 30_000, taskMs: 15_000, ipMs: 8000 },
          ipWait: 'best-effort',
        },
        policy: {
          defaults: {
            quota: {
              count: 500,
              cores: 5000,
              memoryMiB: 10_000_000,
              diskGiB: 1_000_000,
            },
          },
        },
      },
    };
    // A first: it creates and migrates the shared databases.
    await startReplica('A');
    await startReplica('B');
    // The proxmox plugin's database: `<prefix><pluginId>`.
    const url = new URL(postgresConnectionString!);
    url.pathname = `/${prefix}proxmox`;
    db = new Client({ connectionString: url.toString() });
    await db.connect();
  });

  afterAll(async () => {
    await replicas.A?.backend.stop();
    await replicas.B?.backend.stop();
    await db?.end();
    await sim?.stop();
    await dropDatabases(prefix);
  });

  it('50 requests through two replicas, B killed three times: each ready once (or failed with a reason), no duplicates, no stuck jobs, no orphans', async () => {
    const t0 = Date.now();
    const A = replicas.A!;
    // Are user tokens of one replica accepted by the other? (shared auth
    // database: the signing keys of both are in it)
    const cross = await api(replicas.B!, A.dev, 'GET', '/requests?limit=1');
    const crossReplicaTokens = cross.status === 200;

    // File 50 requests as dev, alternating replicas.
    const ids: string[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const r = i % 2 === 0 ? replicas.A! : replicas.B!;
      const created = await api(r, r.dev, 'POST', '/requests', {
        spec: spec(i),
      });
      if (created.status !== 201) {
        throw new Error(
          `filing request ${i} on ${r.name}: ${created.status} ${JSON.stringify(
            created.body,
          )}`,
        );
      }
      expect(created.body.state).toBe('pending');
      ids.push(created.body.id);
    }

    // Faults on from here: approvals (template lookups), provisioning,
    // cleanup, everything.
    sim!.setFaults(FAULTS);
    sim!.resetStats();

    // Approve every request on both replicas at once: one wins.
    const tApprove = Date.now();
    const approvals = await Promise.all(
      ids.map(async id => {
        const [a, b] = await Promise.all(
          [replicas.A!, replicas.B!].map(r =>
            api(r, r.admin, 'POST', `/requests/${id}/approve`, {
              comment: `approved on ${r.name}`,
            }),
          ),
        );
        return { id, statuses: [a.status, b.status], bodies: [a.body, b.body] };
      }),
    );
    for (const a of approvals) {
      if ([...a.statuses].sort().join() !== '200,409') {
        throw new Error(
          `approving ${a.id} on A and B: ${a.statuses.join(
            ', ',
          )} ${JSON.stringify(a.bodies)}`,
        );
      }
    }
    const approvedOn = {
      A: approvals.filter(a => a.statuses[0] === 200).length,
      B: approvals.filter(a => a.statuses[1] === 200).length,
    };

    // While provisioning runs: SIGKILL B whenever it holds jobs, restart it.
    const jobCounts = async () => {
      const { rows } = await db!.query<{ status: string; n: string }>(
        'SELECT status, count(*) AS n FROM proxmox_jobs GROUP BY status',
      );
      return Object.fromEntries(rows.map(r => [r.status, Number(r.n)]));
    };
    const heldBy = async (pid: number) => {
      const { rows } = await db!.query<{ request_id: string; step: string }>(
        `SELECT request_id, step FROM proxmox_jobs
          WHERE status = 'running' AND lease_owner LIKE $1`,
        [`%-${pid}-%`],
      );
      return rows;
    };
    const kills: Array<{
      atMs: number;
      pid: number;
      held: Array<{ request_id: string; step: string }>;
      restartMs: number;
    }> = [];
    for (let k = 0; k < KILLS; k++) {
      const B = replicas.B!;
      const readyAt = Date.now();
      let holdingSince: number | undefined;
      let held: Array<{ request_id: string; step: string }> = [];
      for (;;) {
        const counts = await jobCounts();
        if ((counts.queued ?? 0) + (counts.running ?? 0) === 0) {
          throw new Error(
            `provisioning ended before kill ${
              k + 1
            } of ${KILLS}: make the run longer`,
          );
        }
        held = await heldBy(B.backend.pid);
        // Spaced: B works for at least 2 s after (re)starting, then dies
        // while it holds jobs, preferably one in the window between "clone
        // sent" and "UPID stored" (step clone) or just before it.
        if (held.length > 0 && Date.now() - readyAt > 2000) {
          holdingSince ??= Date.now();
          const early = held.some(h => EARLY_STEPS.includes(h.step));
          if (early || Date.now() - holdingSince > 4000) break;
        }
        if (Date.now() - readyAt > 60_000) {
          throw new Error(
            `replica B claimed no job within 60 s (kill ${k + 1})`,
          );
        }
        await sleep(50);
      }
      const atMs = Date.now() - t0;
      await B.backend.kill();
      const tRestart = Date.now();
      await startReplica('B');
      kills.push({
        atMs,
        pid: B.backend.pid,
        held,
        restartMs: Date.now() - tRestart,
      });
      // eslint-disable-next-line no-console
      console.log(
        `kill ${k + 1}: B (pid ${B.backend.pid}) at ${atMs} ms holding ${
          held.length
        } jobs (${held.map(h => h.step).join(', ')}); restarted in ${
          kills[k].restartMs
        } ms; jobs now ${JSON.stringify(await jobCounts())}`,
      );
    }

    // Wait until every request is terminal.
    const deadline = Date.now() + TERMINAL_TIMEOUT_MS;
    for (;;) {
      const { rows } = await db!.query<{ state: string; n: string }>(
        `SELECT state, count(*) AS n FROM proxmox_requests
          WHERE id = ANY($1) GROUP BY state`,
        [ids],
      );
      const open = rows
        .filter(r => r.state !== 'ready' && r.state !== 'failed')
        .reduce((n, r) => n + Number(r.n), 0);
      if (open === 0) break;
      if (Date.now() > deadline) {
        throw new Error(
          `requests still open after ${TERMINAL_TIMEOUT_MS} ms: ${JSON.stringify(
            rows,
          )}; jobs ${JSON.stringify(await jobCounts())}`,
        );
      }
      await sleep(500);
    }
    const provisionedMs = Date.now() - tApprove;

    // Read every request through the API (both replicas answer alike).
    const final: ApiRequest[] = [];
    for (const [i, id] of ids.entries()) {
      const r = i % 2 === 0 ? replicas.A! : replicas.B!;
      const res = await api(r, r.dev, 'GET', `/requests/${id}`);
      expect(res.status).toBe(200);
      final.push(res.body);
    }
    sim!.setFaults(undefined);
    const faultStats = sim!.stats();

    const ready = final.filter(r => r.state === 'ready');
    const failed = final.filter(r => r.state === 'failed');
    const other = final.filter(
      r => r.state !== 'ready' && r.state !== 'failed',
    );
    const failedWithoutReason = failed.filter(r => !r.failureReason?.trim());
    const perRequest = final.map(r => ({
      id: r.id,
      state: r.state,
      guests: sim!.guests({ marker: marker(r.id) }),
    }));
    const duplicates = perRequest.filter(p => p.guests.length > 1);
    const readyWithoutGuest = perRequest.filter(
      p => p.state === 'ready' && p.guests.length !== 1,
    );
    const readyWrongGuest = ready.filter(r => {
      const g = perRequest.find(p => p.id === r.id)!.guests;
      return g.length === 1 && (g[0].vmid !== r.guest?.vmid || !!g[0].lock);
    });
    // A failed request whose partial guest could not be removed keeps it,
    // recorded on the request and flagged in its reason.
    const keptFlagged = failed.filter(r => {
      const g = perRequest.find(p => p.id === r.id)!.guests;
      return (
        g.length === 1 &&
        r.guest?.vmid === g[0].vmid &&
        /kept and must be removed by hand/.test(r.failureReason ?? '')
      );
    });
    const failedWithGuest = perRequest.filter(
      p =>
        p.state === 'failed' &&
        p.guests.length > 0 &&
        !keptFlagged.some(k => k.id === p.id),
    );
    const readyIds = new Set(ready.map(r => r.id));
    const keptIds = new Set(keptFlagged.map(r => r.id));
    const orphans = sim!
      .guests({ marker: MARKER_PREFIX })
      .filter(g => {
        const id = /mycopod-request:\s*([0-9a-f-]+)/i.exec(
          g.description ?? '',
        )?.[1];
        return !id || (!readyIds.has(id) && !keptIds.has(id));
      })
      .map(g => ({
        cluster: g.cluster,
        vmid: g.vmid,
        description: g.description,
      }));
    const { rows: stuck } = await db!.query<{
      request_id: string;
      status: string;
      step: string;
    }>(
      `SELECT request_id, status, step FROM proxmox_jobs
        WHERE status IN ('queued', 'running')`,
    );
    const { rows: jobRows } = await db!.query<{
      request_id: string;
      status: string;
      attempts: number;
    }>('SELECT request_id, status, attempts FROM proxmox_jobs');
    const jobMismatch = final.filter(r => {
      const jobs = jobRows.filter(j => j.request_id === r.id);
      const want = r.state === 'ready' ? 'succeeded' : 'failed';
      return jobs.length !== 1 || jobs[0].status !== want;
    });

    const result = {
      requests: REQUESTS,
      ready: ready.length,
      failed: failed.length,
      notTerminal: other.length,
      failedWithoutReason: failedWithoutReason.length,
      duplicates: duplicates.length,
      readyWithoutExactlyOneGuest: readyWithoutGuest.length,
      readyGuestMismatch: readyWrongGuest.length,
      failedWithGuest: failedWithGuest.length,
      keptAndFlagged: keptFlagged.length,
      orphans: orphans.length,
      stuckJobs: stuck.length,
      jobMismatch: jobMismatch.length,
      approvedOn,
      crossReplicaTokens,
      kills: kills.map(k => ({
        atMs: k.atMs,
        heldJobs: k.held.length,
        steps: k.held.map(h => h.step),
        // what became of the jobs B held when it died
        ended: k.held.map(
          h => final.find(r => r.id === h.request_id)?.state ?? 'unknown',
        ),
        restartMs: k.restartMs,
      })),
      provisioningMs: provisionedMs,
      totalMs: Date.now() - t0,
      pveApiCalls: faultStats.total,
      failureReasons: failed.map(r => ({
        id: r.id,
        reason: r.failureReason,
      })),
      details: {
        duplicates: duplicates.map(d => ({
          id: d.id,
          vmids: d.guests.map(g => `${g.cluster}/${g.vmid}`),
        })),
        orphans,
        stuck,
        jobMismatch: jobMismatch.map(r => r.id),
      },
    };
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    fs.writeFileSync(
      path.join(ARTIFACTS_DIR, 'replicas.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    // eslint-disable-next-line no-console
    console.log(
      `replicas: ${result.ready} ready, ${result.failed} failed (${result.keptAndFlagged} kept and flagged), ${result.duplicates} duplicates, ${result.orphans} orphans, ${result.stuckJobs} stuck jobs; ${KILLS} kills of B; provisioning ${provisionedMs} ms, total ${result.totalMs} ms, ${result.pveApiCalls} PVE API calls under faults`,
    );

    expect(other.map(r => `${r.id}: ${r.state}`)).toEqual([]);
    expect(ready.length + failed.length).toBe(REQUESTS);
    expect(failedWithoutReason.map(r => r.id)).toEqual([]);
    expect(result.details.duplicates).toEqual([]);
    expect(readyWithoutGuest.map(p => p.id)).toEqual([]);
    expect(readyWrongGuest.map(r => r.id)).toEqual([]);
    expect(failedWithGuest.map(p => p.id)).toEqual([]);
    expect(orphans).toEqual([]);
    expect(stuck).toEqual([]);
    expect(result.details.jobMismatch).toEqual([]);
    expect(kills).toHaveLength(KILLS);
  });
});
