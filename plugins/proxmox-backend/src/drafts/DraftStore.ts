import type {
  Finding,
  PlanOperation,
  PlanState,
  ProxmoxRequest,
  VmSpec,
} from '@mycopod/plugin-proxmox-common';
import type { Knex } from 'knex';
import { RequestRow, TABLES, rowToRequest, toMillis } from '../database/tables';

/** The table of plans (its requests are in `proxmox_requests.plan_id`). */
export const PLANS_TABLE = 'proxmox_plans';

/**
 * An operation as the plan row keeps it, in plan order. For a request
 * operation (`id` = request id) the request row is the truth for its
 * state, spec and findings; actions and invalid proposals live here only.
 */
export type StoredOperation = Omit<PlanOperation, 'request'>;

export interface PlanRecord {
  id: string;
  requester: string;
  state: PlanState;
  text: string;
  rationale: string;
  assumptions: string[];
  operations: StoredOperation[];
  findings: Finding[];
  provider: string;
  model: string;
  createdAt: number;
  updatedAt: number;
}

interface PlanRow {
  id: string;
  requester: string;
  state: PlanState;
  text: string;
  rationale: string;
  assumptions: string;
  operations: string;
  findings: string;
  provider: string;
  model: string;
  created_at: number | string;
  updated_at: number | string;
}

function toRecord(row: PlanRow): PlanRecord {
  return {
    id: row.id,
    requester: row.requester,
    state: row.state,
    text: row.text,
    rationale: row.rationale,
    assumptions: JSON.parse(row.assumptions),
    operations: JSON.parse(row.operations),
    findings: JSON.parse(row.findings),
    provider: row.provider,
    model: row.model,
    createdAt: toMillis(row.created_at),
    updatedAt: toMillis(row.updated_at),
  };
}

/**
 * Plans and the draft rows of their requests. State changes of requests
 * stay with the request state machine; this store only writes the plan row
 * and, on a request that is still a draft, its findings and its spec.
 */
export class DraftStore {
  constructor(private readonly db: Knex) {}

  async insertPlan(record: PlanRecord): Promise<void> {
    await this.db<PlanRow>(PLANS_TABLE).insert({
      id: record.id,
      requester: record.requester,
      state: record.state,
      text: record.text,
      rationale: record.rationale,
      assumptions: JSON.stringify(record.assumptions),
      operations: JSON.stringify(record.operations),
      findings: JSON.stringify(record.findings),
      provider: record.provider,
      model: record.model,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
    });
  }

  async getPlan(id: string): Promise<PlanRecord | undefined> {
    const row = await this.db<PlanRow>(PLANS_TABLE).where({ id }).first();
    return row ? toRecord(row) : undefined;
  }

  /**
   * Changes a plan that is still in `from` (compare-and-set); false when
   * another writer moved it first.
   */
  async updatePlan(
    id: string,
    from: PlanState,
    patch: {
      state?: PlanState;
      operations?: StoredOperation[];
      findings?: Finding[];
    },
    now: number,
  ): Promise<boolean> {
    const updated = await this.db<PlanRow>(PLANS_TABLE)
      .where({ id, state: from })
      .update({
        updated_at: now,
        ...(patch.state ? { state: patch.state } : {}),
        ...(patch.operations
          ? { operations: JSON.stringify(patch.operations) }
          : {}),
        ...(patch.findings ? { findings: JSON.stringify(patch.findings) } : {}),
      });
    return updated === 1;
  }

  /** The requests of a plan, by id. */
  async requestsOf(planId: string): Promise<Map<string, ProxmoxRequest>> {
    const rows = await this.db<RequestRow>(TABLES.requests).where({
      plan_id: planId,
    });
    return new Map(rows.map(r => [r.id, rowToRequest(r)]));
  }

  /** Replaces the findings of a request that is still a draft. */
  async setDraftFindings(
    id: string,
    findings: Finding[],
    now: number,
  ): Promise<boolean> {
    const updated = await this.db<RequestRow>(TABLES.requests)
      .where({ id, state: 'draft' })
      .update({ findings: JSON.stringify(findings), updated_at: now });
    return updated === 1;
  }

  /**
   * Replaces the spec of a `create` request that is still a draft (its
   * resource columns with it) and records the edit in its history.
   */
  async updateDraftSpec(
    id: string,
    spec: VmSpec,
    findings: Finding[],
    actor: string,
    now: number,
  ): Promise<boolean> {
    return this.db.transaction(async trx => {
      const updated = await trx<RequestRow>(TABLES.requests)
        .where({ id, state: 'draft', kind: 'create' })
        .update({
          spec: JSON.stringify(spec),
          owner: spec.owner,
          cluster: spec.cluster,
          cores: spec.cores,
          memory_mib: spec.memoryMiB,
          disk_gib: spec.diskGiB,
          findings: JSON.stringify(findings),
          updated_at: now,
        });
      if (updated !== 1) return false;
      await trx(TABLES.events).insert({
        request_id: id,
        actor,
        event: 'edit',
        from_state: 'draft',
        to_state: 'draft',
        comment: 'The draft was edited in its plan review',
        created_at: now,
      });
      return true;
    });
  }
}
