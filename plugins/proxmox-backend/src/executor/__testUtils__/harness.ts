/* Test harness of the executor: real database, real simulator over HTTPS. */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { NotFoundError } from '@backstage/errors';
import {
  ProxmoxRequest,
  RequestChange,
  RequestKind,
  VmSpec,
  parseRequestMarker,
  vmSpecSchema,
} from '@mycopod/plugin-proxmox-common';
import { ProxmoxClient, ProxmoxClusters } from '@mycopod/plugin-proxmox-node';
import { RunningSimulator, startSimulator } from '@mycopod/pve-simulator';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { JobStore } from '../../database/JobStore';
import { RequestStore } from '../../database/RequestStore';
import { InventoryService } from '../../inventory/InventoryService';
import { RequestNotifier } from '../../service/RequestNotifier';
import { RequestStateMachine } from '../../service/RequestStateMachine';
import { DEFAULT_EXECUTOR_CONFIG, ExecutorConfig } from '../config';
import {
  ProvisioningExecutor,
  ProvisioningExecutorOptions,
} from '../ProvisioningExecutor';

export const TIMINGS = {
  taskMs: 30,
  cloneMs: 200,
  resizeMs: 30,
  lockWaitMs: 200,
  resourcesLagMs: 100,
  agentIpDelayMs: 100,
  unauthorizedDelayMs: 30,
};

export const TEST_CONFIG: ExecutorConfig = {
  ...DEFAULT_EXECUTOR_CONFIG,
  pollIntervalMs: 50,
  leaseMs: 1500,
  maxAttempts: 8,
  retry: { baseDelayMs: 50, maxDelayMs: 400 },
  stepTimeouts: { cloneMs: 20_000, taskMs: 20_000, ipMs: 5_000 },
};

export async function startSim(seed = 3): Promise<RunningSimulator> {
  return startSimulator({ fleet: 'demo', seed, timings: TIMINGS });
}

export function spec(
  over: Partial<VmSpec> & Record<string, unknown> = {},
): VmSpec {
  return vmSpecSchema.parse({
    name: 'exec-vm',
    cluster: 'lab',
    template: 'ubuntu-24.04-cloudinit',
    cores: 2,
    memoryMiB: 2048,
    diskGiB: 10,
    network: { bridge: 'vmbr1' },
    vlan: 42,
    securityGroups: ['web', 'ssh'],
    cloudInit: {
      user: 'ubuntu',
      sshKeys: [
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT dev@example.com',
      ],
      ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1' },
      ipv6: 'slaac',
    },
    tags: ['team-a'],
    description: 'made by the executor tests',
    owner: 'group:default/team-a',
    ...over,
  });
}

export interface Guest {
  cluster: string;
  vmid: number;
  node: string;
  config: Record<string, string>;
  status: string;
  requestId?: string;
}

/** Every guest of the simulator (all clusters), with the marker's request id. */
export function simGuests(sim: RunningSimulator): Guest[] {
  const out: Guest[] = [];
  for (const c of (sim.state as any).clusters) {
    for (const g of c.guests.values()) {
      out.push({
        cluster: c.name,
        vmid: g.vmid,
        node: g.node,
        config: g.config,
        status: g.status,
        requestId: parseRequestMarker(g.config.description),
      });
    }
  }
  return out;
}

export class Harness {
  readonly requests: RequestStore;
  readonly jobs: JobStore;
  readonly notifier: RequestNotifier;
  readonly stateMachine: RequestStateMachine;
  readonly clusters: ProxmoxClusters;
  readonly placement: InventoryService;
  readonly audits: Array<{ eventId: string; outcome?: string; meta: any }> = [];
  readonly events: Array<{ topic: string; eventPayload: any }> = [];
  readonly progress: Array<{ requestId: string; step: string }> = [];
  readonly logs: string[] = [];
  readonly #clients: ProxmoxClient[] = [];
  readonly #executors: ProvisioningExecutor[] = [];

