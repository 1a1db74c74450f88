import type { GuestLease } from '@mycopod/plugin-proxmox-common';
import { type LeaseTimings, leaseView } from './leasePlan';
import type { GuestKey, LeaseStore } from './LeaseStore';

/**
 * The lease of a guest as the guest endpoint shows it: a MycoPod guest's
 * (its create request's end), else the pool/tag lease the scheduler tracks
 * for a guest MycoPod did not create; undefined for a guest without one.
 */
export class LeaseReader {
  constructor(
    private readonly store: LeaseStore,
    private readonly timings: LeaseTimings,
  ) {}

  async get(cluster: string, vmid: number): Promise<GuestLease | undefined> {
    const key: GuestKey = { cluster, vmid };
    const managed = await this.store.managedLease(key);
    if (managed) {
      return leaseView(
        {
          endsAt: managed.endsAt,
          requestState: managed.state,
          tracking: managed.tracking,
        },
        this.timings,
      );
    }
    const other = await this.store.unmanagedLease(key);
    return other
      ? leaseView(
          { endsAt: other.endsAt, tracking: other.tracking },
          this.timings,
        )
      : undefined;
  }
}
