/*
 * Allocation on a real database (PostgreSQL 15 and SQLite): concurrent
 * takers of one small pool get distinct addresses until it is exhausted,
 * a rolled-back transaction frees its address, and releases free exactly
 * what they name.
 */
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { vmSpecSchema } from '@mycopod/plugin-proxmox-common';
import knexFactory, { type Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { RequestStore } from '../database/RequestStore';
import { TABLES } from '../database/tables';
import { IpAllocationStore } from './IpAllocationStore';
import { IpAllocator } from './IpAllocator';
import { readIpPoolsConfig, type IpPool } from './IpPoolConfig';
import { IpPoolRelease } from './IpPoolRelease';
import { IpPoolService } from './IpPoolService';
import { formatIpv4 } from './ipv4';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

function pools(): IpPool[] {
  return readIpPoolsConfig(
    new ConfigReader({
      proxmox: {
        ipPools: [
          {
            name: 'small',
            network: { bridge: 'vmbr0' },
            cidr: '10.0.0.0/24',
            gateway: '10.0.0.1',
            range: [
              { first: '10.0.0.10', last: '10.0.0.13' },
              { first: '10.0.0.20', last: '10.0.0.22' },
            ],
            exclude: ['10.0.0.12'],
            dns: { nameservers: ['10.0.0.53'] },
          },
        ],
      },
    }),
  );
}
// 10, 11, 13, 20, 21, 22
const SMALL = [
  '10.0.0.10',
  '10.0.0.11',
  '10.0.0.13',
  '10.0.0.20',
  '10.0.0.21',
  '10.0.0.22',
];

describe.each(databases.eachSupportedId())('on %p', databaseId => {
  let knex: Knex;
  let requests: RequestStore;
  let store: IpAllocationStore;
  let allocator: IpAllocator;
  let pool: IpPool;

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@mycopod/plugin-proxmox-backend',
        'migrations',
      ),
    });
    requests = new RequestStore(knex);
    store = new IpAllocationStore(knex);
    allocator = new IpAllocator(store);
    [pool] = pools();
  });

  beforeEach(async () => {
    await knex(TABLES.ipAllocations).delete();
  });

  async function newRequests(n: number): Promise<string[]> {
    const ids = Array.from({ length: n }, () => randomUUID());
    const spec = vmSpecSchema.parse({
      name: 'vm',
      cluster: 'lab',
      template: 9000,
      cores: 1,
      memoryMiB: 1024,
      diskGiB: 10,
      network: { bridge: 'vmbr0' },
      cloudInit: { user: 'dev', ipv4: { pool: 'small' } },
      owner: 'group:default/team-a',
    });
    await knex.transaction(async trx => {
      for (const id of ids) {
        await requests.insert(
          trx,
          {
            id,
            kind: 'create',
            state: 'pending',
            requester: 'user:default/dev',
            spec,
            findings: [],
          },
          'user:default/dev',
          Date.now(),
        );
      }
    });
    return ids;
  }

  it('20 concurrent approvals of a 6-address pool: 6 distinct addresses, 14 exhausted, no duplicates', async () => {
    const ids = await newRequests(20);
    const outcomes = await Promise.all(
      ids.map(id =>
        knex.transaction(async trx => {
          const outcome = await allocator.allocate(trx, pool, {
            id,
            cluster: 'lab',
          });
          // hold the transaction open a little, as an approval does
          await trx(TABLES.requests)
            .where({ id })
            .update({ updated_at: Date.now() });
          return outcome;
        }),
      ),
    );
    const given = outcomes.flatMap(o =>
      'address' in o ? [formatIpv4(o.address)] : [],
    );
    expect(given.sort()).toEqual([...SMALL].sort());
    expect(outcomes.filter(o => 'exhausted' in o)).toHaveLength(14);
    const rows = await knex(TABLES.ipAllocations).select(
      'address',
      'request_id',
    );
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map(r => r.request_id)).size).toBe(6);
    expect((await allocator.freeCounts(knex, [pool])).get('small')).toBe(0);
  });

  it('two replicas (PostgreSQL: two connection pools) race for one pool without a duplicate', async () => {
    const ids = await newRequests(12);
    // SQLite in memory has one connection: the second replica shares it
    const otherKnex =
      databaseId === 'SQLITE_3' ? knex : knexFactory(knex.client.config);
    try {
      const other = new IpAllocator(new IpAllocationStore(otherKnex));
      const outcomes = await Promise.all(
        ids.map((id, i) =>
          (i % 2 ? otherKnex : knex).transaction(trx =>
            (i % 2 ? other : allocator).allocate(trx, pool, {
              id,
              cluster: 'lab',
            }),
          ),
        ),
      );
      const given = outcomes.flatMap(o => ('address' in o ? [o.address] : []));
      expect(new Set(given).size).toBe(6);
      expect(outcomes.filter(o => 'exhausted' in o)).toHaveLength(6);
      expect(await knex(TABLES.ipAllocations).count({ n: '*' })).toEqual([
        { n: databaseId === 'SQLITE_3' ? 6 : '6' },
      ]);
    } finally {
      if (otherKnex !== knex) await otherKnex.destroy();
    }
  });

  it('hands out the lowest free address, keeps a request on its address, and frees it on rollback', async () => {
    const [a, b, c] = await newRequests(3);
    const take = (id: string) =>
      knex.transaction(trx =>
        allocator.allocate(trx, pool, { id, cluster: 'lab' }),
      );
    expect(await take(a)).toEqual({ address: 0x0a00000a, reused: false });
    expect(await take(a)).toEqual({ address: 0x0a00000a, reused: true });
    await expect(
      knex.transaction(async trx => {
        await allocator.allocate(trx, pool, { id: b, cluster: 'lab' });
        throw new Error('the approval failed');
      }),
    ).rejects.toThrow('the approval failed');
    expect(await store.ofRequest(knex, b)).toBeUndefined();
    const outcome = await take(c);
    expect('address' in outcome && formatIpv4(outcome.address)).toBe(
      '10.0.0.11',
    );
    expect((await allocator.freeCounts(knex, [pool])).get('small')).toBe(4);
  });

  it('binds the guest, and frees by request or by guest only what they name', async () => {
    const release = new IpPoolRelease(store, mockServices.logger.mock());
    const service = new IpPoolService([pool], store, allocator);
    const [a, b, c] = await newRequests(3);
    const take = (id: string) =>
      knex.transaction(trx =>
        allocator.allocate(trx, pool, { id, cluster: 'lab' }),
      );
    await take(a);
    await take(b);
    await take(c);
    expect(await service.leaseOf(a)).toEqual({
      pool: 'small',
      address: '10.0.0.10/24',
      gateway: '10.0.0.1',
      dns: { nameservers: ['10.0.0.53'] },
    });
    const request = (await requests.get(b))!;
    await knex.transaction(trx =>
      release.onTransition(trx, {
        request: {
          ...request,
          state: 'ready',
          guest: { cluster: 'lab', vmid: 4242 },
        },
        from: 'provisioning',
      }),
    );
    expect((await store.ofRequest(knex, b))?.vmid).toBe(4242);
    // a failure that left its guest behind keeps the address with it
    await knex.transaction(trx =>
      release.onTransition(trx, {
        request: {
          ...request,
          id: c,
          state: 'failed',
          guest: { cluster: 'lab', vmid: 4343 },
        },
        from: 'provisioning',
      }),
    );
    expect((await store.ofRequest(knex, c))?.vmid).toBe(4343);
    // another cluster's guest 4242 frees nothing
    await knex.transaction(trx =>
      release.onGuestReleased(trx, { cluster: 'edge', vmid: 4242 }),
    );
    expect(await service.allocationOf(b)).toBeDefined();
    await knex.transaction(trx =>
      release.onGuestReleased(trx, { cluster: 'lab', vmid: 4242 }),
    );
    expect(await service.allocationOf(b)).toBeUndefined();
    // a cancelled request frees its address; its neighbours keep theirs
    await knex.transaction(trx =>
      release.onTransition(trx, {
        request: { ...request, id: a, state: 'cancelled' },
        from: 'approved',
      }),
    );
    expect(await store.ofRequest(knex, a)).toBeUndefined();
    expect(await service.allocationOf(c)).toEqual({
      pool: 'small',
      address: '10.0.0.13/24',
      gateway: '10.0.0.1',
    });
    expect((await allocator.freeCounts(knex, [pool])).get('small')).toBe(5);
  });
});
