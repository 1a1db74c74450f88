/*
 * The call observer (metrics hook) and the console deep link, over real
 * HTTPS to @mycopod/pve-simulator.
 */
import { startSimulator } from '@mycopod/pve-simulator';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import { ProxmoxApiError } from './errors';
import type { ProxmoxCallObservation } from './http';
import { ProxmoxClient } from './ProxmoxClient';

jest.setTimeout(30_000);

let sim: RunningSimulator;
let client: ProxmoxClient;

beforeAll(async () => {
  sim = await startSimulator({
    fleet: 'demo',
    seed: 3,
    timings: { taskMs: 30, unauthorizedDelayMs: 10 },
  });
  client = new ProxmoxClient({
    cluster: {
      name: 'lab',
      url: sim.clusters[0].url,
      tokenId: sim.token.tokenId,
      tokenSecret: sim.token.secret,
      caCert: sim.caCertPem,
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    },
  });
});
afterAll(async () => {
  await client?.close();
  await sim?.stop();
});
afterEach(() => sim.setFaults(undefined));

describe('ProxmoxApi.observe', () => {
  it('reports every HTTP exchange with its route template, status and duration', async () => {
    const seen: ProxmoxCallObservation[] = [];
    const stop = client.observe(o => seen.push(o));
    await client.getVmStatus({ node: 'pve1', vmid: 100 });
    await expect(
      client.getVmStatus({ node: 'pve1', vmid: 4242 }),
    ).rejects.toBeInstanceOf(ProxmoxApiError);
    stop();
    await client.getVersion();

    expect(seen).toEqual([
      {
        cluster: 'lab',
        endpoint: 'qemuStatus',
        method: 'GET',
        route: '/nodes/{node}/qemu/{vmid}/status/current',
        status: 200,
        durationMs: expect.any(Number),
      },
      {
        cluster: 'lab',
        endpoint: 'qemuStatus',
        method: 'GET',
        route: '/nodes/{node}/qemu/{vmid}/status/current',
        status: 500,
        errorKind: 'http',
        durationMs: expect.any(Number),
      },
    ]);
    // no parameter values, no credentials
    expect(JSON.stringify(seen)).not.toContain('4242');
    expect(JSON.stringify(seen)).not.toContain(sim.token.secret);
  });

  it('reports each retried attempt, and survives an observer that throws', async () => {
    const seen: ProxmoxCallObservation[] = [];
    const stops = [
      client.observe(() => {
        throw new Error('broken observer');
      }),
      client.observe(o => seen.push(o)),
    ];
    sim.setFaults({
      routes: [{ path: '/version', rate: 1, kinds: ['503'] }],
    });
    await expect(client.getVersion()).rejects.toMatchObject({ status: 503 });
    sim.setFaults(undefined);
    await expect(client.getVersion()).resolves.toBeDefined();
    stops.forEach(s => s());
    expect(seen.map(o => [o.route, o.status, o.errorKind])).toEqual([
      ['/version', 503, 'http'],
      ['/version', 503, 'http'],
      ['/version', 503, 'http'],
      ['/version', 200, undefined],
    ]);
  });
});

describe('ProxmoxApi.consoleUrl', () => {
  it('links the noVNC console of a VM or container in the Proxmox UI', () => {
    const base = new URL(sim.clusters[0].url).origin;
    expect(
      client.consoleUrl({
        node: 'pve1',
        vmid: 100,
        type: 'qemu',
        name: 'web-01',
      }),
    ).toBe(
      `${base}/?console=kvm&novnc=1&vmid=100&vmname=web-01&node=pve1&resize=off&cmd=`,
    );
    const lxc = new URL(
      client.consoleUrl({ node: 'pve2', vmid: 103, type: 'lxc' }),
    );
    expect(lxc.searchParams.get('console')).toBe('lxc');
    expect(lxc.searchParams.get('node')).toBe('pve2');
  });

  it('uses the configured uiUrl', () => {
    const proxied = new ProxmoxClient({
      cluster: {
        name: 'lab',
        url: sim.clusters[0].url,
        uiUrl: 'https://pve.example.com/ui/',
        tokenId: sim.token.tokenId,
        tokenSecret: sim.token.secret,
        caCert: sim.caCertPem,
      },
    });
    expect(
      proxied.consoleUrl({ node: 'pve1', vmid: 100, type: 'qemu' }),
    ).toMatch(/^https:\/\/pve\.example\.com\/ui\/\?console=kvm&/);
    return proxied.close();
  });
});
