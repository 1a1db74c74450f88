import type {
  ProvisioningStep,
  RequestChange,
  RequestKind,
  VmSpec,
} from '@mycopod/plugin-proxmox-common';
import type {
  ProxmoxClient,
  PveQemuConfig,
} from '@mycopod/plugin-proxmox-node';
import type { Knex } from 'knex';
import type { JobStore, JobUpdate, StepResults } from '../database/JobStore';
import type { RequestStore } from '../database/RequestStore';
import type { GuestReleaseHook } from '../service/ports';
import type { PooledIpv4 } from '../ipam/IpPoolService';
import type { ExecutorConfig } from './config';

/** A template resolved for cloning. */
export interface PlacementTemplate {
  vmid: number;
  name: string;
  node: string;
  diskGiB: number;
  storage?: string;
}

/**
 * Where templates live and where new VMs go: the part of the inventory the
 * executor needs (the InventoryService implements it).
 */
export interface PlacementPort {
  resolveTemplate(
    cluster: string,
    template: number | string,
  ): Promise<PlacementTemplate | undefined>;
  choosePlacement(
    cluster: string,
    template: { node: string; storage?: string },
    wanted?: { node?: string; storage?: string; memoryMiB: number },
  ): Promise<{ node: string; storage?: string }>;
}

/** What the executor knows of a job while it holds it. */
export interface JobState {
  step: ProvisioningStep;
  results: StepResults;
  vmid: number | null;
  node: string | null;
  upid: string | null;
}

/** Stored result of `allocate-vmid`. */
export interface AllocationResult {
  vmid: number;
  /** Target node of the clone. */
  node: string;
  storage?: string;
  templateVmid: number;
  sourceNode: string;
}

/**
 * What the steps learnt during the current claim, in memory only: never
 * stored, so a resumed or re-claimed job reads Proxmox again.
 */
export interface ClaimMemo {
  /**
   * A VMID allocated fresh (not taken over from an earlier attempt) in this
   * claim, to which nothing has been sent yet.
   */
  freshVmid?: number;
  /** The guest's config as last read in this claim (after its clone). */
  guestConfig?: { vmid: number; node: string; config: PveQemuConfig };
}

/** The IP pools as the executor sees them (src/ipam). */
export interface IpLeasePort {
  leaseOf(requestId: string): Promise<PooledIpv4 | undefined>;
}

/** What the steps of a day-2 request need besides the guest's location. */
export interface Day2Context {
  kind: Exclude<RequestKind, 'create'>;
  /** The create request of the guest (its marker, its declared spec). */
  createRequestId: string;
  change?: RequestChange;
  requests: RequestStore;
  releaseHooks: readonly GuestReleaseHook[];
}

/** Everything a step may use. */
export interface StepContext {
  requestId: string;
  /**
   * The request whose marker the guest carries: the request itself for a
   * create, the guest's create request for a day-2 request.
   */
  markerId: string;
  /** Day-2 requests only. */
  day2?: Day2Context;
  cluster: string;
  spec: VmSpec;
  pve: ProxmoxClient;
  placement: PlacementPort;
  jobs: JobStore;
  config: ExecutorConfig;
  signal: AbortSignal;
  now(): number;
  state: JobState;
  /** In-memory knowledge of this claim (absent: none). */
  memo?: ClaimMemo;
  /** The address an IP pool gave a `cloudInit.ipv4: { pool }` request. */
  ipPools?: IpLeasePort;
  /**
   * Stores progress under the lease (throws LeaseLostError) and updates
   * `state`; in `trx` when given (committed with the caller's writes).
   */
  save(update: JobUpdate, trx?: Knex.Transaction): Promise<void>;
}

/** How a step ended: its stored result, and where to go on. */
export interface StepOutcome {
  /** Stored under the step's name (absent: nothing stored). */
  result?: unknown;
  /** Next step (default: the following one). */
  next?: ProvisioningStep;
  /** Results of steps to forget (when going back). */
  clear?: ProvisioningStep[];
  vmid?: number | null;
  node?: string | null;
  upid?: string | null;
}

export type Step = (ctx: StepContext) => Promise<StepOutcome>;
