/**
 * `GET /api/proxmox/requests` at 10 000 requests, on SQLite and on
 * PostgreSQL, beside `GET /api/catalog/entities?limit=50` on the same
 * backend, with the same token, in the same run. Run with
 * `bash scripts/bench.sh`; results go to bench/results/requests-api.json.
 *
 * The REAL demo backend process (packages/backend: app-config.yaml +
 * overrides, the catalog with the demo org, the permission backend with the
 * MycoPod policy, persona sign-in) is started per database. The 10 000
 * requests (and their ~30 000 history rows) are seeded by inserting rows
 * directly into the plugin's tables (migrations/20261203000000_init.js)
 * after the backend migrated them:
 * - SQLite: `backend.database.connection.directory` points at a temp dir,
 *   so the plugin's database is the file `proxmox.sqlite` there; the bench
 *   writes it through its own better-sqlite3 connection while the backend
 *   runs (the backend's list queries read the same file).
 * - PostgreSQL: the plugin's database `<prefix>proxmox`, then ANALYZE (a
 *   long-lived database has statistics; a fresh bulk load has none).
 * The mix: 50 requesters (dev 3 %, admin 2 %), 12 owner groups, every state
 * and kind, created over a year; dev reads its own and team-a's requests
 * through the conditional permission decision, applied in SQL.
 *
 * Each measured call is sequential (one in flight); the views and the
 * catalog call are interleaved round-robin so load noise hits them alike.
 */
import knexFactory, { type Knex } from 'knex';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  POSTGRES_URL,
  environment,
  signIn,
  startDemoBackend,
  summary,
  writeResults,
  type DatabaseKind,
  type DemoBackend,
} from './lib/demoBackend';

const REQUESTS = 10_000;
const CALLS = Number(process.env.MYCOPOD_BENCH_CALLS ?? 300);
const WARMUP = 20;
const TARGET_RATIO = 3;

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(r: () => number, items: Array<[T, number]>): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [v, w] of items) {
    x -= w;
    if (x <= 0) return v;
  }
  return items[items.length - 1][0];
}

const STATES: Array<[string, number]> = [
  ['ready', 40],
  ['decommissioned', 12],
  ['expired', 8],
  ['rejected', 8],
  ['cancelled', 7],
  ['failed', 5],
  ['pending', 12],
  ['approved', 2],
  ['provisioning', 2],
  ['draft', 4],
];
/** The history a request in a state went through. */
const PATHS: Record<string, Array<[string, string | null, string]>> = {
  draft: [['create', null, 'draft']],
  pending: [['create', null, 'pending']],
  approved: [
    ['create', null, 'pending'],
    ['approve', 'pending', 'approved'],
  ],
  provisioning: [
    ['create', null, 'pending'],
    ['approve', 'pending', 'approved'],
    ['start', 'approved', 'provisioning'],
  ],
  ready: [
    ['create', null, 'pending'],
    ['approve', 'pending', 'approved'],
    ['start', 'approved', 'provisioning'],
    ['succeed', 'provisioning', 'ready'],
  ],
  failed: [
    ['create', null, 'pending'],
    ['approve', 'pending', 'approved'],
    ['start', 'approved', 'provisioning'],
    ['fail', 'provisioning', 'failed'],
  ],
  rejected: [
    ['create', null, 'pending'],
    ['reject', 'pending', 'rejected'],
  ],
  cancelled: [
    ['create', null, 'pending'],
    ['cancel', 'pending', 'cancelled'],
  ],
  expired: [
    ['create', null, 'pending'],
    ['approve', 'pending', 'approved'],
    ['start', 'approved', 'provisioning'],
    ['succeed', 'provisioning', 'ready'],
    ['expire', 'ready', 'expired'],
  ],
  decommissioned: [
    ['create', null, 'pending'],
    ['approve', 'pending', 'approved'],
    ['start', 'approved', 'provisioning'],
    ['succeed', 'provisioning', 'ready'],
    ['decommission', 'ready', 'decommissioned'],
  ],
};

const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT dev@example.com';

