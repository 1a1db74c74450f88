import { ConflictError, NotFoundError } from '@backstage/errors';
import type { PowerAction } from '@mycopod/plugin-proxmox-common';
import type {
  ProxmoxClient,
  PveQemuStatus,
  PveSnapshot,
} from '@mycopod/plugin-proxmox-node';

/** What the checks of an action see of the guest. */
export interface GuestFacts {
  status: PveQemuStatus;
  /** Only when the plan asks for `snapshots`. */
  snapshots: PveSnapshot[];
}

/** One guest action's Proxmox side: what is checked, what is sent. */
export interface ActionPlan {
  /** Action name (audit, metrics), e.g. `start`, `snapshot`. */
  action: string;
  /** What it does, for messages: `shut down`, `roll back`, … */
  verb: string;
  /** Refuses the action in this state (a ConflictError or NotFoundError). */
  check?: (facts: GuestFacts) => void;
  /** Sends the request; resolves with the UPID. */
  dispatch: (
    pve: ProxmoxClient,
    guest: { node: string; vmid: number },
  ) => Promise<string>;
  /** The checks need the snapshot list. */
  snapshots?: boolean;
  /** Running tasks of these types do not block it (stop overrules a shutdown). */
  overrules?: string[];
  /** More audit metadata. */
  meta?: Record<string, string | number | boolean>;
}

const running = (f: GuestFacts) => f.status.status === 'running';

function mustRun(name: string) {
  return (f: GuestFacts) => {
    if (!running(f)) {
      throw new ConflictError(`Guest ${name} is already stopped`);
    }
  };
}

/** start, shutdown (with its timeout), stop (forced), reboot. */
export function powerPlan(
  name: string,
  body: { action: PowerAction; timeoutSeconds: number },
): ActionPlan {
  const { action } = body;
  switch (action) {
    case 'start':
      return {
        action,
        verb: 'start',
        check: f => {
          if (running(f)) {
            throw new ConflictError(`Guest ${name} is already running`);
          }
        },
        dispatch: (pve, g) => pve.startVm(g),
      };
    case 'shutdown':
      return {
        action,
        verb: 'shut down',
        check: mustRun(name),
        dispatch: (pve, g) =>
          pve.shutdownVm({ ...g, timeout: body.timeoutSeconds }),
        meta: { timeoutSeconds: body.timeoutSeconds },
      };
    case 'stop':
      return {
        action,
        verb: 'stop',
        check: mustRun(name),
        // a forced stop ends a shutdown that still waits for the guest OS
        overrules: ['qmshutdown'],
        dispatch: (pve, g) => pve.stopVm({ ...g, 'overrule-shutdown': true }),
      };
    case 'reboot':
    default:
      return {
        action: 'reboot',
        verb: 'reboot',
        check: f => {
          if (!running(f)) {
            throw new ConflictError(
              `Guest ${name} is not running: start it instead`,
            );
          }
        },
        dispatch: (pve, g) => pve.rebootVm(g),
      };
  }
}

/** A new snapshot, optionally with the RAM state (running VMs only). */
export function createSnapshotPlan(
  name: string,
  body: { name: string; description?: string; includeRam: boolean },
): ActionPlan {
  return {
    action: 'snapshot',
    verb: 'snapshot',
    snapshots: true,
    check: f => {
      if (f.snapshots.some(s => s.name === body.name)) {
        throw new ConflictError(
          `Guest ${name} already has a snapshot named '${body.name}'`,
        );
      }
      if (body.includeRam && !running(f)) {
        throw new ConflictError(
          `Guest ${name} is stopped: the RAM state can only be saved while it runs (create the snapshot without includeRam)`,
        );
      }
    },
    dispatch: (pve, g) =>
      pve.createSnapshot({
        ...g,
        snapname: body.name,
        ...(body.description ? { description: body.description } : {}),
        vmstate: body.includeRam,
      }),
    meta: { snapshot: body.name, includeRam: body.includeRam },
  };
}

function snapshotMustExist(name: string, snapshot: string) {
  return (f: GuestFacts) => {
    if (!f.snapshots.some(s => s.name === snapshot)) {
      throw new NotFoundError(
        `Guest ${name} has no snapshot named '${snapshot}'`,
      );
    }
  };
}

/** Back to a snapshot (a RAM snapshot resumes the VM running). */
export function rollbackSnapshotPlan(
  name: string,
  snapshot: string,
): ActionPlan {
  return {
    action: 'rollback',
    verb: `roll back to snapshot '${snapshot}'`,
    snapshots: true,
    check: snapshotMustExist(name, snapshot),
    dispatch: (pve, g) => pve.rollbackSnapshot({ ...g, snapname: snapshot }),
    meta: { snapshot },
  };
}

export function deleteSnapshotPlan(name: string, snapshot: string): ActionPlan {
  return {
    action: 'delsnapshot',
    verb: `delete snapshot '${snapshot}' of`,
    snapshots: true,
    check: snapshotMustExist(name, snapshot),
    dispatch: (pve, g) => pve.deleteSnapshot({ ...g, snapname: snapshot }),
    meta: { snapshot },
  };
}
