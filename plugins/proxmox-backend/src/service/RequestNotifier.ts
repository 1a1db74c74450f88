import type {
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { EventsService } from '@backstage/plugin-events-node';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { SignalsService } from '@backstage/plugin-signals-node';
import {
  guestSignalChannel,
  type ProxmoxRequest,
  type RequestState,
} from '@mycopod/plugin-proxmox-common';
import type { Request } from 'express';
import { day2Title, describeChange } from './day2Text';

/** Signal channel of one request. */
export const requestSignalChannel = (id: string) => `proxmox:request:${id}`;
/** Signal channel of the request queue (any request changed state). */
export const QUEUE_SIGNAL_CHANNEL = 'proxmox:requests';
/** Events service topics the executor publishes on. */
export const GUEST_EVENT_TOPICS = {
  created: 'proxmox.guest.created',
  changed: 'proxmox.guest.changed',
  removed: 'proxmox.guest.removed',
} as const;

export interface StateChange {
  request: ProxmoxRequest;
  from?: RequestState;
  to: RequestState;
  event: string;
  actor: string;
  comment?: string;
}

const TITLES: Partial<Record<RequestState, (r: ProxmoxRequest) => string>> = {
  pending: r => `VM ${r.spec.name} awaits approval`,
  approved: r => `VM ${r.spec.name} was approved`,
  rejected: r => `VM ${r.spec.name} was rejected`,
  ready: r => `VM ${r.spec.name} is ready`,
  failed: r => `VM ${r.spec.name} could not be provisioned`,
  cancelled: r => `VM request ${r.spec.name} was cancelled`,
};

/**
 * Tells people and other plugins about request changes: notifications (one
 * scope per request, so updates replace each other), signals (per request and
 * for the queue), auditor events and, for guests, events-service events.
 * Best effort after the transaction committed: a failure here is logged and
 * never undoes or fails the state change. Carries no secret.
 */
export class RequestNotifier {
  constructor(
    private readonly deps: {
      logger: LoggerService;
      auditor: AuditorService;
      notifications?: NotificationService;
      signals?: SignalsService;
      events?: EventsService;
      /** Who is told about pending requests. */
      approverGroups: string[];
      /** Called before a guest change is published (e.g. to drop caches). */
      onGuestChanged?: (cluster: string) => void;
      /** Base path of the request pages in the app. */
      appPath?: string;
    },
  ) {}

  private link(id: string) {
    return `${this.deps.appPath ?? '/proxmox/requests'}/${id}`;
  }

  async onStateChange(change: StateChange): Promise<void> {
    await Promise.all([this.notify(change), this.signal(change)]);
  }

  private async notify({ request, to, comment }: StateChange) {
    const day2 = request.kind !== 'create';
    const title = day2 ? day2Title(request, to) : TITLES[to]?.(request);
    if (!title || !this.deps.notifications) return;
    // day-2 outcomes go to the requester and the guest's owner group
    const told = day2
      ? [request.requester, request.owner].filter(r => r !== 'system')
      : request.requester;
    const recipients =
      to === 'pending'
        ? {
            type: 'entity' as const,
            entityRef: this.deps.approverGroups,
            excludeEntityRef: request.requester,
          }
        : { type: 'entity' as const, entityRef: told };
    let description = comment;
    if (to === 'pending' && day2) {
      description = describeChange(request);
    } else if (to === 'pending') {
      description = `${request.requester} asks for ${request.spec.cores} vCPU, ${request.spec.memoryMiB} MiB, ${request.spec.diskGiB} GiB on ${request.spec.cluster} for ${request.owner}.`;
    } else if (to === 'failed') {
      description = request.failureReason;
    }
    try {
      await this.deps.notifications.send({
        recipients,
        payload: {
          title,
          ...(description ? { description } : {}),
          link: this.link(request.id),
          severity: to === 'failed' ? 'high' : 'normal',
          topic: 'proxmox-request',
          scope: `proxmox-request:${request.id}`,
        },
      });
    } catch (e) {
      this.deps.logger.warn(
        `Could not send the notification of request ${request.id}: ${e}`,
      );
    }
  }

  private async signal({ request, from, to }: StateChange) {
    if (!this.deps.signals) return;
    const message = {
      requestId: request.id,
      state: to,
      ...(from ? { from } : {}),
    };
    // a day-2 request's guest page follows its open requests
    const guest = request.target
      ? [guestSignalChannel(request.target.cluster, request.target.vmid)]
      : [];
    try {
      await Promise.all(
        [requestSignalChannel(request.id), QUEUE_SIGNAL_CHANNEL, ...guest].map(
          channel =>
            this.deps.signals!.publish({
              recipients: { type: 'broadcast' },
              channel,
              message:
                channel === guest[0]
                  ? { ...message, kind: request.kind }
                  : message,
            }),
        ),
      );
    } catch (e) {
      this.deps.logger.warn(`Could not publish signals of ${request.id}: ${e}`);
    }
  }

  /** Progress of a request without a state change (provisioning steps). */
  async onProgress(requestId: string, step: string): Promise<void> {
    if (!this.deps.signals) return;
    try {
      await this.deps.signals.publish({
        recipients: { type: 'broadcast' },
        channel: requestSignalChannel(requestId),
        message: { requestId, step },
      });
    } catch (e) {
      this.deps.logger.warn(`Could not publish progress of ${requestId}: ${e}`);
    }
  }

  /** Publishes a guest change for the catalog (delivery not guaranteed). */
  async onGuestChange(
    topic: (typeof GUEST_EVENT_TOPICS)[keyof typeof GUEST_EVENT_TOPICS],
    payload: {
      cluster: string;
      node?: string;
      vmid: number;
      requestId?: string;
      owner?: string;
    },
  ): Promise<void> {
    this.deps.onGuestChanged?.(payload.cluster);
    if (!this.deps.events) return;
    try {
      await this.deps.events.publish({ topic, eventPayload: payload });
    } catch (e) {
      this.deps.logger.warn(`Could not publish ${topic}: ${e}`);
    }
  }

  /**
   * Records an auditor event around `fn`: success with its metadata, or
   * failure with the error.
   */
  async audit<T>(
    eventId: string,
    meta: Record<string, string | number | undefined>,
    fn: () => Promise<T>,
    request?: Request,
    severityLevel: 'low' | 'medium' | 'high' = 'medium',
  ): Promise<T> {
    const clean = Object.fromEntries(
      Object.entries(meta).filter(([, v]) => v !== undefined),
    );
    const event = await this.deps.auditor.createEvent({
      eventId,
      severityLevel,
      ...(request ? { request } : {}),
      meta: clean,
    });
    try {
      const result = await fn();
      await event.success();
      return result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  }
}
