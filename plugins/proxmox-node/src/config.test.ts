import { ConfigReader } from '@backstage/config';
import {
  describeCluster,
  proxmoxUiUrl,
  readProxmoxClustersConfig,
} from './config';

const SECRET = 'c0ffee00-1111-2222-3333-444455556666';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const valid = {
  name: 'lab',
  url: 'https://pve1.example.com:8006',
  tokenId: 'mycopod@pve!backstage',
  tokenSecret: SECRET,
};

const read = (clusters: unknown) =>
  readProxmoxClustersConfig(new ConfigReader({ proxmox: { clusters } } as any));

describe('readProxmoxClustersConfig', () => {
  it('returns [] when proxmox.clusters is absent', () => {
    expect(readProxmoxClustersConfig(new ConfigReader({}))).toEqual([]);
  });

  it('applies defaults: TLS verified, 8 connections, 30 s requests, 30 min tasks', () => {
    const [c] = read([valid]);
    expect(c).toMatchObject({
      ...valid,
      tlsVerify: true,
      maxConnections: 8,
      timeouts: { requestMs: 30_000, connectMs: 10_000, taskMs: 1_800_000 },
      retry: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 10_000 },
    });
    expect(c.caCert).toBeUndefined();
  });

  it('keeps every documented key', () => {
    const [c] = read([
      {
        ...valid,
        caCert: PEM,
        defaultNode: 'pve1',
        defaultStorage: 'local-lvm',
        defaultBridge: 'vmbr0',
        maxConnections: 4,
        timeouts: { requestMs: 5000 },
        retry: { maxAttempts: 3 },
      },
    ]);
    expect(c).toMatchObject({
      caCert: PEM,
      defaultNode: 'pve1',
      defaultStorage: 'local-lvm',
      defaultBridge: 'vmbr0',
      maxConnections: 4,
      timeouts: { requestMs: 5000, connectMs: 10_000 },
      retry: { maxAttempts: 3, baseDelayMs: 500 },
    });
  });

  it('takes the UI base URL from uiUrl, else from the API origin', () => {
    const [plain, proxied] = read([
      { ...valid, url: 'https://pve1.example.com:8006/api2/json' },
      { ...valid, name: 'edge', uiUrl: 'https://proxy.example.com/pve/' },
    ]);
    expect(describeCluster(plain).uiUrl).toBe('https://pve1.example.com:8006');
    expect(describeCluster(proxied).uiUrl).toBe(
      'https://proxy.example.com/pve',
    );
    expect(proxmoxUiUrl({ url: valid.url, uiUrl: 'http://ui:8080' })).toBe(
      'http://ui:8080',
    );
  });

  it.each([
    [
      'uiUrl',
      { ...valid, uiUrl: 'ftp://pve1' },
      'proxmox.clusters[0].uiUrl: must use https:// or http://',
    ],
    [
      'url http',
      { ...valid, url: 'http://pve1:8006' },
      'proxmox.clusters[0].url: must use https://',
    ],
    ['url relative', { ...valid, url: 'pve1:8006' }, 'proxmox.clusters[0].url'],
    [
      'tokenId',
      { ...valid, tokenId: 'mycopod@pve' },
      'proxmox.clusters[0].tokenId: must look like "user@realm!tokenname"',
    ],
    [
      'tokenSecret',
      { ...valid, tokenSecret: '' },
      'proxmox.clusters[0].tokenSecret: must not be empty',
    ],
    [
      'caCert',
      { ...valid, caCert: 'not a pem' },
      'proxmox.clusters[0].caCert: must be a PEM certificate',
    ],
    [
      'caCert+tlsVerify',
      { ...valid, caCert: PEM, tlsVerify: false },
      'proxmox.clusters[0].tlsVerify: set either caCert',
    ],
    [
      'maxConnections',
      { ...valid, maxConnections: 0 },
      'proxmox.clusters[0].maxConnections',
    ],
    ['name', { ...valid, name: 'bad name' }, 'proxmox.clusters[0].name'],
    ['missing keys', { url: valid.url }, 'proxmox.clusters[0].name'],
  ])('rejects invalid %s with a clear message', (_label, cluster, message) => {
    expect(() => read([cluster])).toThrow(message);
  });

  it('reports all invalid entries and duplicate names at once', () => {
    expect(() => read([valid, { ...valid, url: 'http://x' }, valid])).toThrow(
      /clusters\[1\]\.url.*duplicate cluster name 'lab'/,
    );
  });

  it('rejects a non-list', () => {
    expect(() => read({ lab: valid })).toThrow(
      'proxmox.clusters must be a list',
    );
  });

  it('never echoes the token secret in validation errors', () => {
    const attempts: unknown[] = [
      { ...valid, tokenId: SECRET },
      { ...valid, url: `http://${SECRET}.example.com` },
      { ...valid, name: `${SECRET} x`, url: 'ftp://x', tokenSecret: 12345 },
      { ...valid, tokenSecret: { value: SECRET } },
    ];
    for (const a of attempts) {
      let message = '';
      try {
        read([a]);
      } catch (e) {
        message = `${String(e)} ${(e as Error).stack}`;
      }
      expect(message).toMatch(/Invalid configuration/);
      expect(message).not.toContain(SECRET);
    }
  });
});
