import type { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  Finding,
  ProxmoxRequest,
  QUOTA_STATES,
  RequestEvent,
  RequestKind,
  RequestState,
  VmSpec,
} from '@mycopod/plugin-proxmox-common';
import type { Knex } from 'knex';
import type { RequestFilter } from '../permissions/rules';
import { applyRequestFilter } from '../permissions/toKnex';
import {
  EventRow,
  RequestRow,
  TABLES,
  rowToEvent,
  rowToRequest,
  toMillis,
} from './tables';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What MycoPod knows about a guest it created (from its request). */
export interface GuestRecord {
  requestId: string;
  /** Group entity ref. */
  owner: string;
  /** Entity ref of the System of the spec. */
  system?: string;
  /** The first `ready` transition plus `spec.leaseDays` (ISO 8601). */
  leaseEndsAt?: string;
  /** The firewall security groups the request attached, sorted. */
  securityGroups?: string[];
}

/** Resources a group holds or has asked for. */
export interface GroupUsage {
  count: number;
  cores: number;
  memoryMiB: number;
  diskGiB: number;
}

export interface NewRequest {
  id: string;
  kind: RequestKind;
  state: RequestState;
  requester: string;
  spec: VmSpec;
  findings: Finding[];
  planId?: string;
}

export interface ListRequestsOptions {
  /** A permission condition, applied in SQL. */
  filter?: PermissionCriteria<RequestFilter>;
  requester?: string;
  states?: RequestState[];
  cursor?: string;
  limit: number;
}

/** Columns a transition may change besides the state. */
export interface RequestPatch {
  findings?: Finding[];
  guestNode?: string;
  guestVmid?: number;
  failureReason?: string;
}

/** A cursor that was not made by this API. */
export class CursorError extends Error {
  constructor() {
    super('cursor is not valid');
    this.name = 'CursorError';
  }
}

