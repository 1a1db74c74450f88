/*
 * Contract: every request the client can build, over its whole parameter
 * surface, is valid for the official PVE 8.4 schema (names, types, formats,
 * enums, required). The PVE-faithful validator comes from
 * @mycopod/pve-simulator.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  findPveSchemaMethod,
  validatePveParameters,
} from '@mycopod/pve-simulator';
import type { z } from 'zod';
import { sharedDir } from './__testUtils__/shared';
import {
  ENDPOINTS,
  EndpointDef,
  EndpointId,
  EndpointInput,
  buildRequest,
} from './endpoints';
import { decodeForm } from './wire';

type Examples = {
  [K in EndpointId]: Array<EndpointInput<(typeof ENDPOINTS)[K]>>;
};

function fill<P extends string>(
  prefix: P,
  count: number,
  value: (i: number) => string,
) {
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) out[`${prefix}${i}`] = value(i);
  return out as { [K in `${P}${number}`]: string };
}

const guest = { node: 'pve1', vmid: 100 };
const upid =
  'UPID:pve1:00000ACD:00006AE8:679A423B:qmclone:112:mycopod@pve!backstage:';
const digest = 'a2019681a11059dc5602d474c3443b907db213b7';
const vncticket = 'Ab3!x#1y:PVEVNC:67A1B2C3::c2lnbmF0dXJlK29mK3RoZStub2RlLz09';

const fullVmConfig = {
  name: 'web-01.example.com',
  description: 'MycoPod request r-123\nowner: group:default/team-a',
  tags: ['mycopod', 'team-a', 'env.prod'],
  memory: 2048,
  balloon: 1024,
  cores: 2,
  sockets: 1,
  vcpus: 2,
  cpu: 'x86-64-v2-AES',
  cpulimit: 1.5,
  cpuunits: 1024,
  numa: false,
  onboot: true,
  protection: false,
  agent: 'enabled=1,fstrim_cloned_disks=1',
  ostype: 'l26',
  boot: 'order=scsi0;ide2;net0',
  scsihw: 'virtio-scsi-single',
  bios: 'ovmf' as const,
  machine: 'q35',
  vga: 'serial0',
  startup: 'order=1,up=30',
  ciuser: 'ubuntu',
  cipassword: 'correct horse battery staple',
  citype: 'nocloud' as const,
  ciupgrade: false,
  cicustom: 'user=local:snippets/user.yaml',
  sshkeys: [
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT alice@example.com',
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC/x+y= bob@example.com',
  ],
  nameserver: '1.1.1.1 2606:4700:4700::1111',
  searchdomain: 'example.com',
  ...fill('ipconfig', 32, i =>
    i === 0 ? 'ip=10.0.0.5/24,gw=10.0.0.1,ip6=auto' : 'ip=dhcp',
  ),
  ...fill(
    'net',
    32,
    i =>
      `virtio=BC:24:11:00:00:${(i + 16)
        .toString(16)
        .toUpperCase()},bridge=vmbr0,firewall=1,tag=${i + 2}`,
  ),
  ...fill(
    'scsi',
    31,
    i => `local-lvm:vm-100-disk-${i},discard=on,iothread=1,size=32G`,
  ),
  ...fill('virtio', 16, i => `local-lvm:vm-100-disk-${i + 40},size=8G`),
  ...fill('sata', 6, i => `local-lvm:vm-100-disk-${i + 60},size=4G`),
  ...fill('ide', 4, i =>
    i === 2 ? 'local-lvm:cloudinit,media=cdrom' : 'none,media=cdrom',
  ),
  ...fill('serial', 4, () => 'socket'),
  efidisk0: 'local-lvm:vm-100-disk-99,efitype=4m,pre-enrolled-keys=1,size=1M',
};

const EXAMPLES: Examples = {
  version: [{}],
  nodes: [{}],
  nodeStatus: [{ node: 'pve1' }],
  clusterResources: [{ type: 'vm' }, {}],
  clusterStatus: [{}],
  nextId: [{ vmid: 100 }, { vmid: 999_999_999 }, {}],
  qemuList: [{ node: 'pve1', full: true }],
  qemuCreate: [
    {
      ...guest,
      ...fullVmConfig,
      agent: true,
      pool: 'dev',
      storage: 'local-lvm',
      start: true,
    },
  ],
  qemuConfigGet: [{ ...guest, current: true, snapshot: 'before-upgrade' }],
  qemuConfigUpdate: [
    {
      ...guest,
      ...fullVmConfig,
      delete: ['unused0', 'net31'],
      revert: ['cores'],
      digest,
      skiplock: true,
    },
    {
      ...guest,
      agent: false,
      tags: 'a;b',
      delete: 'ide3',
      sshkeys: 'ssh-ed25519 AAAA x@y',
    },
  ],
  qemuConfigUpdateAsync: [
    {
      ...guest,
      ...fullVmConfig,
      delete: ['unused0'],
      revert: 'cores',
      digest,
      skiplock: false,
      background_delay: 5,
    },
  ],
  qemuClone: [
    {
      ...guest,
      newid: 201,
      name: 'web-01',
      description: 'clone of template',
      pool: 'dev',
      snapname: 'base',
      storage: 'local-lvm',
      format: 'qcow2',
      full: true,
      target: 'pve2',
      bwlimit: 102400,
    },
  ],
  qemuResize: [
    { ...guest, disk: 'scsi0', size: '32G', digest, skiplock: true },
    { ...guest, disk: 'virtio1', size: '+10.5G' },
    { ...guest, disk: 'efidisk0', size: 1073741824 },
  ],
  qemuStart: [{ ...guest, timeout: 120 }],
  qemuStop: [
    { ...guest, timeout: 30, 'overrule-shutdown': true, keepActive: false },
  ],
  qemuShutdown: [{ ...guest, timeout: 60, forceStop: true, keepActive: true }],
  qemuReboot: [{ ...guest, timeout: 60 }],
  qemuStatus: [guest],
  qemuDelete: [
    {
      ...guest,
      purge: true,
      'destroy-unreferenced-disks': true,
      skiplock: false,
    },
  ],
  qemuAgentNetwork: [guest],
  qemuSnapshotList: [guest],
  qemuSnapshotCreate: [
    {
      ...guest,
      snapname: 'before-upgrade',
      description: 'pre 2.0',
      vmstate: false,
    },
  ],
  qemuSnapshotRollback: [{ ...guest, snapname: 'before-upgrade', start: true }],
  qemuSnapshotDelete: [{ ...guest, snapname: 'before-upgrade', force: true }],
  qemuFirewallRules: [guest],
  qemuFirewallRuleCreate: [
    {
      ...guest,
      type: 'group',
      action: 'webservers',
      enable: true,
      pos: 0,
      iface: 'net0',
      comment: 'mycopod',
    },
    {
      ...guest,
      type: 'in',
      action: 'ACCEPT',
      enable: 1,
      pos: 3,
      macro: 'SSH',
      source: '10.0.0.0/8',
      dest: '192.168.1.10',
      proto: 'tcp',
      dport: '22',
      sport: '1024:65535',
      iface: 'net0',
      log: 'info',
      comment: 'ssh from LAN',
      digest,
    },
    {
      ...guest,
      type: 'in',
      action: 'ACCEPT',
      proto: 'icmp',
      'icmp-type': 'echo-request',
    },
  ],
  qemuFirewallRuleDelete: [{ ...guest, pos: 2, digest }],
  qemuFirewallOptions: [guest],
  qemuFirewallOptionsUpdate: [
    {
      ...guest,
      enable: true,
      dhcp: true,
      ipfilter: false,
      macfilter: true,
      ndp: true,
      radv: false,
      policy_in: 'DROP',
      policy_out: 'ACCEPT',
      log_level_in: 'nolog',
      log_level_out: 'warning',
      delete: ['log_ratelimit'],
      digest,
    },
  ],
  lxcList: [{ node: 'pve1' }],
  qemuVncProxy: [{ ...guest, websocket: true }, guest],
  lxcVncProxy: [{ ...guest, websocket: true, width: 800, height: 600 }],
  qemuVncWebSocket: [{ ...guest, port: 5900, vncticket }],
  lxcVncWebSocket: [{ ...guest, port: 5999, vncticket }],
  taskStatus: [{ node: 'pve1', upid }],
  taskLog: [{ node: 'pve1', upid, start: 10, limit: 20 }],
  taskList: [
    {
      node: 'pve1',
      start: 0,
      limit: 50,
      vmid: 100,
      typefilter: 'qmclone',
      userfilter: 'mycopod@pve',
      errors: true,
      source: 'all',
      statusfilter: ['ok', 'error'],
      since: 1700000000,
      until: 1800000000,
    },
  ],
  taskStop: [{ node: 'pve1', upid }],
  pools: [{ poolid: 'dev', type: 'qemu' }, {}],
  storage: [{ type: 'lvmthin' }],
  nodeStorage: [
    {
      node: 'pve1',
      content: ['images', 'rootdir'],
      enabled: true,
      format: true,
      storage: 'local-lvm',
      target: 'pve2',
    },
  ],
  nodeNetwork: [
    { node: 'pve1', type: 'any_bridge' },
    { node: 'pve1', type: 'bridge' },
  ],
  sdnVnets: [{ pending: true, running: false }],
  firewallGroups: [{}],
  firewallGroupRules: [{ group: 'webservers' }],
};

/** What PVE receives: decoded query/body plus the path parameters. */
function serverView(def: EndpointDef, input: unknown): Record<string, string> {
  const req = buildRequest(def, input as never);
  const decoded = decodeForm(req.body ?? req.query);
  const pathParams = Object.fromEntries(
    Object.entries(req.pathParams).map(([k, v]) => [k, String(v)]),
  );
  return { ...decoded, ...pathParams };
}

