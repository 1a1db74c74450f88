import type { ProxmoxClient } from '@mycopod/plugin-proxmox-node';
import type { JobStore } from '../database/JobStore';
import { describeError } from './errors';
import { isOurs } from './vmConfig';

/** What became of the partial guest of a failed job. */
export interface CleanupOutcome {
  /** The guest that could not be removed (kept, flagged in the reason). */
  kept?: { node: string; vmid: number };
  /** A sentence for the failure reason. */
  note?: string;
}

/**
 * Removes the partial guest of a failed job, only if it carries the
 * request's marker (stop, then destroy with its disks), and releases the
 * request's VMID reservations unless a guest still holds the VMID.
 */
export async function removePartialGuest(options: {
  pve: ProxmoxClient;
  jobs: JobStore;
  cluster: string;
  requestId: string;
  vmid: number | null;
  nodes: string[];
  taskMs: number;
  signal?: AbortSignal;
}): Promise<CleanupOutcome> {
  const { pve, jobs, cluster, requestId, vmid, signal } = options;
  const releaseAll = async (except?: number) => {
    for (const held of await jobs.reservedVmids(cluster, requestId)) {
      if (held === except) continue;
      await jobs.releaseVmid(cluster, held, requestId);
      pve.releaseVmid(held);
    }
  };
  if (vmid === null) {
    await releaseAll();
    return {};
  }
  let found;
  try {
    found = await pve.findGuest(vmid, options.nodes, { signal });
  } catch (e) {
    return {
      kept: { node: options.nodes[0] ?? 'unknown', vmid },
      note: `Whether a partial VM ${vmid} exists could not be checked (${describeError(
        e,
      )}); check VMID ${vmid} and remove it if it carries this request's marker.`,
    };
  }
  if (!found || !isOurs(requestId, found.config.description)) {
    await releaseAll();
    return {};
  }
  const guest = { node: found.node, vmid };
  const wait = {
    call: { signal },
    wait: { timeoutMs: options.taskMs, signal },
  };
  try {
    if (found.config.lock) {
      await pve.waitForVmUnlock(guest, { timeoutMs: options.taskMs, signal });
    }
    await pve.stopVmAndWait(guest, wait);
    await pve.deleteVmAndWait(
      { ...guest, purge: true, 'destroy-unreferenced-disks': true },
      wait,
    );
  } catch (e) {
    await releaseAll(vmid);
    return {
      kept: guest,
      note: `The partial VM ${vmid} on node ${
        guest.node
      } could not be removed (${describeError(
        e,
      )}); it is kept and must be removed by hand.`,
    };
  }
  await releaseAll();
  return { note: `The partial VM ${vmid} was removed.` };
}
