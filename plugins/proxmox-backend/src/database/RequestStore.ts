import type { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  Finding,
  ProxmoxRequest,
  QUOTA_STATES,
  RequestChange,
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

/** What MycoPod knows about a guest it created (from its request). */
export interface GuestRecord {
  requestId: string;
  /** Group entity ref. */
  owner: string;
  /** Entity ref of the System of the spec. */
  system?: string;
  /** When the lease ends (ISO 8601): `lease_ends_at` of the create request. */
  leaseEndsAt?: string;
  /** The firewall security groups the request attached, sorted. */
  securityGroups?: string[];
}

/** Resources a group holds or has asked for. */
export interface GroupUsage {
  /** Guests (create requests). */
  count: number;
  /** Requests of any kind (a day-2 request holds a delta, no guest). */
  requests?: number;
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
  /** Day-2 kinds: the guest, and the create request that made it. */
  target?: { vmid: number; node?: string; createRequestId: string };
  change?: RequestChange;
  /**
   * The resource columns the quota sums; default the spec's size. A day-2
   * request stores the delta it asks for (new − old).
   */
  resources?: Resources;
  /** Comment of the first history row (e.g. a day-2 request's justification). */
  comment?: string;
}

/** The resource columns of a request row. */
export interface Resources {
  cores: number;
  memoryMiB: number;
  diskGiB: number;
}

/** The create request of a guest, and when its lease ends. */
export interface GuestTarget {
  request: ProxmoxRequest;
  /** Epoch ms; absent before the guest was ready. */
  leaseEndsAt?: number;
}

/** The request states of an open day-2 request. */
export const OPEN_STATES: readonly RequestState[] = [
  'pending',
  'approved',
  'provisioning',
];

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
      cores: request.resources?.cores ?? request.spec.cores,
      memory_mib: request.resources?.memoryMiB ?? request.spec.memoryMiB,
      disk_gib: request.resources?.diskGiB ?? request.spec.diskGiB,
      plan_id: request.planId ?? null,
      guest_node: request.target?.node ?? null,
      guest_vmid: request.target?.vmid ?? null,
      failure_reason: null,
      target_request_id: request.target?.createRequestId ?? null,
      change: request.change ? JSON.stringify(request.change) : null,
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
      comment: request.comment ?? null,
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
   * What a group's requests in the given states hold, except some requests.
   * Summed in SQL. `count` counts guests (create requests); a day-2
   * request's resource columns hold its delta, so they add up too.
   */
  async usage(
    trx: Knex | Knex.Transaction,
    owner: string,
    states: readonly RequestState[] = QUOTA_STATES,
    except?: string | ReadonlyArray<string | undefined>,
  ): Promise<GroupUsage> {
    const q = trx(TABLES.requests)
      .where({ owner })
      .whereIn('state', states as RequestState[]);
    const excluded = (Array.isArray(except) ? except : [except]).filter(
      (id): id is string => !!id,
    );
    if (excluded.length) q.whereNotIn('id', excluded);
    const [row]: Array<
      Record<'count' | 'requests' | 'cores' | 'memory' | 'disk', unknown>
    > = await q.select(
      trx.raw(
        "sum(case when kind = 'create' then 1 else 0 end) as count, count(*) as requests, sum(cores) as cores, sum(memory_mib) as memory, sum(disk_gib) as disk",
      ),
    );
    return {
      count: Number(row?.count ?? 0),
      requests: Number(row?.requests ?? 0),
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

  /**
   * What the create requests of guests say about them, by VMID: owner,
   * request id, the System of the spec, when the lease ends and the security
   * groups. Only `vmids` when given; the newest request of a VMID wins.
   */
  async guestOwners(
    cluster: string,
    vmids?: number[],
  ): Promise<Map<number, GuestRecord>> {
    const query = this.db<RequestRow>(TABLES.requests)
      .where({ cluster, kind: 'create' })
      .whereNotNull('guest_vmid')
      .whereIn('state', ['provisioning', 'ready', 'expired', 'failed'])
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .select('id', 'owner', 'guest_vmid', 'spec', 'lease_ends_at');
    if (vmids) query.whereIn('guest_vmid', vmids);
    const rows: Array<
      Pick<RequestRow, 'id' | 'owner' | 'guest_vmid' | 'spec' | 'lease_ends_at'>
    > = await query;
    return new Map(
      rows.map(r => {
        const spec = JSON.parse(r.spec) as Partial<VmSpec>;
        return [
          Number(r.guest_vmid),
          {
            requestId: r.id,
            owner: r.owner,
            ...(spec.system ? { system: spec.system } : {}),
            ...(r.lease_ends_at !== null && r.lease_ends_at !== undefined
              ? {
                  leaseEndsAt: new Date(
                    toMillis(r.lease_ends_at),
                  ).toISOString(),
                }
              : {}),
            ...(spec.securityGroups?.length
              ? { securityGroups: [...spec.securityGroups].sort() }
              : {}),
          },
        ];
      }),
    );
  }

  // ------------------------------------------------------------ day-2

  /**
   * The newest create request whose guest is `cluster`/`vmid` (any state:
   * the caller decides what a decommissioned or failed one means).
   */
  async guestTarget(
    cluster: string,
    vmid: number,
    db: Knex | Knex.Transaction = this.db,
  ): Promise<GuestTarget | undefined> {
    const row = await db<RequestRow>(TABLES.requests)
      .where({ cluster, guest_vmid: vmid, kind: 'create' })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .first();
    if (!row) return undefined;
    return {
      request: rowToRequest(row),
      ...(row.lease_ends_at !== null && row.lease_ends_at !== undefined
        ? { leaseEndsAt: toMillis(row.lease_ends_at) }
        : {}),
    };
  }

  /**
   * Open day-2 requests (pending, approved, provisioning) on a guest, oldest
   * first: by the create request of the guest, or by its cluster and VMID.
   */
  async openGuestRequests(
    on: { createRequestId: string } | { cluster: string; vmid: number },
    db: Knex | Knex.Transaction = this.db,
  ): Promise<ProxmoxRequest[]> {
    const q = db<RequestRow>(TABLES.requests)
      .whereNot({ kind: 'create' })
      .whereIn('state', OPEN_STATES as RequestState[]);
    if ('createRequestId' in on) {
      q.where({ target_request_id: on.createRequestId });
    } else {
      q.where({ cluster: on.cluster, guest_vmid: on.vmid });
    }
    const rows = await q.orderBy([
      { column: 'created_at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ]);
    return rows.map(rowToRequest);
  }

  /**
   * A resize succeeded: the create request declares the new size (spec and
   * resource columns), and the day-2 request's delta is zeroed, in the
   * caller's transaction so the quota sums never count it twice.
   */
  async applyDeclaredSpec(
    trx: Knex.Transaction,
    change: { createRequestId: string; day2RequestId: string; spec: VmSpec },
    now: number,
  ): Promise<void> {
    const { spec } = change;
    await trx(TABLES.requests)
      .where({ id: change.createRequestId })
      .update({
        spec: JSON.stringify(spec),
        cores: spec.cores,
        memory_mib: spec.memoryMiB,
        disk_gib: spec.diskGiB,
        updated_at: now,
      });
    await trx(TABLES.requests)
      .where({ id: change.day2RequestId })
      .update({ cores: 0, memory_mib: 0, disk_gib: 0 });
  }

  /** Sets when the lease of a create request's guest ends (absolute: idempotent). */
  async setLeaseEnd(
    db: Knex | Knex.Transaction,
    createRequestId: string,
    endsAt: number,
    now: number,
  ): Promise<void> {
    await db(TABLES.requests)
      .where({ id: createRequestId, kind: 'create' })
      .update({ lease_ends_at: endsAt, updated_at: now });
  }
}
