import {
  stepsOf,
  type ProvisioningProgress,
  type RequestKind,
  type ProvisioningStep,
  type ProxmoxRequest,
  type VmSpec,
} from '@mycopod/plugin-proxmox-common';
import type { Knex } from 'knex';
import { TABLES } from './tables';

export type JobStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled';

export interface JobRow {
  request_id: string;
  kind: string;
  status: JobStatus;
  cluster: string;
  step: string;
  step_results: string;
  node: string | null;
  vmid: number | null;
  upid: string | null;
  lease_owner: string | null;
  lease_expires_at: number | string | null;
  attempts: number;
  next_attempt_at: number | string;
  last_error: string | null;
  created_at: number | string;
  updated_at: number | string;
}

/**
 * Provisioning jobs. A job is written in the same transaction as the
 * approval; workers claim it with a lease (see the executor).
 */
export class JobStore {
  constructor(private readonly db: Knex) {}

  get knex(): Knex {
    return this.db;
  }

  /**
   * Queues the job of an approved request (idempotent per request), at the
   * first step of its kind; a day-2 job starts with its guest's location.
   */
  async enqueue(
    trx: Knex.Transaction,
    request: ProxmoxRequest,
    now: number,
  ): Promise<void> {
    await trx(TABLES.jobs)
      .insert({
        request_id: request.id,
        kind: request.kind,
        status: 'queued',
        cluster: request.spec.cluster,
        step: stepsOf(request.kind)[0],
        step_results: '{}',
        ...(request.target
          ? { vmid: request.target.vmid, node: request.target.node ?? null }
          : {}),
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      })
      .onConflict('request_id')
      .ignore();
  }

  /** Marks a job that has not finished as cancelled. */
  async cancel(trx: Knex.Transaction, requestId: string, now: number) {
    await trx(TABLES.jobs)
      .where({ request_id: requestId })
      .whereIn('status', ['queued', 'running'])
      .update({ status: 'cancelled', updated_at: now });
  }

  async get(
    requestId: string,
    trx: Knex | Knex.Transaction = this.db,
  ): Promise<JobRow | undefined> {
    return trx<JobRow>(TABLES.jobs).where({ request_id: requestId }).first();
  }

  /** What `GET /requests/:id` shows of a job. */
  async progress(requestId: string): Promise<ProvisioningProgress | undefined> {
    const job = await this.get(requestId);
    if (!job) return undefined;
    const results = parseStepResults(job.step_results);
    return {
      step: job.step as ProvisioningStep,
      completed: stepsOf(job.kind as RequestKind).filter(
        s => results[s] !== undefined,
      ),
      attempts: Number(job.attempts),
      ...(job.upid ? { upid: job.upid } : {}),
      ...(results.taskLogTail?.length
        ? { taskLogTail: results.taskLogTail }
        : {}),
      ...(results['wait-ip']?.addresses?.length
        ? { ipAddresses: results['wait-ip'].addresses }
        : {}),
      ...(job.last_error ? { error: job.last_error } : {}),
    };
  }

  // ------------------------------------------------------------ workers

  /**
   * Claims up to `limit` jobs that are due: `queued` with `next_attempt_at`
   * reached, or `running` with an expired lease (its worker died). The
   * candidates are read in a transaction (PostgreSQL: `FOR UPDATE SKIP
   * LOCKED`, so replicas never wait on or share a row), filtered by
   * `accept` (this worker's free capacity), then leased with a
   * compare-and-set: `running`, `lease_owner`, `attempts + 1`.
   */
  async claim(options: {
    workerId: string;
    now: number;
    leaseMs: number;
    limit: number;
    accept: (job: ClaimCandidate) => boolean;
  }): Promise<JobRow[]> {
    const { workerId, now, leaseMs } = options;
    if (options.limit <= 0) return [];
    const due = (q: Knex.QueryBuilder) =>
      q
        .where(w =>
          w.where({ status: 'queued' }).andWhere('next_attempt_at', '<=', now),
        )
        .orWhere(w =>
          w.where({ status: 'running' }).andWhere('lease_expires_at', '<', now),
        );
    return this.db.transaction(async trx => {
      let query = trx<JobRow>(TABLES.jobs)
        .where(due)
        .orderBy('next_attempt_at', 'asc')
        .limit(options.limit * 4 + 8);
      if (this.isPostgres) query = query.forUpdate().skipLocked();
      const rows: JobRow[] = await query;
      if (rows.length === 0) return [];
      const specs = new Map<string, string>(
        (
          await trx(TABLES.requests)
            .whereIn(
              'id',
              rows.map(r => r.request_id),
            )
            .select('id', 'spec')
        ).map((r: { id: string; spec: string }) => [r.id, r.spec]),
      );
      const claimed: JobRow[] = [];
      for (const row of rows) {
        if (claimed.length >= options.limit) break;
        const spec = specs.get(row.request_id);
        if (!spec || !options.accept({ ...row, spec: JSON.parse(spec) })) {
          continue;
        }
        const changed = await trx(TABLES.jobs)
          .where({ request_id: row.request_id, status: row.status })
          .where(due)
          .update({
            status: 'running',
            lease_owner: workerId,
            lease_expires_at: now + leaseMs,
            attempts: Number(row.attempts) + 1,
            updated_at: now,
          });
        if (changed === 1) {
          claimed.push({
            ...row,
            status: 'running',
            lease_owner: workerId,
            lease_expires_at: now + leaseMs,
            attempts: Number(row.attempts) + 1,
          });
        }
      }
      return claimed;
    });
  }

