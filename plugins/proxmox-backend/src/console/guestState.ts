import type { ProxmoxClusters } from '@mycopod/plugin-proxmox-node';
import type { ConsoleBinding } from './ConsoleTicketStore';

/**
 * The power state of a guest, read fresh from Proxmox (`status/current` of
 * a VM; the node's container list for a container); undefined when the
 * guest is not on that node any more.
 */
export async function guestPowerState(
  clusters: ProxmoxClusters,
  g: Pick<ConsoleBinding, 'cluster' | 'node' | 'vmid' | 'type'>,
  options: { timeoutMs?: number } = {},
): Promise<string | undefined> {
  const pve = clusters.get(g.cluster);
  const call = { timeoutMs: options.timeoutMs, retry: false as const };
  if (g.type === 'qemu') {
    const s = await pve.getVmStatus({ node: g.node, vmid: g.vmid }, call);
    return s.status;
  }
  const list = await pve.listLxc({ node: g.node }, call);
  return list.find(c => Number(c.vmid) === g.vmid)?.status;
}
