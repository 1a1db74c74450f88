/*
 * The day-2 migration on PostgreSQL and SQLite: the new columns, the
 * backfill of lease_ends_at for guests that were ready before it, and its
 * down migration.
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import { randomUUID } from 'node:crypto';

jest.setTimeout(60_000);

const DAY_MS = 24 * 60 * 60 * 1000;
const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const directory = resolvePackagePath(
  '@mycopod/plugin-proxmox-backend',
  'migrations',
);

describe.each(databases.eachSupportedId())('day-2 migration on %p', id => {
  it('adds target, change and lease end; backfills the lease of ready guests; goes down again', async () => {
    const knex = await databases.init(id);
    await knex.migrate.up({ directory, name: '20261203000000_init.js' });

    const t0 = Date.UTC(2026, 0, 1);
    const rows = [
      { state: 'ready', leaseDays: 10, readyAt: t0 + 1000 },
      { state: 'expired', leaseDays: 3, readyAt: t0 + 2000 },
      { state: 'pending', leaseDays: 30, readyAt: undefined },
      { state: 'ready', leaseDays: undefined, readyAt: t0 + 3000 },
    ].map(r => ({ ...r, id: randomUUID() }));
    for (const r of rows) {
      await knex('proxmox_requests').insert({
        id: r.id,
        kind: 'create',
        state: r.state,
        requester: 'user:default/dev',
        owner: 'group:default/team-a',
        cluster: 'lab',
        spec: JSON.stringify({ name: 'x', leaseDays: r.leaseDays }),
        findings: '[]',
        cores: 1,
        memory_mib: 512,
        disk_gib: 1,
        created_at: t0,
        updated_at: t0,
      });
      if (r.readyAt !== undefined) {
        // a later ready (e.g. a renewal) does not move the lease's start
        for (const at of [r.readyAt, r.readyAt + DAY_MS]) {
          await knex('proxmox_request_events').insert({
            request_id: r.id,
            actor: 'system',
            event: 'succeed',
            from_state: 'provisioning',
            to_state: 'ready',
            created_at: at,
          });
        }
      }
    }

    await knex.migrate.up({ directory, name: '20261203100000_day2.js' });
    const after = new Map(
      (
        await knex('proxmox_requests').select(
          'id',
          'lease_ends_at',
          'target_request_id',
          'change',
        )
      ).map(r => [r.id, r]),
    );
    const endOf = (i: number) => after.get(rows[i].id).lease_ends_at;
    expect(Number(endOf(0))).toBe(t0 + 1000 + 10 * DAY_MS);
    expect(Number(endOf(1))).toBe(t0 + 2000 + 3 * DAY_MS);
    expect(endOf(2)).toBeNull();
    expect(endOf(3)).toBeNull();
    expect(after.get(rows[0].id)).toMatchObject({
      target_request_id: null,
      change: null,
    });

    await knex.migrate.down({ directory, name: '20261203100000_day2.js' });
    for (const column of ['target_request_id', 'change', 'lease_ends_at']) {
      expect(await knex.schema.hasColumn('proxmox_requests', column)).toBe(
        false,
      );
    }
    // the rows and their history survive the way down
    expect(
      Number((await knex('proxmox_request_events').count({ n: '*' }))[0].n),
    ).toBe(6);
    expect(
      Number((await knex('proxmox_requests').count({ n: '*' }))[0].n),
    ).toBe(4);
  });
});