  static async create(knex: Knex, sim: RunningSimulator): Promise<Harness> {
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@mycopod/plugin-proxmox-backend',
        'migrations',
      ),
    });
    return new Harness(knex, sim);
  }

  private constructor(readonly knex: Knex, readonly sim: RunningSimulator) {
    const auditor = mockServices.auditor.mock();
    auditor.createEvent.mockImplementation(async (opts: any) => {
      const entry = {
        eventId: opts.eventId,
        meta: opts.meta,
        outcome: undefined as string | undefined,
      };
      this.audits.push(entry);
      return {
        success: async () => {
          entry.outcome = 'success';
        },
        fail: async () => {
          entry.outcome = 'fail';
        },
      };
    });
    const logger = mockServices.logger.mock();
    for (const level of ['info', 'warn', 'error'] as const) {
      (logger[level] as jest.Mock).mockImplementation((m: string) => {
        this.logs.push(`${level}: ${m}`);
      });
    }
    logger.child.mockReturnValue(logger);
    this.logger = logger;
    this.requests = new RequestStore(knex);
    this.jobs = new JobStore(knex);
    this.notifier = new RequestNotifier({
      logger,
      auditor,
      approverGroups: ['group:default/admins'],
      events: {
        publish: async (e: any) => {
          this.events.push(e);
        },
      } as any,
      signals: {
        publish: async (s: any) => {
          if (s.message.step) this.progress.push(s.message);
        },
      } as any,
    });
    this.stateMachine = new RequestStateMachine(this.requests, this.notifier);
    const byName = new Map<string, ProxmoxClient>();
    for (const c of sim.clusters) {
      const client = new ProxmoxClient({
        cluster: {
          name: c.name,
          url: c.url,
          tokenId: sim.token.tokenId,
          tokenSecret: sim.token.secret,
          caCert: sim.caCertPem,
          retry: { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 200 },
          timeouts: { requestMs: 5_000, connectMs: 2_000, taskMs: 30_000 },
        } as any,
        logger,
      });
      byName.set(c.name, client);
      this.#clients.push(client);
    }
    this.clusters = {
      list: () => [...byName.keys()],
      get: name => {
        const c = byName.get(name);
        if (!c) throw new NotFoundError(`No cluster ${name}`);
        return c;
      },
    };
    this.placement = new InventoryService({
      clusters: this.clusters,
      logger,
      cacheTtlMs: 200,
      guestOwners: async () => new Map(),
    });
  }

  readonly logger: ReturnType<typeof mockServices.logger.mock>;

  /** Files a request and approves it (the job is enqueued in the approval). */
  async approve(
    over: Partial<VmSpec> & Record<string, unknown> = {},
  ): Promise<string> {
    const id = randomUUID();
    const s = spec(over);
    await this.knex.transaction(trx =>
      this.requests.insert(
        trx,
        {
          id,
          kind: 'create',
          state: 'pending',
          requester: 'user:default/dev',
          spec: s,
          findings: [],
        },
        'user:default/dev',
        Date.now(),
      ),
    );
    await this.stateMachine.apply({
      id,
      event: 'approve',
      actor: 'user:default/admin',
      role: 'approver',
      within: (trx, r) => this.jobs.enqueue(trx, r, Date.now()),
    });
    return id;
  }

  /**
   * Files a day-2 request on the guest of a ready create request and
   * approves it (the job is enqueued in the approval).
   */
  async approveDay2(
    createId: string,
    kind: Exclude<RequestKind, 'create'>,
    change: RequestChange = { before: {}, after: {} },
    specOver: Partial<VmSpec> = {},
  ): Promise<string> {
    const created = await this.request(createId);
    if (created.guest?.vmid === undefined) {
      throw new Error(`request ${createId} has no guest`);
    }
    const id = randomUUID();
    await this.knex.transaction(trx =>
      this.requests.insert(
        trx,
        {
          id,
          kind,
          state: 'pending',
          requester: 'user:default/dev',
          spec: { ...created.spec, ...specOver },
          findings: [],
          target: {
            vmid: created.guest!.vmid!,
            node: created.guest!.node,
            createRequestId: createId,
          },
          change,
          resources: { cores: 0, memoryMiB: 0, diskGiB: 0 },
        },
        'user:default/dev',
        Date.now(),
      ),
    );
    await this.stateMachine.apply({
      id,
      event: 'approve',
      actor: 'user:default/admin',
      role: 'approver',
      within: (trx, r) => this.jobs.enqueue(trx, r, Date.now()),
    });
    return id;
  }

  executor(
    over: Partial<Omit<ProvisioningExecutorOptions, 'config'>> & {
      config?: Partial<ExecutorConfig>;
    } = {},
  ): ProvisioningExecutor {
    const { config, ...rest } = over;
    const e = new ProvisioningExecutor({
      jobs: this.jobs,
      requests: this.requests,
      stateMachine: this.stateMachine,
      notifier: this.notifier,
      clusters: this.clusters,
      placement: this.placement,
      logger: this.logger,
      workerId: `worker-${randomUUID().slice(0, 8)}`,
      ...rest,
      config: { ...TEST_CONFIG, ...config },
    });
    this.#executors.push(e);
    return e;
  }

  /** Fails with the failure reason and the logs of the request unless it is ready. */
  async expectReady(id: string): Promise<ProxmoxRequest> {
    const r = await this.request(id);
    if (r.state !== 'ready') {
      throw new Error(
        `request ${id} is ${r.state}: ${r.failureReason ?? ''}\n${this.logs
          .filter(l => l.includes(id))
          .join('\n')}`,
      );
    }
    return r;
  }

  async request(id: string): Promise<ProxmoxRequest> {
    return (await this.requests.get(id))!;
  }

  /** Waits until every request is ready, failed or cancelled. */
  async waitTerminal(
    ids: string[],
    timeoutMs = 90_000,
  ): Promise<ProxmoxRequest[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await Promise.all(ids.map(id => this.request(id)));
      if (all.every(r => ['ready', 'failed', 'cancelled'].includes(r.state)))
        return all;
      if (Date.now() > deadline) {
        const open = all.filter(
          r => !['ready', 'failed', 'cancelled'].includes(r.state),
        );
        const jobs = await Promise.all(open.map(r => this.jobs.get(r.id)));
        throw new Error(
          `not terminal: ${JSON.stringify(
            jobs.map(j => ({ ...j, step_results: undefined })),
          )}`,
        );
      }
      await new Promise(r => setTimeout(r, 100));
    }
  }

  async close() {
    await Promise.all(this.#executors.map(e => e.stop()));
    await Promise.all(this.#clients.map(c => c.close()));
  }
}
