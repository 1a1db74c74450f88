import type { ProvisioningStep, VmSpec } from '@mycopod/plugin-proxmox-common';
import type {
  ProxmoxClient,
  PveQemuConfig,
} from '@mycopod/plugin-proxmox-node';
import type { JobStore, JobUpdate, StepResults } from '../database/JobStore';
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

/** Everything a step may use. */
export interface StepContext {
  requestId: string;
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
  /** Stores progress under the lease (throws LeaseLostError) and updates `state`. */
  save(update: JobUpdate): Promise<void>;
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