  /** Extends a lease; false when the lease was lost (or the job ended). */
  async renew(
    requestId: string,
    workerId: string,
    now: number,
    leaseMs: number,
  ): Promise<boolean> {
    const changed = await this.owned(this.db, requestId, workerId).update({
      lease_expires_at: now + leaseMs,
      updated_at: now,
    });
    return changed === 1;
  }

  /**
   * Stores the progress of a job this worker holds: the next step, every
   * stored result and the guest location. False when the lease was lost.
   */
  async save(
    requestId: string,
    workerId: string,
    update: JobUpdate,
    now: number,
    trx: Knex | Knex.Transaction = this.db,
  ): Promise<boolean> {
    const changed = await this.owned(trx, requestId, workerId).update({
      ...toColumns(update),
      updated_at: now,
    });
    return changed === 1;
  }

  /**
   * Gives a held job back to the queue after a transient failure: due again
   * at `nextAttemptAt`, lease released. False when the lease was lost.
   */
  async retryLater(
    requestId: string,
    workerId: string,
    update: JobUpdate & { nextAttemptAt: number; error: string },
    now: number,
  ): Promise<boolean> {
    const changed = await this.owned(this.db, requestId, workerId).update({
      ...toColumns(update),
      status: 'queued',
      lease_owner: null,
      lease_expires_at: null,
      next_attempt_at: update.nextAttemptAt,
      last_error: update.error,
      updated_at: now,
    });
    return changed === 1;
  }

  /** Ends a held job (in the transaction of the request's state change). */
  async finish(
    trx: Knex.Transaction,
    requestId: string,
    workerId: string,
    update: JobUpdate & {
      status: 'succeeded' | 'failed' | 'cancelled';
      error?: string;
    },
    now: number,
  ): Promise<boolean> {
    const changed = await this.owned(trx, requestId, workerId).update({
      ...toColumns(update),
      status: update.status,
      lease_owner: null,
      lease_expires_at: null,
      ...(update.error !== undefined ? { last_error: update.error } : {}),
      updated_at: now,
    });
    return changed === 1;
  }

  private owned(
    db: Knex | Knex.Transaction,
    requestId: string,
    workerId: string,
  ) {
    return db(TABLES.jobs).where({
      request_id: requestId,
      lease_owner: workerId,
      status: 'running',
    });
  }

  private get isPostgres(): boolean {
    return String(this.db.client.config.client).includes('pg');
  }

  // ------------------------------------------------------ VMID reservations

  /**
   * Reserves a VMID of a cluster for a request (one row per cluster and
   * VMID, shared by all replicas). False when another request holds it.
   */
  async reserveVmid(
    cluster: string,
    vmid: number,
    requestId: string,
    now: number,
  ): Promise<boolean> {
    // one statement when the id is free; the row is read only on a conflict
    // (it may be this request's own reservation)
    const inserted = await this.db(TABLES.vmids)
      .insert({ cluster, vmid, request_id: requestId, created_at: now })
      .onConflict(['cluster', 'vmid'])
      .ignore()
      .returning('vmid');
    if (inserted.length > 0) return true;
    const row = await this.db(TABLES.vmids).where({ cluster, vmid }).first();
    return row?.request_id === requestId;
  }

  /** The VMIDs a request holds in a cluster. */
  async reservedVmids(cluster: string, requestId: string): Promise<number[]> {
    const rows = await this.db(TABLES.vmids)
      .where({ cluster, request_id: requestId })
      .orderBy('created_at', 'asc')
      .select('vmid');
    return rows.map((r: { vmid: number | string }) => Number(r.vmid));
  }

  /** Releases a reservation of a request (never another request's). */
  async releaseVmid(
    cluster: string,
    vmid: number,
    requestId: string,
    trx: Knex | Knex.Transaction = this.db,
  ): Promise<void> {
    await trx(TABLES.vmids)
      .where({ cluster, vmid, request_id: requestId })
      .delete();
  }
}

/** A due job and the spec of its request, offered to the claim filter. */
export type ClaimCandidate = JobRow & { spec: VmSpec };

/** What a worker writes about a job it holds. */
export interface JobUpdate {
  step?: string;
  results?: StepResults;
  node?: string | null;
  vmid?: number | null;
  upid?: string | null;
  attempts?: number;
}

/** `step_results`: one entry per completed step, plus the last task log tail. */
export type StepResults = Partial<Record<ProvisioningStep, any>> & {
  taskLogTail?: string[];
  [key: string]: any;
};

export function parseStepResults(text: string | null | undefined): StepResults {
  if (!text) return {};
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}

function toColumns(update: JobUpdate): Record<string, unknown> {
  return {
    ...(update.step !== undefined ? { step: update.step } : {}),
    ...(update.results !== undefined
      ? { step_results: JSON.stringify(update.results) }
      : {}),
    ...(update.node !== undefined ? { node: update.node } : {}),
    ...(update.vmid !== undefined ? { vmid: update.vmid } : {}),
    ...(update.upid !== undefined ? { upid: update.upid } : {}),
    ...(update.attempts !== undefined ? { attempts: update.attempts } : {}),
  };
}
