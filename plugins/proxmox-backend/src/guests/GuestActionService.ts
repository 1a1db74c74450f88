import type {
  AuditorService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  type GuestSnapshot,
  type GuestTask,
  type PowerAction,
  PROXMOX_GUEST_RESOURCE_TYPE,
  guestEntityRef,
  proxmoxGuestPowerPermission,
  proxmoxGuestSnapshotPermission,
} from '@mycopod/plugin-proxmox-common';
import {
  type ParsedUpid,
  ProxmoxApiError,
  type ProxmoxClient,
  type ProxmoxClusters,
  type PveGuestResource,
  type PveSnapshot,
  tryParseUpid,
} from '@mycopod/plugin-proxmox-node';
import type { Request } from 'express';
import { describeFailure } from '../inventory/describeFailure';
import type { InventoryService } from '../inventory/InventoryService';
import type { ProxmoxMetrics } from '../metrics/metrics';
import {
  ActionPlan,
  GuestFacts,
  createSnapshotPlan,
  deleteSnapshotPlan,
  powerPlan,
  rollbackSnapshotPlan,
} from './actionPlans';
import { guestTaskOf, parseGuestUpid } from './guestTask';
import { proxmoxRefusal } from './proxmoxRefusal';
import type { TaskFollower } from './TaskFollower';

/** Who acts: the credentials for the permission check and the actor's ref. */
export interface GuestActionCaller {
  credentials: BackstageCredentials;
  /** The user entity ref (audit). */
  actor: string;
}

export interface GuestActionServiceOptions {
  clusters: ProxmoxClusters;
  inventory: Pick<InventoryService, 'clusterSnapshot'>;
  permissions: PermissionsService;
  auditor: AuditorService;
  follower: TaskFollower;
  logger: LoggerService;
  metrics?: ProxmoxMetrics;
  /** Default seconds a shutdown waits for the guest OS (60). */
  shutdownTimeoutSeconds?: number;
}

/**
 * Immediate actions on a guest — power (start, shutdown, stop, reboot) and
 * snapshots (list, create, rollback, delete) — each a Proxmox task: checked
 * against the caller's permission on the guest (`proxmox.guest.power` /
 * `.snapshot`), refused with a 409 while the guest is locked or runs a task
 * (or is in the wrong state), dispatched, then followed to its end
 * ({@link TaskFollower}: signals on the guest's channel) and audited with
 * its outcome. QEMU VMs only (containers and templates answer 409).
 */
/**
 * Tasks that hold a console open (noVNC, terminal): they run as long as a
 * console session lasts and never conflict with power or snapshot actions.
 */
const CONSOLE_TASK_TYPES = new Set(['vncproxy', 'termproxy', 'vncshell']);

export class GuestActionService {
  readonly #o: GuestActionServiceOptions;

  constructor(options: GuestActionServiceOptions) {
    this.#o = options;
  }

