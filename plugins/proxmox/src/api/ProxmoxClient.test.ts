import { ProxmoxClient } from './ProxmoxClient';
import { ProxmoxApiError } from './ProxmoxApiError';

function jsonResponse(status: number, body: unknown): Response {
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: '',
    json: async () => body,
  } as Response;
}

function client(...responses: Response[]) {
  const fetch = jest.fn();
  responses.forEach(r => fetch.mockResolvedValueOnce(r));
  let now = 0;
  const c = new ProxmoxClient({ fetchApi: { fetch }, now: () => now });
  return { c, fetch, tick: (ms: number) => (now += ms) };
}

describe('ProxmoxClient', () => {
  it('lists with view, states, cursor and limit through plugin://', async () => {
    const { c, fetch } = client(
      jsonResponse(200, { items: [], nextCursor: 'abc' }),
    );
    const list = await c.listRequests({
      view: 'all',
      state: ['pending', 'approved'],
      cursor: 'xyz',
      limit: 25,
    });
    expect(list.nextCursor).toBe('abc');
    expect(fetch.mock.calls[0][0]).toBe(
      'plugin://proxmox/requests?view=all&state=pending%2Capproved&cursor=xyz&limit=25',
    );
  });

  it('posts decisions with a trimmed comment', async () => {
    const { c, fetch } = client(
      jsonResponse(200, { id: 'r' }),
      jsonResponse(200, {}),
    );
    await c.reject('r 1', '  too big ');
    expect(fetch.mock.calls[0][0]).toBe(
      'plugin://proxmox/requests/r%201/reject',
    );
    expect(JSON.parse(fetch.mock.calls[0][1].body)).toEqual({
      comment: 'too big',
    });
    await c.approve('r2');
    expect(JSON.parse(fetch.mock.calls[1][1].body)).toEqual({});
  });

  it('turns a 400 with fields into a typed error carrying the field messages', async () => {
    const { c } = client(
      jsonResponse(400, {
        error: { name: 'InputError', message: 'Invalid request' },
        fields: [{ field: 'spec.name', message: 'must be a DNS label' }],
      }),
    );
    const error = await c.validate({}).catch(e => e);
    expect(error).toBeInstanceOf(ProxmoxApiError);
    expect(error.status).toBe(400);
    expect(error.fields).toEqual([
      { field: 'spec.name', message: 'must be a DNS label' },
    ]);
    expect(error.messages).toEqual(['spec.name: must be a DNS label']);
  });

  it('carries findings and the request of a 409', async () => {
    const { c } = client(
      jsonResponse(409, {
        error: { name: 'ConflictError', message: 'Approval refused' },
        request: { id: 'r', state: 'rejected' },
        findings: [{ level: 'error', message: 'quota exceeded' }],
      }),
    );
    const error = await c.approve('r').catch(e => e);
    expect(error.status).toBe(409);
    expect(error.request.state).toBe('rejected');
    expect(error.messages).toEqual(['quota exceeded']);
  });

  it('survives a body that is not JSON', async () => {
    const { c } = client({
      ok: false,
      status: 404,
      statusText: 'Not Found',
      json: async () => {
        throw new Error('no json');
      },
    } as unknown as Response);
    const error = await c.getRequest('x').catch(e => e);
    expect(error.messages).toEqual(['Not found, or you may not see it']);
  });

  it('caches options per cluster for a while, and not failures', async () => {
    const { c, fetch, tick } = client(
      jsonResponse(200, { cluster: 'a' }),
      jsonResponse(200, { cluster: 'b' }),
      jsonResponse(500, {}),
      jsonResponse(200, { cluster: 'c' }),
      jsonResponse(200, { cluster: 'a2' }),
    );
    expect(await c.getOptions('a')).toEqual({ cluster: 'a' });
    expect(await c.getOptions('a')).toEqual({ cluster: 'a' });
    expect(await c.getOptions('b')).toEqual({ cluster: 'b' });
    await expect(c.getOptions('c')).rejects.toThrow();
    expect(await c.getOptions('c')).toEqual({ cluster: 'c' });
    tick(60_000);
    expect(await c.getOptions('a')).toEqual({ cluster: 'a2' });
    expect(fetch.mock.calls.map(x => x[0])).toEqual([
      'plugin://proxmox/options?cluster=a',
      'plugin://proxmox/options?cluster=b',
      'plugin://proxmox/options?cluster=c',
      'plugin://proxmox/options?cluster=c',
      'plugin://proxmox/options?cluster=a',
    ]);
  });

  it('reads live guest, node and cluster facts with encoded path segments', async () => {
    const { c, fetch } = client(
      jsonResponse(200, { vmid: 123, status: 'running', ipAddresses: [] }),
      jsonResponse(200, { node: 'n 1', storages: [], guests: [] }),
      jsonResponse(200, { cluster: 'pve/1', nodes: [], totals: {} }),
    );
    expect((await c.getGuest('pve1', 123)).status).toBe('running');
    expect((await c.getNode('pve1', 'n 1')).node).toBe('n 1');
    expect((await c.getCluster('pve/1')).cluster).toBe('pve/1');
    expect(fetch.mock.calls.map(call => call[0])).toEqual([
      'plugin://proxmox/guests/pve1/123',
      'plugin://proxmox/nodes/pve1/n%201',
      'plugin://proxmox/clusters/pve%2F1',
    ]);
    expect(fetch.mock.calls[0][1]).toMatchObject({ method: 'GET' });
  });

  it('never caches live guest status', async () => {
    const { c, fetch } = client(
      jsonResponse(200, { status: 'running' }),
      jsonResponse(200, { status: 'stopped' }),
    );
    expect((await c.getGuest('pve1', 7)).status).toBe('running');
    expect((await c.getGuest('pve1', 7)).status).toBe('stopped');
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('turns 403 and 404 of live reads into typed errors', async () => {
    const { c } = client(
      jsonResponse(403, {
        error: { name: 'NotAllowedError', message: 'Unauthorized' },
      }),
      jsonResponse(404, {}),
      jsonResponse(404, {
        error: { name: 'NotFoundError', message: 'No cluster pve9' },
      }),
    );
    const denied = await c.getGuest('pve1', 123).catch(e => e);
    expect(denied).toBeInstanceOf(ProxmoxApiError);
    expect(denied.status).toBe(403);
    const missing = await c.getNode('pve1', 'n9').catch(e => e);
    expect(missing.status).toBe(404);
    expect(missing.message).toBe('Not found, or you may not see it');
    const cluster = await c.getCluster('pve9').catch(e => e);
    expect(cluster.messages).toEqual(['No cluster pve9']);
  });

  it('refuses empty path segments instead of calling another route', async () => {
    const { c, fetch } = client();
    await expect(c.getNode('pve1', '')).rejects.toThrow(TypeError);
    await expect(c.getCluster('')).rejects.toThrow(TypeError);
    expect(fetch).not.toHaveBeenCalled();
  });
});
