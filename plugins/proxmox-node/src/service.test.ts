import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  ServiceFactoryTester,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { NotFoundError } from '@backstage/errors';
import { startSimulator } from '@mycopod/pve-simulator';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { CapturedLog, captureLogger } from './__testUtils__/logger';
import { ProxmoxClient } from './ProxmoxClient';
import {
  ProxmoxClusters,
  proxmoxClustersServiceFactory,
  proxmoxClustersServiceRef,
} from './service';

jest.setTimeout(30_000);

let sim: RunningSimulator;
let logs: CapturedLog[];

function config() {
  return {
    proxmox: {
      clusters: [
        {
          name: 'lab',
          url: sim.clusters[0].url,
          tokenId: sim.token.tokenId,
          tokenSecret: sim.token.secret,
          caCert: sim.caCertPem,
          defaultNode: 'pve1',
          defaultStorage: 'local-lvm',
          defaultBridge: 'vmbr0',
        },
        {
          name: 'edge',
          url: sim.clusters[1].url,
          tokenId: sim.token.tokenId,
          tokenSecret: sim.token.secret,
          tlsVerify: false,
        },
      ],
    },
  };
}

const rootLoggerFactory = () =>
  createServiceFactory({
    service: coreServices.rootLogger,
    deps: {},
    factory: () => captureLogger(logs),
  });

beforeAll(async () => {
  sim = await startSimulator({ fleet: 'demo', seed: 3 });
});
afterAll(async () => {
  await sim?.stop();
});
beforeEach(() => {
  logs = [];
});

describe('proxmoxClustersServiceRef', () => {
  it('exposes one client per configured cluster, sharing pools and VMID claims across plugins', async () => {
    const tester = ServiceFactoryTester.from(proxmoxClustersServiceFactory, {
      dependencies: [
        mockServices.rootConfig.factory({ data: config() }),
        rootLoggerFactory(),
      ],
    });
    const a = await tester.getSubject('plugin-a');
    const b = await tester.getSubject('plugin-b');
    expect(a.list()).toEqual(['lab', 'edge']);
    const lab = a.get('lab');
    expect(lab).toBeInstanceOf(ProxmoxClient);
    expect(lab.cluster).toEqual({
      name: 'lab',
      url: sim.clusters[0].url,
      uiUrl: new URL(sim.clusters[0].url).origin,
      tokenId: sim.token.tokenId,
      tlsVerify: true,
      hasCaCert: true,
      defaultNode: 'pve1',
      defaultStorage: 'local-lvm',
      defaultBridge: 'vmbr0',
    });
    expect(lab.cluster).not.toHaveProperty('tokenSecret');

    await expect(lab.getVersion()).resolves.toMatchObject({
      release: expect.stringMatching(/^8\./),
    });
    const edgeNodes = await b.get('edge').listNodes();
    expect(edgeNodes.map(n => n.node).sort()).toEqual(['edge1', 'edge2']);

    // claims are shared per cluster between plugins of one process
    const id = await a.get('lab').allocateVmid({ start: 500 });
    const other = await b.get('lab').allocateVmid({ start: 500 });
    expect(id).toBe(500);
    expect(other).toBe(501);
    a.get('lab').releaseVmid(id);
    b.get('lab').releaseVmid(other);

    expect(() => a.get('nope')).toThrow(NotFoundError);
    expect(() => a.get('nope')).toThrow(
      "No Proxmox cluster named 'nope' is configured",
    );

    expect(
      logs.some(
        l =>
          l.level === 'info' &&
          /Proxmox clusters configured: lab, edge/.test(l.message),
      ),
    ).toBe(true);
    expect(
      logs.filter(
        l =>
          l.level === 'warn' &&
          /'edge': TLS certificate verification is DISABLED/.test(l.message),
      ),
    ).toHaveLength(1); // once per process, not per plugin
  });

  it('fails startup with a clear message on invalid config', async () => {
    const bad = config();
    (bad.proxmox.clusters[0] as any).url = 'http://insecure:8006';
    const tester = ServiceFactoryTester.from(proxmoxClustersServiceFactory, {
      dependencies: [
        mockServices.rootConfig.factory({ data: bad }),
        rootLoggerFactory(),
      ],
    });
    await expect(tester.getSubject()).rejects.toThrow(
      /proxmox\.clusters\[0\]\.url: must use https:\/\//,
    );
  });

  it('is available to plugins without registering a factory (default factory)', async () => {
    let seen: ProxmoxClusters | undefined;
    const probe = createBackendPlugin({
      pluginId: 'probe',
      register(env) {
        env.registerInit({
          deps: { clusters: proxmoxClustersServiceRef },
          async init({ clusters }) {
            seen = clusters;
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [probe, mockServices.rootConfig.factory({ data: config() })],
    });
    try {
      expect(seen?.list()).toEqual(['lab', 'edge']);
      await expect(seen!.get('lab').listNodes()).resolves.toHaveLength(3);
    } finally {
      await backend.stop();
    }
  });
});
