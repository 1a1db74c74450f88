import type {
  DraftOperation,
  Finding,
  GuestRequestBody,
  PlanAction,
  PlanOperationKind,
  RequestChange,
  VmSpec,
} from '@mycopod/plugin-proxmox-common';
import { guestRequestBodyOf } from '@mycopod/plugin-proxmox-common';
import type { DraftingFacts, KnownGuest } from './facts';
import type { GuestOperation } from './guestAbilities';

/** An operation of the model's answer, resolved against what exists. */
export type PlannedOperation =
  | { kind: 'create'; mode: 'request'; spec: VmSpec; summary: string }
  | {
      kind: 'resize' | 'decommission' | 'extend-lease';
      mode: 'request';
      guest: KnownGuest;
      body: GuestRequestBody;
      summary: string;
      change: RequestChange;
    }
  | {
      kind: 'power' | 'snapshot';
      mode: 'action';
      guest: KnownGuest;
      action: PlanAction;
      summary: string;
    }
  | {
      kind: PlanOperationKind;
      mode: 'invalid';
      proposed: unknown;
      findings: Finding[];
      summary: string;
      target?: { cluster: string; vmid: number; name?: string };
    };

function gib(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}

/** A guest's name for people: `db-01 (lab/101)`. */
export function guestLabel(g: {
  name?: string;
  cluster: string;
  vmid: number;
}): string {
  return `${g.name ?? `VM ${g.vmid}`} (${g.cluster}/${g.vmid})`;
}

/** One line about a new VM. */
export function createSummary(spec: VmSpec): string {
  return `Create ${spec.name} on ${spec.cluster}: ${spec.cores} vCPU, ${gib(
    spec.memoryMiB,
  )} memory, ${spec.diskGiB} GiB disk, from ${spec.template}, owned by ${
    spec.owner
  }`;
}

const VERBS: Record<GuestOperation, string> = {
  resize: 'resize',
  decommission: 'decommission',
  'extend-lease': 'extend the lease of',
  power: 'start or stop',
  snapshot: 'snapshot',
};

/** Old → new values of a day-2 body, against the guest's known size. */
export function changeOf(
  guest: KnownGuest,
  body: GuestRequestBody,
): RequestChange {
  if (body.kind === 'resize') {
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const key of ['cores', 'memoryMiB', 'diskGiB'] as const) {
      if (body[key] !== undefined) {
        before[key] = guest[key];
        after[key] = body[key];
      }
    }
    return { before, after };
  }
  if (body.kind === 'extend-lease') {
    return {
      before: { leaseEndsAt: guest.leaseEndsAt },
      after: { extendByDays: body.days },
    };
  }
  return { before: { state: 'exists' }, after: { state: 'decommissioned' } };
}

function daySummary(guest: KnownGuest, body: GuestRequestBody): string {
  const label = guestLabel(guest);
  if (body.kind === 'resize') {
    const parts: string[] = [];
    if (body.cores !== undefined) {
      parts.push(`${guest.cores ?? '?'} → ${body.cores} vCPU`);
    }
    if (body.memoryMiB !== undefined) {
      parts.push(
        `memory ${
          guest.memoryMiB !== undefined ? gib(guest.memoryMiB) : '?'
        } → ${gib(body.memoryMiB)}`,
      );
    }
    if (body.diskGiB !== undefined) {
      parts.push(`disk ${guest.diskGiB ?? '?'} → ${body.diskGiB} GiB`);
    }
    return `Resize ${label}: ${parts.join(', ')}`;
  }
  if (body.kind === 'extend-lease') {
    return `Extend the lease of ${label} by ${body.days} days`;
  }
  return `Decommission ${label}`;
}

/**
 * The guest an operation names, among the guests of the inventory: by
 * name (or `vm-<vmid>` / VMID), in its cluster when given. Unknown,
 * ambiguous, or not one the caller may act on this way: an error finding.
 */
