import type { LoggerService } from '@backstage/backend-plugin-api';
import type { EventParams } from '@backstage/plugin-events-node';
import type { ProxmoxEntityProvider } from './ProxmoxEntityProvider';

/** The topics the proxmox-backend executor publishes guest changes on. */
export const GUEST_EVENT_TOPICS = [
  'proxmox.guest.created',
  'proxmox.guest.changed',
  'proxmox.guest.removed',
] as const;

interface GuestEventPayload {
  cluster: string;
  node?: string;
  vmid: number;
  requestId?: string;
  owner?: string;
}

function isPayload(p: unknown): p is GuestEventPayload {
  const o = p as GuestEventPayload | undefined;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.cluster === 'string' &&
    Number.isInteger(o.vmid)
  );
}

/**
 * Turns a guest event into delta refreshes of its cluster's provider. The
 * inventory may lag the event (Proxmox lists new guests after a moment, the
 * backend caches a read for a few seconds), so the refresh is retried until
 * the guest appears (created, changed) or leaves (removed), for at most
 * `settleMs`; a last refresh follows for `changed`. The handler returns at
 * once: the publisher (the executor) never waits for the catalog. Delivery
 * is not guaranteed; the scheduled full refresh is the safety net.
 */
export class GuestEventHandler {
  readonly #providers: Map<string, ProxmoxEntityProvider>;
  readonly #logger: LoggerService;
  readonly #settleMs: number;
  readonly #retryMs: number;
  #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(options: {
    providers: ProxmoxEntityProvider[];
    logger: LoggerService;
    settleMs?: number;
    retryMs?: number;
  }) {
    this.#providers = new Map(options.providers.map(p => [p.clusterName, p]));
    this.#logger = options.logger;
    this.#settleMs = options.settleMs ?? 15_000;
    this.#retryMs = options.retryMs ?? 500;
  }

  async onEvent(params: EventParams): Promise<void> {
    const payload = params.eventPayload;
    if (!isPayload(payload)) {
      this.#logger.warn(
        `Ignoring ${params.topic}: payload without cluster/vmid`,
      );
      return;
    }
    const provider = this.#providers.get(payload.cluster);
    if (!provider) {
      this.#logger.warn(
        `Ignoring ${params.topic} for unknown Proxmox cluster ${payload.cluster}`,
      );
      return;
    }
    const removed = params.topic === 'proxmox.guest.removed';
    const deadline = Date.now() + this.#settleMs;
    const attempt = async () => {
      if (this.#stopped) return;
      try {
        await provider.refresh({
          mode: 'delta',
          removedVmid: removed ? payload.vmid : undefined,
        });
      } catch (error) {
        this.#logger.warn(
          `Delta refresh of ${payload.cluster} after ${params.topic} failed: ${error}`,
        );
      }
      const settled = provider.sees(payload.vmid) !== removed;
      if (!settled && Date.now() < deadline) {
        this.#later(attempt, this.#retryMs);
      } else if (!settled) {
        this.#logger.info(
          `Guest ${payload.cluster}/${payload.vmid} of ${params.topic} not yet in the inventory; the scheduled refresh will pick it up`,
        );
      }
    };
    this.#later(attempt, 0);
    if (params.topic === 'proxmox.guest.changed') {
      this.#later(attempt, this.#settleMs);
    }
  }

  #later(fn: () => Promise<void>, ms: number) {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void fn();
    }, ms);
    timer.unref?.();
    this.#timers.add(timer);
  }

  stop() {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
