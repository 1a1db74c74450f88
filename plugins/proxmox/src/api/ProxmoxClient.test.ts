import { ProxmoxClient } from './ProxmoxClient';
import { ProxmoxApiError } from './ProxmoxApiError';

function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: '',
    headers: new Headers(headers),
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

  it('starts guest actions on the guest routes and returns their task', async () => {
    const task = { upid: 'UPID:n1:1', status: 'running' };
    const { c, fetch } = client(
      jsonResponse(202, task),
      jsonResponse(202, task),
      jsonResponse(202, task),
      jsonResponse(202, task),
      jsonResponse(200, { ...task, status: 'ok' }),
      jsonResponse(200, { items: [{ name: 'before-upgrade' }] }),
    );
    expect(
      await c.powerGuest('lab', 104, 'shutdown', { timeoutSeconds: 30 }),
    ).toEqual(task);
    await c.createSnapshot('lab', 104, { name: 'pre', includeRam: true });
    await c.rollbackSnapshot('lab', 104, 'pre');
    await c.deleteSnapshot('lab', 104, 'pre');
    expect((await c.getGuestTask('lab', 104, 'UPID:n1:1')).status).toBe('ok');
    expect(await c.listSnapshots('lab', 104)).toEqual([
      { name: 'before-upgrade' },
    ]);
    const calls = fetch.mock.calls.map(([url, init]) => [
      init.method,
      url,
      init.body && JSON.parse(init.body),
    ]);
    expect(calls).toEqual([
      [
        'POST',
        'plugin://proxmox/guests/lab/104/power',
        { action: 'shutdown', timeoutSeconds: 30 },
      ],
      [
        'POST',
        'plugin://proxmox/guests/lab/104/snapshots',
        { name: 'pre', includeRam: true },
      ],
      ['POST', 'plugin://proxmox/guests/lab/104/snapshots/pre/rollback', {}],
      ['DELETE', 'plugin://proxmox/guests/lab/104/snapshots/pre', undefined],
      ['GET', 'plugin://proxmox/guests/lab/104/tasks/UPID%3An1%3A1', undefined],
      ['GET', 'plugin://proxmox/guests/lab/104/snapshots', undefined],
    ]);
  });

  it('files day-2 requests for a guest', async () => {
    const { c, fetch } = client(
      jsonResponse(201, { id: 'r', kind: 'resize', state: 'pending' }),
    );
    const created = await c.fileGuestRequest('lab', 104, {
      kind: 'resize',
      memoryMiB: 8192,
    });
    expect(created.kind).toBe('resize');
    expect(fetch.mock.calls[0][0]).toBe(
      'plugin://proxmox/guests/lab/104/requests',
    );
    expect(JSON.parse(fetch.mock.calls[0][1].body)).toEqual({
      kind: 'resize',
      memoryMiB: 8192,
    });
  });

  it('asks for a console ticket with an empty body; 409 and 403 as typed errors', async () => {
    const ticket = {
      ticket: 'x'.repeat(43),
      expiresAt: '2026-12-03T10:00:30.000Z',
      socketPath: '/console/socket',
      guest: { cluster: 'lab', vmid: 104, node: 'pve1', type: 'qemu' },
      idleTimeoutMs: 1,
      maxSessionMs: 2,
    };
    const { c, fetch } = client(
      jsonResponse(201, ticket),
      jsonResponse(409, { error: { message: 'Guest lab/104 is not running' } }),
      jsonResponse(403, { error: { message: 'You may not' } }),
    );
    expect(await c.createConsoleTicket('lab', 104)).toEqual(ticket);
    expect(fetch.mock.calls[0][0]).toBe(
      'plugin://proxmox/guests/lab/104/console',
    );
    expect(fetch.mock.calls[0][1]).toMatchObject({
      method: 'POST',
      body: '{}',
    });
    await expect(c.createConsoleTicket('lab', 104)).rejects.toMatchObject({
      status: 409,
      message: 'Guest lab/104 is not running',
    });
    await expect(c.createConsoleTicket('lab', 104)).rejects.toMatchObject({
      status: 403,
    });
  });

  it('reads when to retry from a 429, in the header or the body', async () => {
    const { c } = client(
      jsonResponse(
        429,
        { error: { name: 'TooManyRequests', message: 'Slow down' } },
        { 'Retry-After': '17' },
      ),
      jsonResponse(429, { retryAfterMs: 2500 }),
      jsonResponse(429, {}),
    );
    const header = await c.powerGuest('lab', 104, 'start').catch(e => e);
    expect(header.status).toBe(429);
    expect(header.retryAfterSeconds).toBe(17);
    expect(header.messages).toEqual(['Slow down']);
    const body = await c.powerGuest('lab', 104, 'start').catch(e => e);
    expect(body.retryAfterSeconds).toBe(3);
    const none = await c.powerGuest('lab', 104, 'start').catch(e => e);
    expect(none.retryAfterSeconds).toBeUndefined();
    expect(none.messages).toEqual(['Too many requests']);
  });
});
