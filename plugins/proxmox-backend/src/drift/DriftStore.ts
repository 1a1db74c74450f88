import type {
  DriftFinding,
  GuestDrift,
  VmSpec,
} from '@mycopod/plugin-proxmox-common';
import type { Knex } from 'knex';
import { TABLES, toMillis } from '../database/tables';
import type { DriftReader } from '../service/ports';

/** The table of the last drift check per guest. */
export const DRIFT_TABLE = 'proxmox_guest_drift';

interface DriftRow {
  cluster: string;
  vmid: number | string;
  request_id: string;
  findings: string;
  checked_at: number | string;
}

/** A MycoPod guest and what its create request declares. */
export interface DeclaredGuest {
  requestId: string;
  cluster: string;
  vmid: number;
  /** Where the request last saw it (the cluster read is authoritative). */
  node?: string;
  /** The create request's spec, as approved resizes left it. */
  spec: VmSpec;
}

/**
 * Drift findings in the plugin's database: the last comparison of each
 * MycoPod guest, replaced as a whole by every check (an empty set is a
 * guest without drift). Read by the guest endpoint.
 */
export class DriftStore implements DriftReader {
  constructor(private readonly db: Knex) {}

  /** The last check of a guest; undefined when it was never checked. */
  async get(cluster: string, vmid: number): Promise<GuestDrift | undefined> {
    const row = await this.db<DriftRow>(DRIFT_TABLE)
      .where({ cluster, vmid })
      .first();
    if (!row) return undefined;
    return {
      checkedAt: new Date(toMillis(row.checked_at)).toISOString(),
      findings: JSON.parse(row.findings) as DriftFinding[],
    };
  }

  /** Replaces the findings of a guest with the set of one check. */
  async replace(
    guest: { cluster: string; vmid: number; requestId: string },
    findings: DriftFinding[],
    checkedAt: number,
  ): Promise<void> {
    await this.db(DRIFT_TABLE)
      .insert({
        cluster: guest.cluster,
        vmid: guest.vmid,
        request_id: guest.requestId,
        findings: JSON.stringify(findings),
        checked_at: checkedAt,
      })
      .onConflict(['cluster', 'vmid'])
      .merge(['request_id', 'findings', 'checked_at']);
  }

  /** Forgets the guests of a cluster that are no longer MycoPod guests. */
  async retain(cluster: string, vmids: number[]): Promise<number> {
    return this.db(DRIFT_TABLE)
      .where({ cluster })
      .whereNotIn('vmid', vmids)
      .delete();
  }

  /**
   * The guests MycoPod created in a cluster that exist (create request
   * `ready` or `expired`), with their declared spec.
   */
  async declaredGuests(cluster: string): Promise<DeclaredGuest[]> {
    const rows: Array<{
      id: string;
      guest_vmid: number | string;
      guest_node: string | null;
      spec: string;
    }> = await this.db(TABLES.requests)
      .where({ cluster, kind: 'create' })
      .whereIn('state', ['ready', 'expired'])
      .whereNotNull('guest_vmid')
      .select('id', 'guest_vmid', 'guest_node', 'spec')
      .orderBy('guest_vmid');
    return rows.map(r => ({
      requestId: r.id,
      cluster,
      vmid: Number(r.guest_vmid),
      ...(r.guest_node ? { node: r.guest_node } : {}),
      spec: JSON.parse(r.spec) as VmSpec,
    }));
  }
}
