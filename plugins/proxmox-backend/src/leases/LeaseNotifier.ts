import type { LoggerService } from '@backstage/backend-plugin-api';
import type { NotificationService } from '@backstage/plugin-notifications-node';

/** A leased guest as the notifications name it. */
export interface NotifiedLease {
  cluster: string;
  vmid: number;
  /** The guest's name, when known. */
  name?: string;
  /** MycoPod guests: the create request (the link goes to its page). */
  requestId?: string;
  /** Group entity refs told about the lease: the owner group, or the approvers. */
  recipients: string[];
  endsAt: number;
}

/** `2026-12-03 10:00 UTC`. */
const day = (ms: number) =>
  `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;

/**
 * Tells the owner group (the approver groups for guests MycoPod did not
 * create) about its lease: the warning before the end and the shutdown at
 * the end. One notification scope per guest, so the expiry replaces the
 * warning. Best effort: a failure is logged, the scheduler's record stays
 * (a warning is never sent twice).
 */
export class LeaseNotifier {
  constructor(
    private readonly deps: {
      logger: LoggerService;
      notifications?: NotificationService;
      /** Base path of the request pages in the app. */
      appPath?: string;
    },
  ) {}

  #label(l: NotifiedLease) {
    return `VM ${l.name ?? l.vmid} (${l.cluster}/${l.vmid})`;
  }

  async warn(lease: NotifiedLease, graceMs: number): Promise<void> {
    await this.#send(lease, {
      title: `${this.#label(lease)} expires on ${day(lease.endsAt)}`,
      description: `Its lease ends on ${day(
        lease.endsAt,
      )}. It is then shut down, and decommissioned after a grace period of ${humanDuration(
        graceMs,
      )} unless the lease is extended.`,
      severity: 'normal',
    });
  }

  async expired(lease: NotifiedLease, decommissionAt: number): Promise<void> {
    await this.#send(lease, {
      title: `${this.#label(lease)} expired and was shut down`,
      description: `Its lease ended on ${day(
        lease.endsAt,
      )}. It will be decommissioned on ${day(
        decommissionAt,
      )} unless the lease is extended.`,
      severity: 'high',
    });
  }

  /** A guest MycoPod did not create: its grace is over, MycoPod leaves it to people. */
  async graceOver(lease: NotifiedLease): Promise<void> {
    await this.#send(lease, {
      title: `${this.#label(lease)}: the lease and its grace period are over`,
      description: `Its lease ended on ${day(
        lease.endsAt,
      )} and it has been shut down since. MycoPod did not create it and does not destroy it: remove it in Proxmox, or give it a longer lease in proxmox.leases.`,
      severity: 'high',
    });
  }

  async #send(
    lease: NotifiedLease,
    payload: {
      title: string;
      description: string;
      severity: 'normal' | 'high';
    },
  ) {
    if (!this.deps.notifications || lease.recipients.length === 0) return;
    try {
      await this.deps.notifications.send({
        recipients: { type: 'entity', entityRef: lease.recipients },
        payload: {
          ...payload,
          ...(lease.requestId
            ? {
                link: `${this.deps.appPath ?? '/proxmox/requests'}/${
                  lease.requestId
                }`,
              }
            : {}),
          topic: 'proxmox-lease',
          scope: `proxmox-lease:${lease.cluster}:${lease.vmid}`,
        },
      });
    } catch (e) {
      this.deps.logger.warn(
        `Could not send the lease notification of ${lease.cluster}/${lease.vmid}: ${e}`,
      );
    }
  }
}

/** `3 days`, `12 hours`, `45 seconds`: the largest whole unit. */
export function humanDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1000],
  ];
  for (const [unit, size] of units) {
    if (ms >= size) {
      const n = Math.floor(ms / size);
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  return '0 seconds';
}
