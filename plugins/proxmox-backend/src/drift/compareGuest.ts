/*
 * The one comparison of a guest's declared spec with its live config.
 * Pure: the scanner reads Proxmox, this decides what differs.
 */
import type {
  DriftFinding,
  VmNetwork,
  VmSpec,
} from '@mycopod/plugin-proxmox-common';
import {
  parsePropertyString,
  type PveFirewallRule,
  type PveQemuConfig,
} from '@mycopod/plugin-proxmox-node';
import { guestTags } from '../executor/vmConfig';
import { findBootDisk } from '../inventory/bootDisk';
import { byName } from '../inventory/shape';

/** What Proxmox says about a guest, as the scanner read it. */
export interface LiveGuest {
  /** `GET …/qemu/{vmid}/config` (pending values applied, as Proxmox answers). */
  config: PveQemuConfig;
  /** `GET …/qemu/{vmid}/firewall/rules`. */
  firewallRules: PveFirewallRule[];
}

/** Proxmox's defaults for keys a config leaves out. */
const DEFAULT_CORES = 1;
const DEFAULT_MEMORY_MIB = 512;

/** `{ bridge }` or `{ vnet }` as in the spec, plus the VLAN tag when set. */
type NetworkView = { bridge?: string; vnet?: string; vlan?: number };

function declaredNetwork(spec: VmSpec): NetworkView {
  return {
    ...spec.network,
    ...(spec.vlan !== undefined ? { vlan: spec.vlan } : {}),
  };
}

/**
 * The live `net0` in the shape of the declared network: a vnet is attached
 * as the NIC's `bridge`, so the key follows the declaration.
 */
function liveNetwork(
  config: PveQemuConfig,
  declared: VmNetwork,
): NetworkView | null {
  const net0 = config.nets[0];
  if (net0 === undefined) return null;
  const opts = parsePropertyString(net0);
  const key = 'vnet' in declared ? 'vnet' : 'bridge';
  const tag = opts.tag !== undefined ? Number(opts.tag) : undefined;
  return {
    ...(opts.bridge !== undefined ? { [key]: opts.bridge } : {}),
    ...(tag !== undefined && Number.isFinite(tag) ? { vlan: tag } : {}),
  };
}

const sortedUnique = (values: string[]) => [...new Set(values)].sort(byName);

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameNetwork(a: NetworkView, b: NetworkView | null): boolean {
  return (
    b !== null &&
    a.bridge === b.bridge &&
    a.vnet === b.vnet &&
    a.vlan === b.vlan
  );
}

/**
 * The fields of `declared` the live guest does not match, in the order of
 * `DRIFT_FIELDS`; empty when there is no drift. Compared: cores, memory,
 * boot disk size, the first NIC's bridge/vnet and VLAN tag, the enabled
 * security-group rules of the VM firewall and the tags (with `mycopod`, which
 * MycoPod adds to every guest).
 */
export function compareGuest(
  declared: VmSpec,
  live: LiveGuest,
): DriftFinding[] {
  const { config } = live;
  const findings: DriftFinding[] = [];
  const differ = (field: DriftFinding['field'], want: unknown, have: unknown) =>
    findings.push({ field, declared: want, actual: have });

  const cores = config.cores ?? DEFAULT_CORES;
  if (cores !== declared.cores) differ('cores', declared.cores, cores);

  const memory = config.memory ?? DEFAULT_MEMORY_MIB;
  if (memory !== declared.memoryMiB) {
    differ('memoryMiB', declared.memoryMiB, memory);
  }

  const disk = findBootDisk(config.raw);
  const diskGiB = disk ? disk.sizeGiB : null;
  if (diskGiB !== declared.diskGiB) {
    differ('diskGiB', declared.diskGiB, diskGiB);
  }

  const wantNet = declaredNetwork(declared);
  const haveNet = liveNetwork(config, declared.network);
  if (!sameNetwork(wantNet, haveNet)) differ('network', wantNet, haveNet);

  const wantGroups = sortedUnique(declared.securityGroups);
  const haveGroups = sortedUnique(
    live.firewallRules
      .filter(r => r.type === 'group' && r.enable)
      .map(r => r.action),
  );
  if (!sameList(wantGroups, haveGroups)) {
    differ('securityGroups', wantGroups, haveGroups);
  }

  const wantTags = guestTags(declared);
  const haveTags = sortedUnique(config.tags);
  if (!sameList(wantTags, haveTags)) differ('tags', wantTags, haveTags);

  return findings;
}