  async power(
    cluster: string,
    vmid: number,
    body: { action: PowerAction; timeoutSeconds?: number },
    caller: GuestActionCaller,
    request?: Request,
  ): Promise<GuestTask> {
    const plan = powerPlan(`${cluster}/${vmid}`, {
      ...body,
      timeoutSeconds:
        body.timeoutSeconds ?? this.#o.shutdownTimeoutSeconds ?? 60,
    });
    return this.#act(
      cluster,
      vmid,
      proxmoxGuestPowerPermission,
      plan,
      caller,
      request,
    );
  }

  async createSnapshot(
    cluster: string,
    vmid: number,
    body: { name: string; description?: string; includeRam: boolean },
    caller: GuestActionCaller,
    request?: Request,
  ): Promise<GuestTask> {
    const plan = createSnapshotPlan(`${cluster}/${vmid}`, body);
    return this.#act(
      cluster,
      vmid,
      proxmoxGuestSnapshotPermission,
      plan,
      caller,
      request,
    );
  }

  async rollbackSnapshot(
    cluster: string,
    vmid: number,
    snapshot: string,
    caller: GuestActionCaller,
    request?: Request,
  ): Promise<GuestTask> {
    const plan = rollbackSnapshotPlan(`${cluster}/${vmid}`, snapshot);
    return this.#act(
      cluster,
      vmid,
      proxmoxGuestSnapshotPermission,
      plan,
      caller,
      request,
    );
  }

  async deleteSnapshot(
    cluster: string,
    vmid: number,
    snapshot: string,
    caller: GuestActionCaller,
    request?: Request,
  ): Promise<GuestTask> {
    const plan = deleteSnapshotPlan(`${cluster}/${vmid}`, snapshot);
    return this.#act(
      cluster,
      vmid,
      proxmoxGuestSnapshotPermission,
      plan,
      caller,
      request,
    );
  }

  async listSnapshots(
    cluster: string,
    vmid: number,
    caller: GuestActionCaller,
  ): Promise<GuestSnapshot[]> {
    // snapshot names and descriptions are the owners' business
    await this.#authorize(
      cluster,
      vmid,
      [proxmoxGuestSnapshotPermission],
      caller,
    );
    const guest = await this.#locate(cluster, vmid);
    let list: PveSnapshot[];
    try {
      list = await this.#o.clusters
        .get(cluster)
        .listSnapshots({ node: guest.node, vmid });
    } catch (e) {
      throw proxmoxRefusal(
        e,
        `Could not list the snapshots of guest ${cluster}/${vmid}`,
      );
    }
    return list
      .map(s => ({
        name: s.name,
        ...(s.description?.trim() ? { description: s.description.trim() } : {}),
        ...(s.snaptime !== undefined
          ? { createdAt: new Date(s.snaptime * 1000).toISOString() }
          : {}),
        includesRam: s.vmstate,
        ...(s.parent ? { parent: s.parent } : {}),
      }))
      .sort(
        (a, b) =>
          (a.createdAt ?? '').localeCompare(b.createdAt ?? '') ||
          a.name.localeCompare(b.name),
      );
  }

  /**
   * A task of the guest and how far it got, for whoever may start one
   * (`proxmox.guest.power` or `proxmox.guest.snapshot`): its log is the
   * owners' business.
   */
  async task(
    cluster: string,
    vmid: number,
    upid: string,
    caller: GuestActionCaller,
  ): Promise<GuestTask> {
    await this.#authorize(
      cluster,
      vmid,
      [proxmoxGuestPowerPermission, proxmoxGuestSnapshotPermission],
      caller,
      'read the tasks of',
    );
    const parsed = parseGuestUpid(upid, vmid);
    const unknown = () =>
      new NotFoundError(`No task ${upid} on guest ${cluster}/${vmid}`);
    const { nodes } = await this.#snapshot(cluster);
    if (!parsed || !nodes.some(n => n.node === parsed.node)) throw unknown();
    const pve = this.#o.clusters.get(cluster);
    try {
      const [status, logTail] = await Promise.all([
        pve.getTaskStatus({ node: parsed.node, upid: parsed.upid }),
        pve.getTaskLogTail(parsed.upid, 10),
      ]);
      const known = this.#o.follower.known(parsed.upid);
      return guestTaskOf(cluster, vmid, parsed, {
        status: status.status,
        exitstatus: status.exitstatus,
        endedAt: status.status !== 'running' ? known?.endedAt : undefined,
        logTail,
      });
    } catch (e) {
      // 400 "no such task": not a task Proxmox knows on that node
      if (e instanceof ProxmoxApiError && e.status === 400) throw unknown();
      throw proxmoxRefusal(e, `Could not read task ${upid}`);
    }
  }

  /** Allowed when any of `permissions` is (one permission round trip). */
  async #authorize(
    cluster: string,
    vmid: number,
    permissions: Array<ResourcePermission<typeof PROXMOX_GUEST_RESOURCE_TYPE>>,
    caller: GuestActionCaller,
    doing = permissions[0].name.replace('proxmox.guest.', ''),
  ) {
    const resourceRef = guestEntityRef(cluster, vmid);
    const decisions = await this.#o.permissions.authorize(
      permissions.map(permission => ({ permission, resourceRef })),
      { credentials: caller.credentials },
    );
    if (!decisions.some(d => d.result === AuthorizeResult.ALLOW)) {
      throw new NotAllowedError(
        `You may not ${doing} guest ${cluster}/${vmid}`,
      );
    }
  }

  /** The shortly cached read of the cluster (a 503 when unreadable). */
  async #snapshot(cluster: string) {
    try {
      return await this.#o.inventory.clusterSnapshot(cluster);
    } catch (e) {
      if (e instanceof NotFoundError) throw e;
      throw new ServiceUnavailableError(
        `Could not read the Proxmox cluster '${cluster}': ${describeFailure(
          e,
        )}`,
      );
    }
  }

  /** Where the guest runs (the shortly cached cluster read); QEMU VMs only. */
  async #locate(cluster: string, vmid: number): Promise<PveGuestResource> {
    const { guests } = await this.#snapshot(cluster);
    const g = guests.find(x => x.vmid === vmid);
    if (!g) throw new NotFoundError(`No guest ${vmid} in cluster '${cluster}'`);
    if (g.type !== 'qemu') {
      throw new ConflictError(
        `Guest ${cluster}/${vmid} is a container: power and snapshot actions are available for QEMU VMs only`,
      );
    }
    if (g.template) {
      throw new ConflictError(
        `Guest ${cluster}/${vmid} is a template: it cannot be started or snapshotted`,
      );
    }
    return g;
  }

  /** The state the checks need; a 409 while the guest is locked or busy. */
  async #facts(
    pve: ProxmoxClient,
    cluster: string,
    guest: { node: string; vmid: number },
    plan: ActionPlan,
  ): Promise<GuestFacts> {
    const name = `${cluster}/${guest.vmid}`;
    const [status, tasks, snapshots] = await Promise.all([
      pve.getVmStatus(guest),
      pve.listTasks({ node: guest.node, vmid: guest.vmid, source: 'active' }),
      plan.snapshots ? pve.listSnapshots(guest) : Promise.resolve([]),
    ]);
    if (status.lock) {
      throw new ConflictError(
        `Guest ${name} is locked (${status.lock}) by another Proxmox operation. Try again when it has finished.`,
      );
    }
    const busy = tasks.filter(
      t =>
        (t.status ?? 'running').toUpperCase() === 'RUNNING' &&
        !CONSOLE_TASK_TYPES.has(t.type) &&
        !plan.overrules?.includes(t.type),
    );
    if (busy.length > 0) {
      const t = busy[0];
      throw new ConflictError(
        `Guest ${name} is busy with a Proxmox task (${t.type}${
          t.starttime
            ? ` since ${new Date(t.starttime * 1000).toISOString()}`
            : ''
        }). Try again when it has finished.`,
      );
    }
    return { status, snapshots };
  }

  async #act(
    cluster: string,
    vmid: number,
    permission: ResourcePermission<typeof PROXMOX_GUEST_RESOURCE_TYPE>,
    plan: ActionPlan,
    caller: GuestActionCaller,
    request?: Request,
  ): Promise<GuestTask> {
    await this.#authorize(cluster, vmid, [permission], caller);
    const guest = await this.#locate(cluster, vmid);
    const pve = this.#o.clusters.get(cluster);
    const target = { node: guest.node, vmid };
    const what = `Could not ${plan.verb} guest ${cluster}/${vmid}`;
    const event = await this.#o.auditor.createEvent({
      eventId: 'proxmox-guest-action',
      severityLevel: 'medium',
      ...(request ? { request } : {}),
      meta: {
        actor: caller.actor,
        cluster,
        vmid,
        node: guest.node,
        action: plan.action,
        ...plan.meta,
      },
    });
    let upid: string;
    let parsed: ParsedUpid;
    try {
      const facts = await this.#facts(pve, cluster, target, plan);
      plan.check?.(facts);
      upid = await plan.dispatch(pve, target);
      const p = tryParseUpid(upid);
      if (!p)
        throw new ServiceUnavailableError(
          'Proxmox answered an invalid task id',
        );
      parsed = p;
    } catch (e) {
      const error = proxmoxRefusal(e, what);
      await event.fail({ error, meta: { outcome: 'refused' } });
      this.#o.metrics?.guestAction(plan.action, 'refused');
      throw error;
    }
    // follow in the background: the caller gets the task at once (202)
    void this.#o.follower.follow(cluster, vmid, upid).then(async task => {
      const ok = task.status === 'ok';
      this.#o.metrics?.guestAction(plan.action, ok ? 'ok' : 'failed');
      const meta = {
        outcome: task.status,
        upid,
        exitStatus: task.exitStatus ?? '',
      };
      try {
        if (ok || task.status === 'running') await event.success({ meta });
        else
          await event.fail({
            error: new Error(`${what}: ${task.exitStatus}`),
            meta,
          });
      } catch (e) {
        this.#o.logger.warn(
          `Could not audit task ${upid}: ${describeFailure(e)}`,
        );
      }
    });
    return guestTaskOf(cluster, vmid, parsed, { status: 'running' });
  }
}
