import type { GuestDrift } from '@mycopod/plugin-proxmox-common';
import type { Knex } from 'knex';

/*
 * Ports of the day-2 requests: what other parts of the plugin plug in.
 */

/**
 * The last drift check of a guest (declared spec vs live config), for
 * `reconcile` requests. Implemented by the drift scanner's store
 * (src/drift/DriftStore.ts).
 */
export interface DriftReader {
  get(cluster: string, vmid: number): Promise<GuestDrift | undefined>;
}

/** The guest a decommission released. */
export interface ReleasedGuest {
  cluster: string;
  vmid: number;
  /** The create request of the guest. */
  requestId: string;
}

/**
 * Told when a decommission releases a destroyed guest, in the transaction
 * that releases its VMID reservation and stores the `release` step (so a
 * hook's writes commit with it, or not at all). May run again for the same
 * guest if the worker dies before that transaction commits: keep it
 * idempotent. E.g. IP pools free the guest's address here.
 */
export interface GuestReleaseHook {
  onGuestReleased(trx: Knex.Transaction, guest: ReleasedGuest): Promise<void>;
}
