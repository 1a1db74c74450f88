import { ConflictError } from '@backstage/errors';
import type {
  Finding,
  GuestDrift,
  RequestChange,
  VmSpec,
} from '@mycopod/plugin-proxmox-common';
import type { Resources } from '../database/RequestStore';
import { RequestValidationError } from './errors';
import type { GuestFacts } from './guestFacts';

/*
 * What a day-2 request changes, computed (pure) from the body, the guest's
 * declared spec (its create request) and what Proxmox says about it.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** A day-2 request about to be stored. */
export interface GuestChangePlan {
  /** The guest's declared spec as the request leaves it. */
  spec: VmSpec;
  change: RequestChange;
  /** The resource columns: the growth the request asks for (new − old, ≥ 0). */
  resources: Resources;
  /** Findings of the change itself (e.g. a reboot is needed). */
  findings: Finding[];
}

const NO_DELTA: Resources = { cores: 0, memoryMiB: 0, diskGiB: 0 };

/**
 * `resize`: cores, memory, boot disk (grow only: Proxmox cannot shrink a
 * disk). A running VM whose hotplug settings do not cover the CPU or memory
 * takes the new values at its next reboot (`rebootRequired`, a warning).
 */
export function planResize(
  body: { cores?: number; memoryMiB?: number; diskGiB?: number },
  declared: VmSpec,
  facts: GuestFacts | undefined,
): GuestChangePlan {
  const currentDisk = Math.max(declared.diskGiB, facts?.diskGiB ?? 0);
  if (body.diskGiB !== undefined && body.diskGiB < currentDisk) {
    throw new RequestValidationError([
      {
        field: 'diskGiB',
        message: `Proxmox cannot shrink a disk: the boot disk is ${currentDisk} GiB; ask for ${currentDisk} GiB or more`,
      },
    ]);
  }
  const next = {
    cores: body.cores ?? declared.cores,
    memoryMiB: body.memoryMiB ?? declared.memoryMiB,
    diskGiB: Math.max(body.diskGiB ?? declared.diskGiB, declared.diskGiB),
  };
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const key of ['cores', 'memoryMiB', 'diskGiB'] as const) {
    if (next[key] !== declared[key]) {
      before[key] = declared[key];
      after[key] = next[key];
    }
  }
  if (Object.keys(after).length === 0) {
    throw new RequestValidationError([
      {
        field: '',
        message: `Nothing to change: the guest already has ${declared.cores} vCPU, ${declared.memoryMiB} MiB of memory and a ${declared.diskGiB} GiB disk`,
      },
    ]);
  }
  const hot = facts?.hotplug ?? [];
  const cold = [
    ...('cores' in after && !hot.includes('cpu') ? ['cores'] : []),
    ...('memoryMiB' in after && !hot.includes('memory') ? ['memory'] : []),
  ];
  const rebootRequired = !!facts?.running && cold.length > 0;
  return {
    spec: { ...declared, ...next },
    change: { before, after, ...(rebootRequired ? { rebootRequired } : {}) },
    // a shrink frees its share only once it is done (the create request
    // then declares the smaller size): an open one holds nothing back
    resources: {
      cores: Math.max(0, next.cores - declared.cores),
      memoryMiB: Math.max(0, next.memoryMiB - declared.memoryMiB),
      diskGiB: next.diskGiB - declared.diskGiB,
    },
    findings: rebootRequired
      ? [
          {
            level: 'warning',
            field: 'cores' in after ? 'cores' : 'memoryMiB',
            code: 'resize.reboot-required',
            message: `The VM is running and its hotplug settings (${
              hot.join(', ') || 'none'
            }) do not cover ${cold
              .map(c => (c === 'cores' ? 'the CPU' : 'the memory'))
              .join(' or ')}: the new ${cold.join(' and ')} ${
              cold.length > 1 ? 'apply' : 'applies'
            } at its next reboot`,
          },
        ]
      : [],
  };
}

function powerOf(facts: GuestFacts | undefined): string {
  if (!facts) return 'absent';
  return facts.running ? 'running' : 'stopped';
}

/** `decommission`: stop, destroy with its disks, release. */
export function planDecommission(
  declared: VmSpec,
  facts: GuestFacts | undefined,
): GuestChangePlan {
  return {
    spec: declared,
    change: {
      before: {
        name: declared.name,
        status: powerOf(facts),
        cores: declared.cores,
        memoryMiB: declared.memoryMiB,
        diskGiB: declared.diskGiB,
      },
      after: { status: 'destroyed' },
    },
    resources: NO_DELTA,
    findings: [],
  };
}

/** `extend-lease`: the lease end moves by `days` (from now when it had none). */
export function planExtendLease(
  body: { days: number },
  declared: VmSpec,
  leaseEndsAt: number | undefined,
  now: number,
): GuestChangePlan {
  const from = leaseEndsAt ?? now;
  return {
    spec: declared,
    change: {
      before: {
        ...(leaseEndsAt !== undefined
          ? { leaseEndsAt: new Date(leaseEndsAt).toISOString() }
          : {}),
      },
      after: { leaseEndsAt: new Date(from + body.days * DAY_MS).toISOString() },
    },
    resources: NO_DELTA,
    findings: [],
  };
}

/**
 * `reconcile`: the declared values of the drifted fields go back on the
 * guest (`before`: what the drift check found, `after`: the declaration).
 * 409 when no drift is recorded.
 */
export function planReconcile(
  declared: VmSpec,
  drift: GuestDrift | undefined,
  where: string,
): GuestChangePlan {
  if (!drift?.findings.length) {
    throw new ConflictError(
      `No drift recorded for guest ${where}: there is nothing to reconcile`,
    );
  }
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const f of drift.findings) {
    before[f.field] = f.actual;
    after[f.field] = f.declared;
  }
  const findings: Finding[] = [];
  const disk = drift.findings.find(f => f.field === 'diskGiB');
  if (
    disk &&
    typeof disk.actual === 'number' &&
    disk.actual > declared.diskGiB
  ) {
    findings.push({
      level: 'warning',
      field: 'diskGiB',
      code: 'reconcile.disk-larger',
      message: `The disk is ${disk.actual} GiB, larger than the declared ${declared.diskGiB} GiB; Proxmox cannot shrink it, so it stays as it is`,
    });
  }
  return {
    spec: declared,
    change: { before, after },
    resources: NO_DELTA,
    findings,
  };
}
