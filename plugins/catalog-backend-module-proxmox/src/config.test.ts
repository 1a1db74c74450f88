import { ConfigReader } from '@backstage/config';
import { readProviderConfig } from './config';

describe('readProviderConfig', () => {
  const read = (clusters: unknown[]) =>
    readProviderConfig(new ConfigReader({ proxmox: { clusters } } as any));

  it('links the Proxmox UI at the uiUrl of a cluster, else at the origin of its url', () => {
    const { clusters } = read([
      { name: 'lab', url: 'https://pve1.example.com:8006/api2/json' },
      {
        name: 'edge',
        url: 'https://10.0.0.5:8006',
        uiUrl: 'https://proxy.example.com/pve/',
      },
    ]);
    expect(clusters).toEqual([
      { name: 'lab', uiUrl: 'https://pve1.example.com:8006' },
      { name: 'edge', uiUrl: 'https://proxy.example.com/pve' },
    ]);
  });

  it('names the key that is not a URL', () => {
    expect(() =>
      read([{ name: 'lab', url: 'https://pve1:8006', uiUrl: 'nope' }]),
    ).toThrow('proxmox.clusters[lab].uiUrl is not a URL');
  });
});