const dir = sharedDir('contract.test');
const describeShared = dir ? describe : describe.skip;

describeShared('request contract vs apidata-pve8.4.json', () => {
  let apidata: unknown;
  beforeAll(() => {
    apidata = JSON.parse(
      fs.readFileSync(
        path.join(dir!, 'pve-api', 'apidata-pve8.4.json'),
        'utf8',
      ),
    );
  });

  const entries = Object.entries(ENDPOINTS) as Array<[EndpointId, EndpointDef]>;

  it('has examples for every endpoint, covering every supported parameter', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(Object.keys(ENDPOINTS).sort());
    for (const [id, def] of entries) {
      const shape = (def.params as unknown as z.ZodObject).shape;
      const covered = new Set(
        EXAMPLES[id].flatMap(e => Object.keys(e as object)),
      );
      const missing = Object.keys(shape).filter(k => !covered.has(k));
      expect({ id, missing }).toEqual({ id, missing: [] });
    }
  });

  it.each(entries.map(([id, def]) => [id, def.method, def.path] as const))(
    '%s (%s %s) validates against the official schema',
    (id, method, template) => {
      const info = findPveSchemaMethod(apidata, method, template);
      expect(info).toBeDefined();
      const specs = info!.parameters?.properties ?? {};
      const def = ENDPOINTS[id] as EndpointDef;
      for (const example of EXAMPLES[id]) {
        const params = serverView(def, example);
        expect({ id, errors: validatePveParameters(specs, params) }).toEqual({
          id,
          errors: {},
        });
      }
    },
  );

  it('puts GET/DELETE parameters in the query and POST/PUT parameters in a form body', () => {
    for (const [id, def] of entries) {
      for (const example of EXAMPLES[id]) {
        const req = buildRequest(def, example as never);
        const bodyMethod = def.method === 'POST' || def.method === 'PUT';
        expect({ id, hasBody: typeof req.body === 'string' }).toEqual({
          id,
          hasBody: bodyMethod,
        });
        expect({ id, queryWithBody: bodyMethod && req.query !== '' }).toEqual({
          id,
          queryWithBody: false,
        });
        expect(req.path).not.toMatch(/[{}]/);
      }
    }
  });

  it('types indexed parameters as literal keys within PVE limits (compile-time check)', () => {
    const ok: EndpointInput<typeof ENDPOINTS.qemuConfigUpdate> = {
      node: 'pve1',
      vmid: 100,
      net0: 'virtio,bridge=vmbr0',
      ipconfig31: 'ip=dhcp',
      scsi30: 'local-lvm:1',
      virtio15: 'local-lvm:1',
      sata5: 'local-lvm:1',
      ide3: 'none,media=cdrom',
    };
    const outOfRange: EndpointInput<typeof ENDPOINTS.qemuConfigUpdate> = {
      node: 'pve1',
      vmid: 100,
      // @ts-expect-error net32 does not exist in PVE (net0..net31)
      net32: 'virtio,bridge=vmbr0',
    };
    expect(buildRequest(ENDPOINTS.qemuConfigUpdate, ok).params).toHaveProperty(
      'ipconfig31',
    );
    // and at runtime the strict schema rejects it too
    expect(() => buildRequest(ENDPOINTS.qemuConfigUpdate, outOfRange)).toThrow(
      /net32/,
    );
  });

  it('the validator rejects what PVE rejects (controls for this test)', () => {
    const specs = findPveSchemaMethod(
      apidata,
      'POST',
      '/nodes/{node}/qemu/{vmid}/clone',
    )!.parameters!.properties!;
    const ok = serverView(ENDPOINTS.qemuClone, {
      ...guest,
      newid: 201,
      full: true,
    });
    expect(validatePveParameters(specs, ok)).toEqual({});
    expect(
      validatePveParameters(specs, { ...ok, full: 'true' }),
    ).toHaveProperty('full');
    expect(
      validatePveParameters(specs, { ...ok, nonsense: '1' }),
    ).toHaveProperty('nonsense');
    expect(
      validatePveParameters(specs, { ...ok, name: 'bad_name' }),
    ).toHaveProperty('name');
    const { newid: _omit, ...missing } = ok;
    expect(validatePveParameters(specs, missing)).toHaveProperty('newid');
    const cfg = findPveSchemaMethod(
      apidata,
      'PUT',
      '/nodes/{node}/qemu/{vmid}/config',
    )!.parameters!.properties!;
    // sshkeys sent with a single encoding would be rejected by PVE
    const base = { node: 'pve1', vmid: '100' };
    expect(
      validatePveParameters(cfg, { ...base, sshkeys: 'ssh-ed25519 AAAA' }),
    ).toHaveProperty('sshkeys');
    // property strings, formats and indexed limits are checked too
    expect(
      validatePveParameters(cfg, {
        ...base,
        net0: 'virtio,bridge=vmbr0,bogus=1',
      }),
    ).not.toEqual({});
    expect(
      validatePveParameters(cfg, { ...base, ipconfig0: 'ip=10.0.0.5' }),
    ).not.toEqual({});
    expect(
      validatePveParameters(cfg, { ...base, net32: 'virtio,bridge=vmbr0' }),
    ).toHaveProperty('net32');
    expect(
      validatePveParameters(cfg, { ...base, tags: 'bad tag!' }),
    ).toHaveProperty('tags');
    expect(validatePveParameters(cfg, { ...base, memory: 'lots' })).not.toEqual(
      {},
    );
  });
});
