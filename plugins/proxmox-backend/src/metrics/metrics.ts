import {
  Attributes,
  Counter,
  Histogram,
  MeterProvider,
  ObservableGauge,
  ObservableResult,
  ValueType,
  metrics,
} from '@opentelemetry/api';
import type { ProxmoxCallObservation } from '@mycopod/plugin-proxmox-node';

/** The OpenTelemetry meter of this plugin. */
export const METER_NAME = '@mycopod/plugin-proxmox-backend';

/** Every metric this plugin records (names are part of its API: see README). */
export const METRIC_NAMES = {
  provisioningDuration: 'mycopod.provisioning.duration',
  provisioningFailures: 'mycopod.provisioning.failures',
  requests: 'mycopod.requests',
  proxmoxApiDuration: 'mycopod.proxmox.api.duration',
  proxmoxApiErrors: 'mycopod.proxmox.api.errors',
  leaseActions: 'mycopod.lease.actions',
  guestActions: 'mycopod.guest.actions',
  rateLimited: 'mycopod.rate_limit.rejections',
} as const;

/** Reads the number of requests in each state (the plugin reads its DB). */
export type RequestCountReader = () => Promise<Record<string, number>>;

interface Instruments {
  provider: MeterProvider;
  provisioningDuration: Histogram;
  provisioningFailures: Counter;
  requests: ObservableGauge;
  proxmoxApiDuration: Histogram;
  proxmoxApiErrors: Counter;
  leaseActions: Counter;
  guestActions: Counter;
  rateLimited: Counter;
}

/** Bucket bounds in seconds: provisioning takes seconds to many minutes. */
const PROVISIONING_BUCKETS = [
  1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600,
];
/** Bucket bounds in seconds of one Proxmox HTTP call. */
const API_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/**
 * The plugin's metrics, through the global OpenTelemetry meter provider
 * (Backstage's `instrumentation.js` sets it up; without it every record is
 * a no-op). Instruments are created on first use and again when the global
 * provider changes, so a provider registered after this module loaded
 * (tests) is honoured. Attributes are low-cardinality: no VMIDs, request
 * ids or user refs.
 */
export class ProxmoxMetrics {
  #instruments?: Instruments;
  #requestCounts?: RequestCountReader;

  #get(): Instruments {
    const provider = metrics.getMeterProvider();
    if (this.#instruments?.provider === provider) return this.#instruments;
    const meter = provider.getMeter(METER_NAME);
    const requests = meter.createObservableGauge(METRIC_NAMES.requests, {
      description: 'MycoPod requests in each state',
      unit: '{request}',
      valueType: ValueType.INT,
    });
    requests.addCallback(result => this.#observeRequests(result));
    this.#instruments = {
      provider,
      provisioningDuration: meter.createHistogram(
        METRIC_NAMES.provisioningDuration,
        {
          description:
            'Time from the start of provisioning to ready or failed, by outcome',
          unit: 's',
          advice: { explicitBucketBoundaries: PROVISIONING_BUCKETS },
        },
      ),
      provisioningFailures: meter.createCounter(
        METRIC_NAMES.provisioningFailures,
        {
          description: 'Provisioning jobs that failed, by reason (the step)',
          unit: '{failure}',
          valueType: ValueType.INT,
        },
      ),
      requests,
      proxmoxApiDuration: meter.createHistogram(
        METRIC_NAMES.proxmoxApiDuration,
        {
          description:
            'Duration of one Proxmox API HTTP exchange, by cluster, method, route template and status',
          unit: 's',
          advice: { explicitBucketBoundaries: API_BUCKETS },
        },
      ),
      proxmoxApiErrors: meter.createCounter(METRIC_NAMES.proxmoxApiErrors, {
        description:
          'Failed Proxmox API HTTP exchanges, by cluster, method, route template and error',
        unit: '{error}',
        valueType: ValueType.INT,
      }),
      leaseActions: meter.createCounter(METRIC_NAMES.leaseActions, {
        description:
          'Lease actions (warn, expire, extend, decommission), by action',
        unit: '{action}',
        valueType: ValueType.INT,
      }),
      guestActions: meter.createCounter(METRIC_NAMES.guestActions, {
        description:
          'Immediate guest actions (power, snapshots), by action and outcome',
        unit: '{action}',
        valueType: ValueType.INT,
      }),
      rateLimited: meter.createCounter(METRIC_NAMES.rateLimited, {
        description: 'Requests answered 429, by limiter',
        unit: '{request}',
        valueType: ValueType.INT,
      }),
    };
    return this.#instruments;
  }

  async #observeRequests(result: ObservableResult) {
    if (!this.#requestCounts) return;
    let counts: Record<string, number>;
    try {
      counts = await this.#requestCounts();
    } catch {
      return; // the database is unavailable: no sample this time
    }
    for (const [state, count] of Object.entries(counts)) {
      result.observe(count, { state });
    }
  }

  /** Registers where the requests-by-state gauge reads its counts. */
  observeRequestStates(read: RequestCountReader): void {
    this.#requestCounts = read;
    this.#get();
  }

  /**
   * A provisioning job ended: its duration (from the request as the job
   * found it, i.e. its approval or, for a resumed job, the start of
   * provisioning) by outcome and request kind, and for a failure its
   * reason (the step it failed at).
   */
  provisioningEnded(e: {
    outcome: 'succeeded' | 'failed';
    /** Epoch ms of approval / provisioning start, and of the end. */
    since: number;
    now: number;
    kind?: string;
    reason?: string;
  }): void {
    const i = this.#get();
    const kind = e.kind ?? 'create';
    const seconds = (e.now - e.since) / 1000;
    if (Number.isFinite(seconds) && seconds >= 0) {
      i.provisioningDuration.record(seconds, { outcome: e.outcome, kind });
    }
    if (e.outcome === 'failed') {
      i.provisioningFailures.add(1, { reason: e.reason ?? 'unknown', kind });
    }
  }

  /** A `ProxmoxApi.observe` observer: latency and errors of every call. */
  readonly proxmoxCall = (o: ProxmoxCallObservation): void => {
    const i = this.#get();
    const attributes: Attributes = {
      cluster: o.cluster,
      method: o.method,
      route: o.route,
      status: o.status ?? 'none',
    };
    i.proxmoxApiDuration.record(o.durationMs / 1000, attributes);
    if (o.errorKind) {
      i.proxmoxApiErrors.add(1, { ...attributes, error: o.errorKind });
    }
  };

  /** A lease action: `warn`, `expire`, `extend`, `decommission`, … */
  leaseAction(action: string): void {
    this.#get().leaseActions.add(1, { action });
  }

  /** An immediate guest action and how it ended (`ok`, `failed`, `refused`). */
  guestAction(action: string, outcome: 'ok' | 'failed' | 'refused'): void {
    this.#get().guestActions.add(1, { action, outcome });
  }

  /** A request answered 429 by `limiter` (`writes`, `actions`). */
  rateLimited(limiter: string): void {
    this.#get().rateLimited.add(1, { limiter });
  }
}

/** The plugin's one metrics object. */
export const proxmoxMetrics = new ProxmoxMetrics();