function encodeCursor(row: { created_at: number | string; id: string }) {
  return Buffer.from(`${row.created_at}:${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url')
    .toString('utf8')
    .split(':');
  const ms = Number(createdAt);
  if (!Number.isSafeInteger(ms) || !/^[0-9a-f-]{36}$/.test(id ?? '')) {
    throw new CursorError();
  }
  return { createdAt: ms, id };
}

/**
 * Requests and their history in the plugin's database. The only writer of
 * these tables; every state change goes through {@link RequestStore.transition}.
 */
export class RequestStore {
  constructor(private readonly db: Knex) {}

  get knex(): Knex {
    return this.db;
  }

  async insert(
    trx: Knex.Transaction,
    request: NewRequest,
    actor: string,
    now: number,
  ): Promise<ProxmoxRequest> {
    const row: RequestRow = {
      id: request.id,
      kind: request.kind,
      state: request.state,
      requester: request.requester,
      owner: request.spec.owner,
      cluster: request.spec.cluster,
      spec: JSON.stringify(request.spec),
      findings: JSON.stringify(request.findings),
      cores: request.spec.cores,
      memory_mib: request.spec.memoryMiB,
      disk_gib: request.spec.diskGiB,
      plan_id: request.planId ?? null,
      guest_node: null,
      guest_vmid: null,
      failure_reason: null,
      created_at: now,
      updated_at: now,
    };
    await trx(TABLES.requests).insert(row);
    await trx(TABLES.events).insert({
      request_id: request.id,
      actor,
      event: 'create',
      from_state: null,
      to_state: request.state,
      comment: null,
      created_at: now,
    });
    return rowToRequest(row);
  }

  async get(
    id: string,
    trx: Knex | Knex.Transaction = this.db,
  ): Promise<ProxmoxRequest | undefined> {
    const row = await trx<RequestRow>(TABLES.requests).where({ id }).first();
    return row ? rowToRequest(row) : undefined;
  }

  async getMany(ids: string[]): Promise<Map<string, ProxmoxRequest>> {
    const rows = await this.db<RequestRow>(TABLES.requests).whereIn('id', ids);
    return new Map(rows.map(r => [r.id, rowToRequest(r)]));
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(options: ListRequestsOptions): Promise<{
    items: ProxmoxRequest[];
    nextCursor?: string;
  }> {
    const q = this.db<RequestRow>(TABLES.requests);
    if (options.filter) applyRequestFilter(q, options.filter);
    if (options.requester) q.where('requester', options.requester);
    if (options.states?.length) q.whereIn('state', options.states);
    if (options.cursor) {
      const c = decodeCursor(options.cursor);
      q.where(w =>
        w
          .where('created_at', '<', c.createdAt)
          .orWhere(e =>
            e.where('created_at', c.createdAt).where('id', '<', c.id),
          ),
      );
    }
    const rows = await q
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit + 1);
    const page = rows.slice(0, options.limit);
    return {
      items: page.map(rowToRequest),
      ...(rows.length > options.limit
        ? { nextCursor: encodeCursor(page[page.length - 1]) }
        : {}),
    };
  }

  async history(id: string): Promise<RequestEvent[]> {
    const rows = await this.db<EventRow>(TABLES.events)
      .where({ request_id: id })
      .orderBy('id', 'asc');
    return rows.map(rowToEvent);
  }

  /**
   * What a group's requests in the given states hold, except one request.
   * Summed in SQL.
   */
  async usage(
    trx: Knex | Knex.Transaction,
    owner: string,
    states: readonly RequestState[] = QUOTA_STATES,
    exceptId?: string,
  ): Promise<GroupUsage> {
    const q = trx(TABLES.requests)
      .where({ owner })
      .whereIn('state', states as RequestState[]);
    if (exceptId) q.whereNot({ id: exceptId });
    const [row] = await q
      .count({ count: '*' })
      .sum({ cores: 'cores', memory: 'memory_mib', disk: 'disk_gib' });
    return {
      count: Number(row?.count ?? 0),
      cores: Number(row?.cores ?? 0),
      memoryMiB: Number(row?.memory ?? 0),
      diskGiB: Number(row?.disk ?? 0),
    };
  }

  /**
   * Serialises quota decisions of one owner group until the transaction ends
   * (PostgreSQL advisory lock; SQLite transactions are serial already).
   */
  async lockOwner(trx: Knex.Transaction, owner: string): Promise<void> {
    if (trx.client.config.client === 'pg') {
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [
        `proxmox-quota:${owner}`,
      ]);
    }
  }

  /**
   * Compare-and-set of the state: changes the row only if it is still in
   * `from`, and writes the history row. Returns false when another writer
   * moved it first.
   */
  async transition(
    trx: Knex.Transaction,
    change: {
      id: string;
      from: RequestState;
      to: RequestState;
      event: string;
      actor: string;
      comment?: string;
      patch?: RequestPatch;
    },
    now: number,
  ): Promise<boolean> {
    const { patch = {} } = change;
    const updated = await trx(TABLES.requests)
      .where({ id: change.id, state: change.from })
      .update({
        state: change.to,
        updated_at: now,
        ...(patch.findings ? { findings: JSON.stringify(patch.findings) } : {}),
        ...(patch.guestNode !== undefined
          ? { guest_node: patch.guestNode }
          : {}),
        ...(patch.guestVmid !== undefined
          ? { guest_vmid: patch.guestVmid }
          : {}),
        ...(patch.failureReason !== undefined
          ? { failure_reason: patch.failureReason }
          : {}),
      });
    if (updated !== 1) return false;
    await trx(TABLES.events).insert({
      request_id: change.id,
      actor: change.actor,
      event: change.event,
      from_state: change.from,
      to_state: change.to,
      comment: change.comment ?? null,
      created_at: now,
    });
    return true;
  }

  /** Records where the guest is, without a state change. */
  async setGuest(
    trx: Knex | Knex.Transaction,
    id: string,
    guest: { node?: string; vmid?: number },
    now: number,
  ): Promise<void> {
    await trx(TABLES.requests)
      .where({ id })
      .update({
        updated_at: now,
        ...(guest.node !== undefined ? { guest_node: guest.node } : {}),
        ...(guest.vmid !== undefined ? { guest_vmid: guest.vmid } : {}),
      });
  }

  /** The requests that created guests of a cluster, by VMID. */
  /**
   * What the requests that created guests say about them, by VMID: owner,
   * request id, the System of the spec and when the lease ends (the first
   * transition to `ready` plus `spec.leaseDays`). Only `vmids` when given.
   */
  async guestOwners(
    cluster: string,
    vmids?: number[],
  ): Promise<Map<number, GuestRecord>> {
    const ready = this.db(TABLES.events)
      .where('to_state', 'ready')
      .groupBy('request_id')
      .select('request_id')
      .min({ ready_at: 'created_at' })
      .as('ready');
    const query = this.db(`${TABLES.requests} as r`)
      .leftJoin(ready, 'ready.request_id', 'r.id')
      .where('r.cluster', cluster)
      .whereNotNull('r.guest_vmid')
      .whereIn('r.state', ['provisioning', 'ready', 'expired', 'failed'])
      .select('r.id', 'r.owner', 'r.guest_vmid', 'r.spec', 'ready.ready_at');
    if (vmids) query.whereIn('r.guest_vmid', vmids);
    const rows: Array<{
      id: string;
      owner: string;
      guest_vmid: number | string;
      spec: string;
      ready_at: number | string | null;
    }> = await query;
    return new Map(
      rows.map(r => {
        const spec = JSON.parse(r.spec) as Partial<VmSpec>;
        const readyAt = r.ready_at === null ? undefined : toMillis(r.ready_at);
        const leaseEndsAt =
          readyAt !== undefined && typeof spec.leaseDays === 'number'
            ? new Date(readyAt + spec.leaseDays * DAY_MS).toISOString()
            : undefined;
        return [
          Number(r.guest_vmid),
          {
            requestId: r.id,
            owner: r.owner,
            ...(spec.system ? { system: spec.system } : {}),
            ...(leaseEndsAt ? { leaseEndsAt } : {}),
            ...(spec.securityGroups?.length
              ? { securityGroups: [...spec.securityGroups].sort() }
              : {}),
          },
        ];
      }),
    );
  }
}