function seedRows(seed: number) {
  const r = rng(seed);
  const users: Array<[string, number]> = [
    ['user:default/dev', 3],
    ['user:default/admin', 2],
    ...Array.from(
      { length: 48 },
      (_, i) =>
        [`user:default/user-${String(i).padStart(2, '0')}`, 95 / 48] as [
          string,
          number,
        ],
    ),
  ];
  const groups = 'abcdefghijkl'.split('').map(c => `group:default/team-${c}`);
  const now = Date.now();
  const requests: any[] = [];
  const events: any[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const requester = weighted(r, users);
    const owner =
      requester === 'user:default/dev' && r() < 0.8
        ? 'group:default/team-a'
        : groups[Math.floor(r() * groups.length)];
    const state = weighted(r, STATES);
    const kind = weighted(r, [
      ['create', 80],
      ['resize', 8],
      ['decommission', 6],
      ['extend-lease', 5],
      ['reconcile', 1],
    ]);
    const cluster = r() < 0.7 ? 'lab' : 'edge';
    const cores = [1, 2, 4, 8][Math.floor(r() * 4)];
    const memoryMiB = cores * 2048;
    const diskGiB = [20, 40, 80, 160][Math.floor(r() * 4)];
    const createdAt = now - Math.floor(r() * 365 * 86_400_000);
    const spec = {
      name: `vm-${i}`,
      cluster,
      template: r() < 0.6 ? 'ubuntu-24.04-cloudinit' : 'debian-12-cloudinit',
      cores,
      memoryMiB,
      diskGiB,
      network: { bridge: 'vmbr0' },
      securityGroups: r() < 0.5 ? ['web'] : ['web', 'ssh'],
      cloudInit: { user: 'ubuntu', sshKeys: [SSH_KEY], ipv4: 'dhcp' },
      tags: [owner.split('/')[1]],
      owner,
      leaseDays: 30,
      justification: 'seeded by the requests API benchmark',
    };
    const id = randomUUID();
    const path_ = PATHS[state];
    const hasGuest = [
      'ready',
      'expired',
      'decommissioned',
      'provisioning',
    ].includes(state);
    const updatedAt = createdAt + (path_.length - 1) * 60_000;
    requests.push({
      id,
      kind,
      state,
      requester,
      owner,
      cluster,
      spec: JSON.stringify(spec),
      findings:
        r() < 0.2
          ? JSON.stringify([
              {
                severity: 'warning',
                code: 'quota-near',
                message: 'The group uses 85 % of its memory quota',
              },
            ])
          : '[]',
      cores,
      memory_mib: memoryMiB,
      disk_gib: diskGiB,
      plan_id: null,
      guest_node: hasGuest ? (cluster === 'lab' ? 'pve2' : 'edge1') : null,
      guest_vmid: hasGuest ? 1000 + i : null,
      failure_reason:
        state === 'failed'
          ? 'Provisioning failed at step clone: storage full.'
          : null,
      created_at: createdAt,
      updated_at: updatedAt,
    });
    path_.forEach(([event, from, to], k) => {
      events.push({
        request_id: id,
        actor:
          event === 'create'
            ? requester
            : ['start', 'succeed', 'fail', 'expire'].includes(event)
            ? 'system'
            : 'user:default/admin',
        event,
        from_state: from,
        to_state: to,
        comment: null,
        created_at: createdAt + k * 60_000,
      });
    });
  }
  return { requests, events };
}

