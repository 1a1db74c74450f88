import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { RunningSimulator } from '../simulator';
import { FAST_TIMINGS, startTestSimulator, TestClient } from '../testUtils';
import { decodeUrlencoded } from './server';

const READONLY = {
  tokenId: 'auditor@pve!ro',
  secret: '11111111-2222-3333-4444-555555555555',
};

describe('HTTP layer (pveproxy behaviour)', () => {
  let sim: RunningSimulator;
  let api: TestClient;
  beforeAll(async () => {
    sim = await startTestSimulator({
      tokens: [
        {
          tokenId: 'root@pam!mycopod',
          secret: 'secret-1',
          privileges: 'admin',
        },
        { ...READONLY, privileges: 'readonly' },
      ],
    });
    api = new TestClient(sim);
  });
  afterAll(async () => {
    api.close();
    await sim.stop();
  });

  it('serves HTTPS with a certificate signed by the written CA', async () => {
    const cert = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const s = tls.connect(
        {
          host: '127.0.0.1',
          port: sim.clusters[0].port,
          ca: sim.caCertPem,
          servername: 'localhost',
        },
        () => {
          resolve(s.getPeerCertificate());
          s.end();
        },
      );
      s.on('error', reject);
    });
    expect(cert.subjectaltname).toContain('IP Address:127.0.0.1');
    expect(cert.subjectaltname).toContain('DNS:localhost');
    // without the CA the connection is refused
    await expect(
      new Promise((resolve, reject) => {
        https
          .get(`${sim.clusters[0].url}/api2/json/version`, resolve)
          .on('error', reject);
      }),
    ).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('delays 401 for an unknown token or a bad secret and sends no body', async () => {
    for (const token of [
      { tokenId: 'nobody@pam!x', secret: 'y' },
      { tokenId: 'root@pam!mycopod', secret: 'wrong' },
    ]) {
      const t0 = Date.now();
      const res = await api.get('/version', { token });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(
        FAST_TIMINGS.unauthorizedDelayMs - 5,
      );
      expect(res.status).toBe(401);
      expect(res.reason).toBe('Authentication failed!');
      expect(res.raw).toBe('');
      expect(res.headers.connection).toBe('close');
      expect(res.headers['transfer-encoding']).toBeUndefined();
    }
    const none = await api.get('/version', { token: null });
    expect(none.status).toBe(401);
    expect(none.reason).toBe('No ticket');
  });

  it('answers 403 with PVE permission texts for a read-only token', async () => {
    const ro = { token: READONLY };
    expect((await api.get('/nodes/pve1/qemu/100/config', ro)).status).toBe(200);
    const put = await api.put('/nodes/pve1/qemu/100/config', { cores: 4 }, ro);
    expect(put.status).toBe(403);
    expect(put.reason).toBe(
      'Permission check failed (/vms/100, VM.Config.Disk|VM.Config.CDROM|VM.Config.CPU|VM.Config.Memory|VM.Config.Network|VM.Config.HWType|VM.Config.Options|VM.Config.Cloudinit)',
    );
    expect(put.body).toEqual({ data: null, message: `${put.reason}\n` });
    const start = await api.post('/nodes/pve2/qemu/102/status/start', {}, ro);
    expect(start.reason).toBe(
      'Permission check failed (/vms/102, VM.PowerMgmt)',
    );
    const clone = await api.post(
      '/nodes/pve1/qemu/9000/clone',
      { newid: 555 },
      ro,
    );
    expect(clone.status).toBe(403);
    expect(clone.reason).toBe('Permission check failed (/vms/9000, VM.Clone)');
    // the permission check runs before parameter verification, like rest_handler
    const bad = await api.put('/nodes/pve1/qemu/100/config', { bogus: 1 }, ro);
    expect(bad.status).toBe(403);
  });

  it('answers 501 for unknown routes and HEAD', async () => {
    const unknown = await api.get('/nodes/pve1/foo');
    expect(unknown.status).toBe(501);
    expect(unknown.reason).toBe("Method 'GET /nodes/pve1/foo' not implemented");
    expect(unknown.body.data).toBeNull();
    const wrongMethod = await api.request('PUT', '/version');
    expect(wrongMethod.status).toBe(501);
    const head = await api.request('HEAD', '/version');
    expect(head.status).toBe(501);
    expect(head.reason).toBe("method 'HEAD' not available");
    expect(head.headers['content-length']).toBeUndefined();
    const extjs = await new Promise<IncomingMessage>((resolve, reject) => {
      https
        .get(
          `${sim.clusters[0].url}/api2/extjs/version`,
          {
            agent: api.agent,
            headers: { Authorization: 'PVEAPIToken=root@pam!mycopod=secret-1' },
          },
          r => {
            r.resume();
            resolve(r);
          },
        )
        .on('error', reject);
    });
    expect(extjs.statusCode).toBe(501);
    expect(extjs.statusMessage).toBe('no formatter for uri /version, extjs');
  });

  it('answers 400 with per-parameter errors', async () => {
    const res = await api.get('/cluster/resources?type=pool');
    expect(res.status).toBe(400);
    expect(res.reason).toBe('Parameter verification failed.');
    expect(res.body).toEqual({
      data: null,
      errors: {
        type: "value 'pool' does not have a value in the enumeration 'vm, storage, node, sdn'",
      },
      message: 'Parameter verification failed.\n',
    });
    const bool = await api.put('/nodes/pve1/qemu/100/config', {
      onboot: 'true',
    });
    expect(bool.body.errors).toEqual({
      onboot: "type check ('boolean') failed - got 'true'",
    });
    const arr = await api.request('PUT', '/nodes/pve1/qemu/100/config', {
      body: 'name=a&name=b',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(arr.body.errors).toEqual({
      name: "type check ('string') failed - got ARRAY",
    });
  });

  it('parses form and JSON bodies, merges the query (query wins)', async () => {
    const json = await api.request('PUT', '/nodes/pve1/qemu/100/config', {
      json: { onboot: false, cores: 3 },
    });
    expect(json.status).toBe(200);
    expect(json.body).toEqual({ data: null });
    let cfg = (await api.get('/nodes/pve1/qemu/100/config')).body.data;
    expect(cfg.onboot).toBe(0);
    // running VM: cores is not hot-pluggable by default → pending, visible in GET config
    expect(cfg.cores).toBe(3);
    expect(
      (await api.get('/nodes/pve1/qemu/100/config?current=1')).body.data.cores,
    ).toBe(2);
    const q = await api.request(
      'PUT',
      '/nodes/pve1/qemu/100/config?description=from-query',
      {
        form: { description: 'from-body' },
      },
    );
    expect(q.status).toBe(200);
    cfg = (await api.get('/nodes/pve1/qemu/100/config')).body.data;
    expect(cfg.description).toBe('from-query');
    const pending = (await api.get('/nodes/pve1/qemu/100/pending')).body.data;
    expect(pending.find((p: any) => p.key === 'cores')).toEqual({
      key: 'cores',
      value: 2,
      pending: 3,
    });
  });

  it('rejects a conflicting URI parameter, a GET body and chunked requests', async () => {
    const dup = await api.put('/nodes/pve1/qemu/100/config', {
      vmid: 101,
      cores: 1,
    });
    expect(dup.status).toBe(400);
    expect(dup.body.errors).toEqual({
      vmid: 'duplicate parameter (already defined in URI) with conflicting values!',
    });
    const same = await api.put('/nodes/pve1/qemu/100/config', {
      vmid: 100,
      description: 'same',
    });
    expect(same.status).toBe(200);
    const getBody = await api.request('GET', '/version', { body: 'a=1' });
    expect(getBody.status).toBe(501);
    expect(getBody.reason).toBe("Unexpected content for method 'GET'");
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        `${sim.clusters[0].url}/api2/json/nodes/pve1/qemu/100/config`,
        {
          method: 'PUT',
          agent: api.agent,
          headers: {
            Authorization: `PVEAPIToken=root@pam!mycopod=secret-1`,
            'Transfer-Encoding': 'chunked',
          },
        },
        res => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.write('cores=2');
      req.end();
    });
    expect(chunked).toBe(501);
    const ct = await api.request('POST', '/nodes/pve1/qemu/100/config', {
      body: 'x',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(ct.status).toBe(506);
  });

  it('supports ticket + CSRF authentication', async () => {
    const login = await api.post(
      '/access/ticket',
      { username: 'root@pam', password: 'mycopod' },
      { token: null },
    );
    expect(login.status).toBe(200);
    const { ticket, CSRFPreventionToken } = login.body.data;
    expect(ticket).toMatch(/^PVE:root@pam:[0-9A-F]{8}::/);
    const cookie = { Cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}` };
    expect(
      (await api.get('/version', { token: null, headers: cookie })).status,
    ).toBe(200);
    const noCsrf = await api.put(
      '/nodes/pve1/qemu/100/config',
      { description: 'x' },
      { token: null, headers: cookie },
    );
    expect(noCsrf.status).toBe(401);
    expect(noCsrf.reason).toBe('Permission denied - invalid csrf token');
    const withCsrf = await api.put(
      '/nodes/pve1/qemu/100/config',
      { description: 'x' },
      {
        token: null,
        headers: { ...cookie, CSRFPreventionToken },
      },
    );
    expect(withCsrf.status).toBe(200);
    const bad = await api.post(
      '/access/ticket',
      { username: 'root@pam', password: 'nope' },
      { token: null },
    );
    expect(bad.status).toBe(401);
    expect(bad.reason).toBe('authentication failure');
  });

  it('answers a node-scoped call for an unknown node with the hostname lookup error', async () => {
    const res = await api.get('/nodes/nosuchnode/qemu');
    expect(res.status).toBe(500);
    expect(res.reason).toBe(
      "hostname lookup 'nosuchnode' failed - failed to get address info for: nosuchnode: Name or service not known",
    );
  });

  it('closes a keep-alive connection after 100 requests like pveproxy', async () => {
    const agent = new https.Agent({
      ca: sim.caCertPem,
      keepAlive: true,
      maxSockets: 1,
    });
    const sockets = new Set<unknown>();
    const connection: string[] = [];
    const versionUrl = `${sim.clusters[0].url}/api2/json/version`;
    try {
      for (let i = 0; i < 101; i++) {
        await new Promise<void>((resolve, reject) => {
          https
            .get(
              versionUrl,
              {
                agent,
                headers: {
                  Authorization: 'PVEAPIToken=root@pam!mycopod=secret-1',
                },
              },
              r => {
                sockets.add(r.socket);
                connection.push(String(r.headers.connection));
                expect(r.headers['keep-alive']).toBeUndefined();
                r.resume();
                r.on('end', () => resolve());
              },
            )
            .on('error', reject);
        });
      }
    } finally {
      agent.destroy();
    }
    expect(connection.slice(0, 99).every(c => c === 'Keep-Alive')).toBe(true);
    expect(connection[99]).toBe('close');
    expect(connection[100]).toBe('Keep-Alive');
    expect(sockets.size).toBe(2);
  });

  it('gzips large bodies only when asked to', async () => {
    const plain = await api.get('/cluster/resources');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const gz = await new Promise<IncomingMessage>((resolve, reject) => {
      https
        .get(
          `${sim.clusters[0].url}/api2/json/cluster/resources`,
          {
            agent: api.agent,
            headers: {
              Authorization: 'PVEAPIToken=root@pam!mycopod=secret-1',
              'Accept-Encoding': 'gzip',
            },
          },
          r => {
            r.resume();
            resolve(r);
          },
        )
        .on('error', reject);
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
  });
});

describe('decodeUrlencoded', () => {
  it('behaves like AnyEvent.pm decode_urlencoded', () => {
    expect(decodeUrlencoded('a=1&b=x+y;c=%C3%A4&a=2&d')).toEqual({
      a: ['1', '2'],
      b: 'x y',
      c: 'ä',
      d: undefined,
    });
    // an unescaped '=' in a value truncates it (split /=/ keeps the first two parts)
    expect(decodeUrlencoded('net0=virtio,bridge=vmbr0')).toEqual({
      net0: 'virtio,bridge',
    });
  });
});
