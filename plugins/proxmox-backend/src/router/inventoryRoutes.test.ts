import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import express from 'express';
import Router from 'express-promise-router';
import request from 'supertest';
import { InventoryService } from '../inventory/InventoryService';
import {
  simulatorClusters,
  startDemoSimulator,
} from '../inventory/__testUtils__/simulator';
import { addInventoryRoutes, PolicyChoices } from './inventoryRoutes';

jest.setTimeout(60_000);

const SERVICE = mockCredentials.service.header({
  onBehalfOf: mockCredentials.service('plugin:catalog'),
  targetPluginId: 'proxmox',
});
const USER = mockCredentials.user.header('user:default/alice');

let sim: RunningSimulator;
let clusters: ReturnType<typeof simulatorClusters>;
let app: express.Express;
const policyChoices = jest.fn<
  ReturnType<PolicyChoices>,
  Parameters<PolicyChoices>
>();

beforeAll(async () => {
  sim = await startDemoSimulator();
  clusters = simulatorClusters([
    { name: 'lab', sim },
    { name: 'edge', sim },
  ]);
  const inventory = new InventoryService({
    clusters,
    logger: mockServices.logger.mock(),
    cacheTtlMs: 0,
    guestOwners: async () => new Map(),
  });
  const router = Router();
  router.use(express.json());
  addInventoryRoutes(router, {
    inventory,
    httpAuth: mockServices.httpAuth({ pluginId: 'proxmox' }),
    policyChoices,
  });
  app = express().use(router).use(mockErrorHandler());
});

beforeEach(() => {
  policyChoices.mockReset();
  policyChoices.mockResolvedValue({
    allowed: {
      templates: ['*'],
      networks: ['vmbr0', 'vnet100'],
      securityGroups: ['web'],
    },
    sizePresets: [{ name: 'small', cores: 1, memoryMiB: 2048, diskGiB: 16 }],
    lease: { defaultDays: 14, maxDays: 90 },
    limits: { maxCores: 8, maxMemoryMiB: 32768, maxDiskGiB: 500 },
  });
});

afterAll(async () => {
  await clusters?.close();
  await sim?.stop();
});

describe('GET /options', () => {
  it('answers the choices of the default cluster, filtered by policy', async () => {
    const res = await request(app)
      .get('/options?owner=group:default/team-a')
      .set('Authorization', USER)
      .expect(200);
    expect(policyChoices).toHaveBeenCalledTimes(1);
    const [credentials, owner] = policyChoices.mock.calls[0];
    expect(credentials.principal).toMatchObject({
      type: 'user',
      userEntityRef: 'user:default/alice',
    });
    expect(owner).toBe('group:default/team-a');
    expect(res.body).toMatchObject({
      cluster: 'lab',
      clusters: [
        { name: 'lab', default: true },
        { name: 'edge', default: false },
      ],
      templates: [
        { vmid: 9000, name: 'ubuntu-24.04-cloudinit', diskGiB: 3.5 },
        { vmid: 9001, name: 'debian-12-cloudinit', diskGiB: 3 },
      ],
      bridges: ['vmbr0'],
      vnets: ['vnet100'],
      securityGroups: ['web'],
      lease: { defaultDays: 14, maxDays: 90 },
    });
    expect(res.body.nodes.map((n: { name: string }) => n.name)).toEqual([
      'pve1',
      'pve2',
      'pve3',
    ]);
  });

  it('answers another cluster', async () => {
    const res = await request(app)
      .get('/options?cluster=edge')
      .set('Authorization', USER)
      .expect(200);
    expect(res.body.cluster).toBe('edge');
    expect(policyChoices.mock.calls[0][1]).toBeUndefined();
  });

  it('answers 404 for an unknown cluster', async () => {
    const res = await request(app)
      .get('/options?cluster=nowhere')
      .set('Authorization', USER)
      .expect(404);
    expect(res.body.error).toMatchObject({
      name: 'NotFoundError',
      message: "No Proxmox cluster named 'nowhere' is configured",
    });
  });

  it('answers 400 naming each invalid field', async () => {
    const res = await request(app)
      .get('/options')
      .query({ cluster: 'not a cluster!', owner: 'alice' })
      .set('Authorization', USER)
      .expect(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.body.error.message).toContain('cluster: must be a cluster name');
    expect(res.body.error.message).toContain(
      'owner: must be a group entity ref',
    );
    await request(app)
      .get('/options?color=blue')
      .set('Authorization', USER)
      .expect(400);
    expect(policyChoices).not.toHaveBeenCalled();
  });

  it('is for users only', async () => {
    const res = await request(app)
      .get('/options')
      .set('Authorization', SERVICE)
      .expect(403);
    expect(res.body.error.name).toBe('NotAllowedError');
    await request(app)
      .get('/options')
      .set('Authorization', mockCredentials.none.header())
      .expect(401);
  });
});

describe('GET /inventory', () => {
  it('is for services only', async () => {
    const res = await request(app)
      .get('/inventory')
      .set('Authorization', USER)
      .expect(403);
    expect(res.body.error.name).toBe('NotAllowedError');
    await request(app)
      .get('/inventory')
      .set('Authorization', mockCredentials.none.header())
      .expect(401);
  });

  it('answers the inventory with an ETag and 304 when it is unchanged', async () => {
    const first = await request(app)
      .get('/inventory')
      .set('Authorization', SERVICE)
      .expect(200);
    expect(first.headers['cache-control']).toBe('no-cache');
    expect(first.body.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.headers.etag).toBe(`"${first.body.hash}"`);
    expect(first.body.clusters.map((c: { name: string }) => c.name)).toEqual([
      'lab',
      'edge',
    ]);

    const again = await request(app)
      .get('/inventory')
      .set('Authorization', SERVICE)
      .set('If-None-Match', first.headers.etag)
      .expect(304);
    expect(again.text).toBeFalsy();
    expect(again.headers.etag).toBe(first.headers.etag);

    // a stale ETag gets the full answer
    await request(app)
      .get('/inventory')
      .set('Authorization', SERVICE)
      .set('If-None-Match', '"0000"')
      .expect(200);
  });
});