function pluginDb(backend: DemoBackend): Knex {
  if (backend.database === 'sqlite') {
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(backend.sqliteDir!, 'proxmox.sqlite') },
      useNullAsDefault: true,
    });
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${backend.pgPrefix}proxmox`;
  return knexFactory({ client: 'pg', connection: url.toString() });
}

async function seed(backend: DemoBackend) {
  const { requests, events } = seedRows(7);
  const db = pluginDb(backend);
  const t0 = performance.now();
  try {
    await db.transaction(async trx => {
      await trx.batchInsert('proxmox_requests', requests, 500);
      await trx.batchInsert('proxmox_request_events', events, 500);
    });
    if (backend.database === 'postgres') {
      await db.raw('ANALYZE proxmox_requests');
      await db.raw('ANALYZE proxmox_request_events');
    }
    const count = async (q: Knex.QueryBuilder) =>
      Number(((await q.count({ n: '*' })) as any)[0].n);
    const t = () => db('proxmox_requests');
    return {
      method:
        backend.database === 'sqlite'
          ? 'rows inserted into proxmox.sqlite (backend.database.connection.directory) while the backend runs'
          : 'rows inserted into the plugin database <prefix>proxmox, then ANALYZE',
      seedMs: Math.round(performance.now() - t0),
      requests: await count(t()),
      events: await count(db('proxmox_request_events')),
      requesters: Number(
        ((await t().countDistinct({ n: 'requester' })) as any)[0].n,
      ),
      owners: Number(((await t().countDistinct({ n: 'owner' })) as any)[0].n),
      byState: Object.fromEntries(
        (await t().select('state').count({ n: '*' }).groupBy('state')).map(
          (x: any) => [x.state, Number(x.n)],
        ),
      ),
      visibleToDev: await count(
        t().where(q =>
          q
            .where('requester', 'user:default/dev')
            .orWhereIn('owner', ['user:default/dev', 'group:default/team-a']),
        ),
      ),
      devOwn: await count(t().where('requester', 'user:default/dev')),
      awaitingAdmin: await count(
        t()
          .where('state', 'pending')
          .whereNot('requester', 'user:default/admin'),
      ),
    };
  } finally {
    await db.destroy();
  }
}

async function timedGet(baseUrl: string, token: string, p: string) {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}${p}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = await res.json();
  const ms = performance.now() - t0;
  if (!res.ok)
    throw new Error(`GET ${p}: ${res.status} ${JSON.stringify(body)}`);
  return { ms, body };
}

async function walk(baseUrl: string, token: string, view: string) {
  const pages: number[] = [];
  let cursor: string | undefined;
  let items = 0;
  const t0 = performance.now();
  do {
    const { ms, body } = await timedGet(
      baseUrl,
      token,
      `/api/proxmox/requests?view=${view}&limit=50${
        cursor ? `&cursor=${cursor}` : ''
      }`,
    );
    pages.push(ms);
    items += body.items.length;
    cursor = body.nextCursor;
  } while (cursor);
  return {
    items,
    pages: pages.length,
    totalMs: Math.round(performance.now() - t0),
    perPage: summary(pages),
    firstTenPagesP50Ms: summary(pages.slice(0, 10)).p50Ms,
    lastTenPagesP50Ms: summary(pages.slice(-10)).p50Ms,
  };
}

async function benchDatabase(database: DatabaseKind) {
  const backend = await startDemoBackend({ database });
  try {
    const dev = await signIn(backend.baseUrl, 'user:default/dev');
    const admin = await signIn(backend.baseUrl, 'user:default/admin');
    const seeded = await seed(backend);
    // the catalog must have finished its first ingestion
    let catalogEntities = 0;
    for (let i = 0; i < 120 && catalogEntities < 5; i++) {
      const { body } = await timedGet(
        backend.baseUrl,
        admin.token,
        '/api/catalog/entities?limit=50',
      );
      catalogEntities = body.length;
      if (catalogEntities < 5) await new Promise(r => setTimeout(r, 500));
    }
    const calls: Array<{ name: string; token: string; path: string }> = [
      {
        name: 'mine (dev)',
        token: dev.token,
        path: '/api/proxmox/requests?view=mine',
      },
      {
        name: 'all (admin)',
        token: admin.token,
        path: '/api/proxmox/requests?view=all',
      },
      {
        name: 'all (dev, conditional)',
        token: dev.token,
        path: '/api/proxmox/requests?view=all',
      },
      {
        name: 'awaiting-me (admin)',
        token: admin.token,
        path: '/api/proxmox/requests?view=awaiting-me',
      },
      {
        name: 'catalog (dev)',
        token: dev.token,
        path: '/api/catalog/entities?limit=50',
      },
      {
        name: 'catalog (admin)',
        token: admin.token,
        path: '/api/catalog/entities?limit=50',
      },
    ];
    const samples = new Map(calls.map(c => [c.name, [] as number[]]));
    const itemCounts = new Map<string, number>();
    for (let i = 0; i < WARMUP + CALLS; i++) {
      for (const c of calls) {
        const { ms, body } = await timedGet(backend.baseUrl, c.token, c.path);
        if (i >= WARMUP) samples.get(c.name)!.push(ms);
        itemCounts.set(
          c.name,
          Array.isArray(body) ? body.length : body.items.length,
        );
      }
    }
    const stats = Object.fromEntries(
      calls.map(c => [
        c.name,
        { items: itemCounts.get(c.name), ...summary(samples.get(c.name)!) },
      ]),
    );
    const catalogFor = (name: string) =>
      name.includes('(dev') ? stats['catalog (dev)'] : stats['catalog (admin)'];
    const ratios = Object.fromEntries(
      calls
        .filter(c => !c.name.startsWith('catalog'))
        .map(c => {
          const ratio = stats[c.name].p95Ms / catalogFor(c.name).p95Ms;
          return [
            c.name,
            {
              p95Ms: stats[c.name].p95Ms,
              catalogP95Ms: catalogFor(c.name).p95Ms,
              ratio: Math.round(ratio * 100) / 100,
              target: `≤ ${TARGET_RATIO}`,
              pass: ratio <= TARGET_RATIO,
            },
          ];
        }),
    );
    const walks = {
      'all (admin)': await walk(backend.baseUrl, admin.token, 'all'),
      'all (dev, conditional)': await walk(backend.baseUrl, dev.token, 'all'),
    };
    return {
      database,
      seeded,
      catalogEntitiesReturned: catalogEntities,
      callsPerView: CALLS,
      warmupPerView: WARMUP,
      latency: stats,
      p95RatioToCatalog: ratios,
      paginatedWalk: walks,
      pass: Object.values(ratios).every(r => r.pass),
    };
  } finally {
    await backend.stop();
  }
}

async function main() {
  const env = environment();
  const sqlite = await benchDatabase('sqlite');
  const postgres = await benchDatabase('postgres');
  writeResults('requests-api.json', {
    benchmark:
      'GET /api/proxmox/requests p50/p95/p99 at 10 000 requests vs GET /api/catalog/entities?limit=50, same backend, same token',
    environment: env,
    notes: [
      'Noisy: 2 shared cores, other workloads run at the same time; the backend and the bench share them.',
      'Latency is measured by the client (fetch, keep-alive) around one call at a time; the default page size (50) is used.',
      `The demo catalog is small (${sqlite.catalogEntitiesReturned} entities returned), so the catalog call is a cheap baseline.`,
    ],
    target: `p95(requests view) / p95(catalog, same token) ≤ ${TARGET_RATIO}`,
    sqlite,
    postgres,
    pass: sqlite.pass && postgres.pass,
  });
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
