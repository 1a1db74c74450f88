import { ServiceUnavailableError } from '@backstage/errors';
import { parseRequestMarker } from '@mycopod/plugin-proxmox-common';
import type { ProxmoxClient } from '@mycopod/plugin-proxmox-node';
import { findBootDisk } from '../inventory/bootDisk';
import { describeFailure } from '../inventory/describeFailure';

/** What filing a day-2 request reads of the guest in Proxmox. */
export interface GuestFacts {
  node: string;
  type: 'qemu' | 'lxc';
  running: boolean;
  /** The request id of the guest's marker line, if any. */
  markerRequestId?: string;
  cores?: number;
  memoryMiB?: number;
  /** Boot disk size (GiB). */
  diskGiB?: number;
  /** Hotplug features (`cpu`, `memory`, `disk`, `network`, `usb`). */
  hotplug: string[];
}

const DEFAULT_HOTPLUG = ['network', 'disk', 'usb'];

/** `hotplug` of a qemu config as a feature list (Proxmox's default when unset). */
export function hotplugFeatures(value: unknown): string[] {
  if (value === undefined || value === null || value === '') {
    return DEFAULT_HOTPLUG;
  }
  const text = String(value);
  if (text === '1') return DEFAULT_HOTPLUG;
  if (text === '0') return [];
  return text.split(',').map(f => f.trim());
}

/**
 * The guest's location, power state, marker and size, read from Proxmox
 * before any transaction opens. Undefined when it does not exist; a 503
 * (without secrets) when Proxmox cannot say.
 */
export async function readGuestFacts(
  pve: ProxmoxClient,
  cluster: string,
  vmid: number,
  nodeHint?: string,
): Promise<GuestFacts | undefined> {
  let found;
  try {
    found = await pve.findGuest(vmid, nodeHint ? [nodeHint] : [], {
      withStatus: true,
    });
  } catch (error) {
    throw new ServiceUnavailableError(
      `Could not read guest ${vmid} of the Proxmox cluster '${cluster}': ${describeFailure(
        error,
      )}`,
    );
  }
  if (!found) return undefined;
  const { config } = found;
  const raw = (config.raw ?? {}) as Record<string, unknown>;
  const disk = found.type === 'qemu' ? findBootDisk(raw as any) : undefined;
  const memory = Number(raw.memory);
  const cores = Number(raw.cores);
  return {
    node: found.node,
    type: found.type,
    running: found.status?.status === 'running',
    ...(parseRequestMarker(config.description)
      ? { markerRequestId: parseRequestMarker(config.description) }
      : {}),
    ...(Number.isFinite(cores) && cores > 0 ? { cores } : {}),
    ...(Number.isFinite(memory) && memory > 0 ? { memoryMiB: memory } : {}),
    ...(disk && disk.sizeGiB > 0 ? { diskGiB: disk.sizeGiB } : {}),
    hotplug: hotplugFeatures(raw.hotplug),
  };
}
