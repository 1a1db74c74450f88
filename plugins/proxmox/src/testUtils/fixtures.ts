import type {
  ClusterSummary,
  GuestLiveStatus,
  GuestSnapshot,
  GuestTask,
  NodeCapacity,
  ProxmoxOptions,
  ProxmoxRequest,
  ProxmoxRequestDetails,
} from '@mycopod/plugin-proxmox-common';
import type { ProxmoxApi } from '../api';

export const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb2mJ7mK1zZ7sQ0s4wWl3yq8v7GfJrQe7bB1k2m3n4o alice@laptop';

let n = 0;
export function makeRequest(
  overrides: Partial<ProxmoxRequest> = {},
): ProxmoxRequest {
  n += 1;
  const id =
    overrides.id ?? `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    id,
    kind: 'create',
    state: 'pending',
    requester: 'user:default/dev',
    owner: 'group:default/team-a',
    spec: {
      name: `vm-${n}`,
      cluster: 'pve1',
      template: 'debian-12',
      cores: 2,
      memoryMiB: 4096,
      diskGiB: 32,
      network: { bridge: 'vmbr0' },
      securityGroups: ['web'],
      cloudInit: { user: 'alice', sshKeys: [SSH_KEY], ipv4: 'dhcp' },
      tags: [],
      owner: 'group:default/team-a',
      justification: 'load tests',
    },
    findings: [],
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
    ...overrides,
  };
}

export function makeDetails(
  overrides: Partial<ProxmoxRequestDetails> = {},
): ProxmoxRequestDetails {
  const base = makeRequest(overrides);
  return {
    history: [
      {
        id: 1,
        requestId: base.id,
        actor: 'user:default/dev',
        toState: 'pending',
        createdAt: '2026-12-01T10:00:00.000Z',
      },
    ],
    allowedActions: [],
    ...base,
    ...overrides,
  };
}

export const OPTIONS: ProxmoxOptions = {
  clusters: [
    { name: 'pve1', default: true },
    { name: 'pve2', default: false },
  ],
  cluster: 'pve1',
  templates: [
    { vmid: 9000, name: 'debian-12', node: 'n1', diskGiB: 20 },
    { vmid: 9001, name: 'ubuntu-24', node: 'n1', diskGiB: 40 },
  ],
  nodes: [
    {
      name: 'n1',
      online: true,
      freeCores: 12,
      freeMemoryMiB: 32768,
      maxMemoryMiB: 65536,
    },
    {
      name: 'n2',
      online: true,
      freeCores: 4,
      freeMemoryMiB: 8192,
      maxMemoryMiB: 65536,
    },
  ],
  storages: [{ name: 'local-lvm', shared: false, freeGiB: 500 }],
  bridges: ['vmbr0', 'vmbr1'],
  vnets: ['prod'],
  securityGroups: ['web', 'ssh', 'db'],
  sizePresets: [
    { name: 'small', cores: 1, memoryMiB: 2048, diskGiB: 20 },
    { name: 'medium', cores: 2, memoryMiB: 4096, diskGiB: 40 },
    { name: 'large', cores: 4, memoryMiB: 8192, diskGiB: 80 },
  ],
  lease: { defaultDays: 30, maxDays: 90 },
  limits: { maxCores: 16, maxMemoryMiB: 65536, maxDiskGiB: 500 },
};

export function makeGuest(
  overrides: Partial<GuestLiveStatus> = {},
): GuestLiveStatus {
  return {
    cluster: 'pve1',
    node: 'n1',
    vmid: 123,
    type: 'qemu',
    name: 'web-1',
    status: 'running',
    uptimeSeconds: 3 * 86400 + 4 * 3600 + 5 * 60,
    cpuUsage: 0.25,
    cpus: 2,
    memoryUsedMiB: 1024,
    memoryMaxMiB: 4096,
    diskMaxGiB: 32,
    ipAddresses: ['10.0.0.7', 'fd00::7'],
    agent: 'ok',
    requestId: '00000000-0000-4000-8000-000000000abc',
    owner: 'group:default/team-a',
    leaseEndsAt: '2027-01-01T10:00:00.000Z',
    ...overrides,
  };
}

export function makeNode(overrides: Partial<NodeCapacity> = {}): NodeCapacity {
  return {
    cluster: 'pve1',
    node: 'n1',
    status: 'online',
    cpus: 16,
    cpuUsage: 0.5,
    memoryUsedMiB: 16384,
    memoryMaxMiB: 65536,
    storages: [
      { name: 'local-lvm', shared: false, usedGiB: 100, totalGiB: 400 },
      { name: 'ceph', shared: true, usedGiB: 900, totalGiB: 1000 },
    ],
    guests: [
      { vmid: 123, name: 'web-1', type: 'qemu', status: 'running' },
      { vmid: 124, name: 'db-1', type: 'lxc', status: 'stopped' },
    ],
    ...overrides,
  };
}

export function makeCluster(
  overrides: Partial<ClusterSummary> = {},
): ClusterSummary {
  return {
    cluster: 'pve1',
    nodes: [
      {
        cluster: 'pve1',
        node: 'n1',
        status: 'online',
        cpus: 16,
        cpuUsage: 0.5,
        memoryUsedMiB: 16384,
        memoryMaxMiB: 65536,
        guests: 2,
      },
      {
        cluster: 'pve1',
        node: 'n2',
        status: 'offline',
        cpus: 8,
        memoryMaxMiB: 32768,
        guests: 0,
      },
    ],
    totals: {
      nodes: 2,
      onlineNodes: 1,
      guests: 2,
      cpus: 24,
      memoryUsedMiB: 16384,
      memoryMaxMiB: 98304,
    },
    ...overrides,
  };
}

export function makeTask(overrides: Partial<GuestTask> = {}): GuestTask {
  n += 1;
  return {
    upid: `UPID:n1:${String(n).padStart(8, '0')}:qmstart:123:dev@pve:`,
    cluster: 'pve1',
    vmid: 123,
    action: 'start',
    status: 'running',
    startedAt: '2026-12-03T10:00:00.000Z',
    ...overrides,
  };
}

export const SNAPSHOTS: GuestSnapshot[] = [
  {
    name: 'before-upgrade',
    description: 'Debian 12.7',
    createdAt: '2026-12-02T09:00:00.000Z',
    includesRam: false,
  },
  {
    name: 'with-ram',
    createdAt: '2026-12-02T10:00:00.000Z',
    includesRam: true,
    parent: 'before-upgrade',
  },
];

export type FakeApi = { [K in keyof ProxmoxApi]: jest.Mock };

export function fakeApi(overrides: Partial<FakeApi> = {}): FakeApi {
  return {
    listRequests: jest.fn(async () => ({ items: [] })),
    getRequest: jest.fn(async (id: string) => makeDetails({ id })),
    approve: jest.fn(async (id: string) =>
      makeRequest({ id, state: 'approved' }),
    ),
    reject: jest.fn(async (id: string) =>
      makeRequest({ id, state: 'rejected' }),
    ),
    cancel: jest.fn(async (id: string) =>
      makeRequest({ id, state: 'cancelled' }),
    ),
    validate: jest.fn(async () => ({
      findings: [],
      allowed: true,
      autoApprove: false,
    })),
    getOptions: jest.fn(async () => OPTIONS),
    getGuest: jest.fn(async (cluster: string, vmid: number) =>
      makeGuest({ cluster, vmid }),
    ),
    getNode: jest.fn(async (cluster: string, node: string) =>
      makeNode({ cluster, node }),
    ),
    getCluster: jest.fn(async (cluster: string) => makeCluster({ cluster })),
    powerGuest: jest.fn(async (cluster: string, vmid: number, action: string) =>
      makeTask({ cluster, vmid, action }),
    ),
    listSnapshots: jest.fn(async () => SNAPSHOTS),
    createSnapshot: jest.fn(async (cluster: string, vmid: number) =>
      makeTask({ cluster, vmid, action: 'snapshot' }),
    ),
    rollbackSnapshot: jest.fn(async (cluster: string, vmid: number) =>
      makeTask({ cluster, vmid, action: 'rollback' }),
    ),
    deleteSnapshot: jest.fn(async (cluster: string, vmid: number) =>
      makeTask({ cluster, vmid, action: 'delsnapshot' }),
    ),
    getGuestTask: jest.fn(async (cluster: string, vmid: number, upid: string) =>
      makeTask({ cluster, vmid, upid, status: 'ok', exitStatus: 'OK' }),
    ),
    fileGuestRequest: jest.fn(
      async (cluster: string, vmid: number, body: { kind: any }) =>
        makeRequest({
          kind: body.kind,
          target: { cluster, vmid },
          change: { before: {}, after: {} },
        }),
    ),
    createConsoleTicket: jest.fn(async (cluster: string, vmid: number) => ({
      ticket: 'T'.repeat(43),
      expiresAt: new Date(Date.now() + 30_000).toISOString(),
      socketPath: '/console/socket',
      guest: { cluster, vmid, node: 'n1', type: 'qemu' as const },
      idleTimeoutMs: 900_000,
      maxSessionMs: 14_400_000,
    })),
    ...overrides,
  };
}
