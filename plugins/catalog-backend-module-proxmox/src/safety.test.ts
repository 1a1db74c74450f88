/*
 * Outage safety, unparsed guests, sudden shrink, system and determinism,
 * with the real catalog backend (PostgreSQL and SQLite) and a stand-in
 * `proxmox` plugin serving a fixed inventory.
 */
import { TestDatabases } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import type { InventoryCluster } from '@mycopod/plugin-proxmox-common';
import {
  startCatalogStack,
  type CatalogStack,
  type FakeInventory,
} from './__testUtils__/stack';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const guest = (
  vmid: number,
  over: Partial<InventoryCluster['guests'][number]> = {},
): InventoryCluster['guests'][number] => ({
  vmid,
  name: `vm-${vmid}`,
  node: 'n1',
  type: 'qemu',
  tags: [],
  ...over,
});

function fleet(guests: InventoryCluster['guests']): InventoryCluster {
  return {
    name: 'alpha',
    nodes: [{ name: 'n1', maxcpu: 8, maxmem: 8 * 1024 ** 3 }],
    templates: [{ vmid: 9000, name: 'tpl', node: 'n1' }],
    guests,
    firewallGroups: [{ name: 'web', comment: 'HTTP in' }],
  };
}

const rel = (e: Entity | undefined, type: string) =>
  (e?.relations ?? []).filter(r => r.type === type).map(r => r.targetRef);

describe.each(databases.eachSupportedId())('on %s', databaseId => {
  let stack: CatalogStack;
  const state: FakeInventory = {
    calls: 0,
    inventory: { hash: 'h0', generatedAt: 'now', clusters: [] },
  };
  let version = 0;
  const serve = (cluster: InventoryCluster) => {
    version++;
    state.inventory = {
      hash: `h${version}`,
      generatedAt: 'now',
      clusters: [cluster],
    };
  };
  const names = async () =>
    (await stack.entities('alpha')).map(e => e.metadata.name);
  const settle = () => new Promise(r => setTimeout(r, 2500));

  beforeAll(async () => {
    serve(
      fleet([
        guest(100, { system: 'system:default/payments', tags: ['Prod DB!'] }),
        guest(101, { owner: 'group:default/team-b', requestId: 'r-1' }),
        guest(102, { tags: ['zeta', 'ops'], pool: 'p1' }),
        guest(103, { type: 'lxc', tags: ['ops'] }),
        guest(104),
      ]),
    );
    stack = await startCatalogStack({
      catalogKnex: await databases.init(databaseId),
      otherKnex: () => databases.init('SQLITE_3'),
      fake: state,
      clusters: [
        { name: 'alpha', url: 'https://pve-alpha.example.com:8006/api2/json' },
      ],
      catalogConfig: {
        defaultOwner: 'group:default/fallback',
        ownership: {
          pools: { p1: 'team-p' },
          tags: { ops: 'group:default/ops' },
        },
      },
    });
    await stack.refresh('alpha');
    await stack.waitFor('alpha-104', e => rel(e, 'ownedBy').length > 0);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('emits guests with owner, system, tags and links', async () => {
    const g100 = await stack.waitFor(
      'alpha-100',
      e => rel(e, 'partOf').length > 0,
    );
    expect(rel(g100, 'partOf')).toEqual(['system:default/payments']);
    expect(g100?.metadata.tags).toEqual(['prod-db']);
    expect(g100?.metadata.annotations?.['backstage.io/view-url']).toBe(
      'https://pve-alpha.example.com:8006/#v1:0:=qemu%2F100',
    );
    const owner = async (n: string) => rel(await stack.entity(n), 'ownedBy');
    expect(await owner('alpha-101')).toEqual(['group:default/team-b']);
    expect(await owner('alpha-102')).toEqual(['group:default/team-p']);
    expect(await owner('alpha-103')).toEqual(['group:default/ops']);
    expect(await owner('alpha-104')).toEqual(['group:default/fallback']);
    expect((await stack.entity('alpha-103'))?.spec?.type).toBe('container');
    expect((await stack.entity('alpha-template-9000'))?.spec?.type).toBe(
      'vm-template',
    );
    expect((await stack.entity('alpha-sg-web'))?.metadata.description).toBe(
      'HTTP in',
    );
  });

  it('changes no entity when a re-read lists the same fleet in another order', async () => {
    const before = await stack.entities('alpha');
    const c = state.inventory.clusters[0];
    serve({
      ...c,
      guests: [...c.guests]
        .reverse()
        .map(g => ({ ...g, tags: [...g.tags].reverse() })),
    });
    const calls = state.calls;
    await stack.refresh('alpha');
    expect(state.calls).toBe(calls + 1);
    await settle();
    const after = await stack.entities('alpha');
    expect(after.map(e => [e.metadata.name, e.metadata.etag])).toEqual(
      before.map(e => [e.metadata.name, e.metadata.etag]),
    );
    expect(stack.logs.filter(l => l.includes('mutation, '))).toHaveLength(1);
  });

  it('keeps the entities of an unreachable cluster', async () => {
    const before = await names();
    state.failWith = 503;
    await stack.refresh('alpha');
    delete state.failWith;
    serve({ ...fleet([]), error: 'Could not read the cluster: timeout' });
    await stack.refresh('alpha');
    await settle();
    expect(await names()).toEqual(before);
    const warnings = stack.logs.filter(l =>
      l.includes('could not be read, keeping'),
    );
    expect(warnings.some(l => l.includes('503'))).toBe(true);
    expect(warnings.some(l => l.includes('timeout'))).toBe(true);
  });

  it('keeps unparsed guests and warns', async () => {
    const c = fleet([
      guest(100),
      guest(101),
      guest(102),
      guest(103),
      guest(104),
    ]);
    serve({
      ...c,
      guests: c.guests.filter(g => g.vmid !== 104),
      unparsed: [{ vmid: 104, node: 'n1', reason: "unknown type 'vz'" }],
    });
    await stack.refresh('alpha');
    await settle();
    expect(await names()).toContain('alpha-104');
    expect(
      stack.logs.some(l => l.includes('104 on n1 could not be understood')),
    ).toBe(true);
  });

  it('refuses a sudden shrink, then removes a single guest', async () => {
    serve(fleet([guest(100)]));
    await stack.refresh('alpha');
    await settle();
    expect(await names()).toContain('alpha-104');
    expect(stack.logs.some(l => l.includes('Refusing to remove 4 of 6'))).toBe(
      true,
    );

    serve(fleet([guest(100), guest(101), guest(102), guest(103)]));
    await stack.refresh('alpha');
    await stack.waitFor('alpha-104', e => e === undefined);
    expect(await names()).toContain('alpha-103');
  });
});
