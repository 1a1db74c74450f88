import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  type ProxmoxRequest,
  type RequestState,
  ipv4PoolOf,
} from '@mycopod/plugin-proxmox-common';
import type { Knex } from 'knex';
import type { GuestReleaseHook } from '../service/ports';
import type { AllocationRecord, IpAllocationStore } from './IpAllocationStore';
import { formatIpv4 } from './ipv4';

/**
 * Gives pool addresses back and ties them to their guests, in the
 * transaction of the change that causes it:
 * - a create request that becomes `ready` binds its address to the guest;
 * - one `cancelled`, `rejected` or `decommissioned`, or `failed` without a
 *   guest left behind, frees it (a failed request whose partial guest was
 *   kept keeps the address with that guest);
 * - a guest the executor destroyed (decommission) frees its address.
 */
export class IpPoolRelease implements GuestReleaseHook {
  constructor(
    private readonly store: IpAllocationStore,
    private readonly logger: LoggerService,
  ) {}

  /** Listener of every request transition (RequestStateMachine). */
  async onTransition(
    trx: Knex.Transaction,
    change: { request: ProxmoxRequest; from: RequestState },
  ): Promise<void> {
    const { request } = change;
    if (
      request.kind !== 'create' ||
      ipv4PoolOf(request.spec?.cloudInit?.ipv4) === undefined
    ) {
      return;
    }
    const vmid = request.guest?.vmid;
    switch (request.state) {
      case 'ready':
        if (vmid !== undefined) {
          await this.store.bindGuest(trx, request.id, {
            cluster: request.spec.cluster,
            vmid,
          });
        }
        return;
      case 'failed':
        if (vmid !== undefined) {
          // the partial guest was kept: it has the address configured
          await this.store.bindGuest(trx, request.id, {
            cluster: request.spec.cluster,
            vmid,
          });
          return;
        }
        this.log(await this.store.releaseRequest(trx, request.id), 'failed');
        return;
      case 'cancelled':
      case 'rejected':
      case 'decommissioned':
        this.log(
          await this.store.releaseRequest(trx, request.id),
          request.state,
        );
        return;
      default:
    }
  }

  /**
   * The executor destroyed a guest (decommission's `release` step): its
   * address is free. Idempotent.
   */
  async onGuestReleased(
    trx: Knex | Knex.Transaction,
    guest: { cluster: string; vmid: number; requestId?: string },
  ): Promise<void> {
    this.log(
      await this.store.releaseGuest(trx, guest),
      `guest ${guest.cluster}/${guest.vmid} released`,
    );
  }

  private log(freed: AllocationRecord[], why: string) {
    for (const f of freed) {
      this.logger.info(
        `IP pool ${f.pool}: ${formatIpv4(f.address)} of request ${
          f.requestId
        } is free again (${why})`,
      );
    }
  }
}