export function resolveGuest(
  op: { guest: string; cluster?: string; kind: GuestOperation },
  facts: DraftingFacts,
): { guest: KnownGuest } | { finding: Finding; target?: KnownGuest } {
  const wanted = op.guest.trim().toLowerCase();
  const candidates = facts.guests.filter(
    g =>
      (op.cluster === undefined || g.cluster === op.cluster) &&
      ((g.name ?? '').toLowerCase() === wanted ||
        `vm-${g.vmid}` === wanted ||
        String(g.vmid) === wanted),
  );
  const where = op.cluster ? ` in ${op.cluster}` : '';
  if (candidates.length === 0) {
    return {
      finding: {
        level: 'error',
        field: 'guest',
        code: 'guest.unknown',
        message: `There is no guest named ${op.guest}${where}`,
      },
    };
  }
  if (candidates.length > 1) {
    return {
      finding: {
        level: 'error',
        field: 'guest',
        code: 'guest.ambiguous',
        message: `${candidates.length} guests are named ${
          op.guest
        } (${candidates
          .map(g => `${g.cluster}/${g.vmid}`)
          .join(', ')}); say which cluster`,
      },
    };
  }
  const [guest] = candidates;
  if (!guest.operations.has(op.kind)) {
    return {
      target: guest,
      finding: {
        level: 'error',
        field: 'guest',
        code: 'guest.not-allowed',
        message: `You may not ${VERBS[op.kind]} ${guestLabel(guest)}${
          guest.owner ? `: it belongs to ${guest.owner}` : ''
        }`,
      },
    };
  }
  return { guest };
}

const ACTION_WORDS = {
  start: 'Start',
  shutdown: 'Shut down',
  stop: 'Stop (force)',
  reboot: 'Reboot',
} as const;

/** A model operation resolved against the facts. */
export function interpret(
  op: DraftOperation,
  facts: DraftingFacts,
): PlannedOperation {
  if (op.kind === 'create') {
    return {
      kind: 'create',
      mode: 'request',
      spec: op.spec,
      summary: createSummary(op.spec),
    };
  }
  const resolved = resolveGuest(op, facts);
  if ('finding' in resolved) {
    const t = resolved.target;
    return {
      kind: op.kind,
      mode: 'invalid',
      proposed: op,
      findings: [resolved.finding],
      summary: `${op.kind} ${op.guest}${op.cluster ? ` in ${op.cluster}` : ''}`,
      ...(t
        ? {
            target: {
              cluster: t.cluster,
              vmid: t.vmid,
              ...(t.name ? { name: t.name } : {}),
            },
          }
        : {}),
    };
  }
  const { guest } = resolved;
  if (op.kind === 'power') {
    return {
      kind: 'power',
      mode: 'action',
      guest,
      action: { type: 'power', action: op.action },
      summary: `${ACTION_WORDS[op.action]} ${guestLabel(guest)} now`,
    };
  }
  if (op.kind === 'snapshot') {
    return {
      kind: 'snapshot',
      mode: 'action',
      guest,
      action: {
        type: 'snapshot',
        name: op.name,
        ...(op.description ? { description: op.description } : {}),
      },
      summary: `Take snapshot ${op.name} of ${guestLabel(guest)} now`,
    };
  }
  const body = guestRequestBodyOf(op);
  return {
    kind: op.kind,
    mode: 'request',
    guest,
    body,
    summary: daySummary(guest, body),
    change: changeOf(guest, body),
  };
}

/** An operation the schema refused (after the model's second try). */
export function invalidProposal(
  proposed: unknown,
  errors: string[],
): PlannedOperation {
  const kind = (proposed as { kind?: unknown } | null)?.kind;
  const known = [
    'create',
    'resize',
    'decommission',
    'extend-lease',
    'power',
    'snapshot',
  ] as const;
  return {
    kind: known.includes(kind as any) ? (kind as PlanOperationKind) : 'create',
    mode: 'invalid',
    proposed,
    findings: errors.map(message => ({
      level: 'error' as const,
      code: 'schema.invalid',
      message,
    })),
    summary: `An operation that could not be understood${
      typeof kind === 'string' ? ` (${kind.slice(0, 40)})` : ''
    }`,
  };
}
