/*
 * The real catalog backend with this module reading the real proxmox
 * backend (permission backend, MycoPod policy, PVE simulator over HTTPS),
 * on PostgreSQL and SQLite.
 */
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { labSpec as sharedLabSpec, startSim } from '@mycopod/test-utils';
import request from 'supertest';
import { startCatalogStack, type CatalogStack } from './__testUtils__/stack';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const DEV = 'user:default/dev';
const ADMIN = 'user:default/admin';
const userHeader = (ref: string) => mockCredentials.user.header(ref);

const rel = (e: Entity | undefined, type: string) =>
  (e?.relations ?? [])
    .filter(r => r.type === type)
    .map(r => r.targetRef)
    .sort();

const labSpec = (over: Record<string, unknown> = {}) =>
  sharedLabSpec({ justification: 'catalog test', ...over });

describe.each(databases.eachSupportedId())('on %s', databaseId => {
  let sim: RunningSimulator;
  let stack: CatalogStack;

  beforeAll(async () => {
    sim = await startSim(5);
    stack = await startCatalogStack({
      catalogKnex: await databases.init(databaseId),
      otherKnex: () => databases.init('SQLITE_3'),
      sim,
      catalogConfig: {
        ownership: {
          pools: { 'team-a': 'group:default/team-a' },
          tags: { infra: 'group:default/infra' },
        },
      },
    });
    await stack.refresh('lab');
    await stack.refresh('edge');
    await stack.waitFor('edge-201', e => e !== undefined);
    await stack.waitFor('lab-103', e => rel(e, 'ownedBy').length > 0);
  });

  afterAll(async () => {
    await stack?.stop();
    await sim?.stop();
  });

  it('emits valid entities with relations for both clusters', async () => {
    const lab = await stack.entities('lab');
    const names = lab.map(e => e.metadata.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'lab',
        'lab-pve1',
        'lab-pve2',
        'lab-pve3',
        'lab-100',
        'lab-101',
        'lab-102',
        'lab-103',
        'lab-sg-web',
      ]),
    );
    expect(names.some(n => n.startsWith('lab-template-'))).toBe(true);
    const types = new Set(lab.map(e => e.spec?.type));
    expect([...types].sort()).toEqual(
      [
        'container',
        'proxmox-cluster',
        'proxmox-node',
        'security-group',
        'virtual-machine',
        'vm-template',
      ].sort(),
    );
    const edge = await stack.entities('edge');
    expect(edge.map(e => e.metadata.name)).toEqual(
      expect.arrayContaining(['edge', 'edge-edge1', 'edge-200', 'edge-201']),
    );

    const web = lab.find(e => e.metadata.name === 'lab-100')!;
    const labUrl = new URL(sim.clusters.find(c => c.name === 'lab')!.url)
      .origin;
    expect(web.metadata.title).toBe('web-01 (lab)');
    expect(web.metadata.annotations).toMatchObject({
      'backstage.io/managed-by-location': 'proxmox:lab',
      'backstage.io/managed-by-origin-location': 'proxmox:lab',
      'backstage.io/view-url': `${labUrl}/#v1:0:=qemu%2F100`,
      'proxmox.com/cluster': 'lab',
      'proxmox.com/vmid': '100',
      'proxmox.com/guest-type': 'qemu',
      'proxmox.com/pool': 'mycopod',
    });
    expect(web.metadata.tags).toEqual(['mycopod', 'web']);
    expect(web.metadata.links?.map(l => l.title)).toEqual([
      'Proxmox UI',
      'Console',
    ]);
    const node = web.metadata.annotations!['proxmox.com/node'];
    expect(rel(web, 'dependsOn')).toEqual([`resource:default/lab-${node}`]);
    const nodeEntity = await stack.entity(`lab-${node}`);
    expect(rel(nodeEntity, 'dependencyOf')).toEqual(
      expect.arrayContaining([
        'resource:default/lab',
        'resource:default/lab-100',
      ]),
    );
    const cluster = await stack.entity('lab');
    expect(rel(cluster, 'dependsOn')).toEqual(
      expect.arrayContaining([
        'resource:default/lab-pve1',
        'resource:default/lab-sg-web',
      ]),
    );
    expect((await stack.entity('lab-103'))?.spec?.type).toBe('container');
    // no live facts
    expect(JSON.stringify(lab)).not.toMatch(/running|stopped|uptime/);
  });

  it('maps owners: pool, tag, default', async () => {
    const owner = async (name: string) =>
      rel(await stack.entity(name), 'ownedBy');
    expect(await owner('lab-102')).toEqual(['group:default/team-a']); // pool team-a
    expect(await owner('lab-103')).toEqual(['group:default/infra']); // tag infra
    expect(await owner('lab-100')).toEqual(['group:default/platform-admins']);
    expect(await owner('edge-200')).toEqual(['group:default/platform-admins']);
  });

  it('changes no entity on a second refresh of an unchanged fleet', async () => {
    const before = await stack.entities();
    await stack.refresh('lab');
    await stack.refresh('edge');
    await new Promise(r => setTimeout(r, 2500));
    const after = await stack.entities();
    expect(after.map(e => [e.metadata.name, e.metadata.etag])).toEqual(
      before.map(e => [e.metadata.name, e.metadata.etag]),
    );
  });

  it('has a VM provisioned through the backend in the catalog within 5 s, owned by its requester, and drops it on removal', async () => {
    const created = await request(stack.server)
      .post('/api/proxmox/requests')
      .set('Authorization', userHeader(DEV))
      .send({ spec: labSpec() });
    expect(created.body).toMatchObject({ state: 'pending' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const approved = await request(stack.server)
      .post(`/api/proxmox/requests/${id}/approve`)
      .set('Authorization', userHeader(ADMIN))
      .send({});
    expect(approved.status).toBe(200);
    let vmid: number | undefined;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const res = await request(stack.server)
        .get(`/api/proxmox/requests/${id}`)
        .set('Authorization', userHeader(DEV));
      if (res.body.state === 'ready') {
        vmid = res.body.guest?.vmid;
        break;
      }
      expect(res.body.state).not.toBe('failed');
      await new Promise(r => setTimeout(r, 50));
    }
    expect(vmid).toBeDefined();
    const readyAt = Date.now();
    const e = await stack.waitFor(
      `lab-${vmid}`,
      x => rel(x, 'ownedBy').length > 0,
      5_000,
    );
    expect(Date.now() - readyAt).toBeLessThan(5_000);
    expect(rel(e, 'ownedBy')).toEqual(['group:default/team-a']);
    expect(e?.metadata.title).toBe('web-42 (lab)');
    expect(e?.metadata.annotations?.['proxmox.com/request-id']).toBe(id);
    expect(e?.metadata.tags).toEqual(expect.arrayContaining(['team-a']));
    // its node and the security group its request attached (labSpec: web)
    expect(rel(e, 'dependsOn')).toEqual([
      expect.stringMatching(/^resource:default\/lab-pve\d$/),
      'resource:default/lab-sg-web',
    ]);

    // removed in Proxmox (behind MycoPod's back), announced by an event
    sim.state.clusters.find(c => c.name === 'lab')!.guests.delete(vmid!);
    await stack.events.publish({
      topic: 'proxmox.guest.removed',
      eventPayload: { cluster: 'lab', vmid },
    });
    await stack.waitFor(`lab-${vmid}`, x => x === undefined, 15_000);
    expect(await stack.entity('lab-100')).toBeDefined();
  });
});
