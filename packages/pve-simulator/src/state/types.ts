import type { LockManager } from './locks';
import type { Task } from './tasks';

export type GuestType = 'qemu' | 'lxc';

export interface Snapshot {
  name: string;
  description: string;
  snaptime: number;
  vmstate: boolean;
  parent?: string;
  config: Record<string, string>;
}

/** A firewall rule as stored in a *.fw file (values as strings). */
export interface FirewallRule {
  type: string;
  action: string;
  enable?: number;
  macro?: string;
  source?: string;
  dest?: string;
  proto?: string;
  dport?: string;
  sport?: string;
  iface?: string;
  log?: string;
  comment?: string;
  'icmp-type'?: string;
}

export interface Guest {
  vmid: number;
  type: GuestType;
  node: string;
  /** Current config values (file format: strings). */
  config: Record<string, string>;
  /** `[PENDING]` section: values to apply on next start/reboot. */
  pending: Record<string, string>;
  pendingDelete: Set<string>;
  snapshots: Map<string, Snapshot>;
  status: 'running' | 'stopped';
  /** epoch ms of the last start (uptime / agent readiness) */
  startedAt?: number;
  /** epoch ms the guest appeared (cluster/resources lag) */
  createdAt: number;
  pid?: number;
  /** the guest OS ignores ACPI shutdown requests (an injected `shutdown-timeout`) until it is stopped */
  refusesShutdown?: boolean;
  firewall: { options: Record<string, string>; rules: FirewallRule[] };
}

export interface NetIface {
  iface: string;
  type: string;
  active?: number;
  autostart?: number;
  exists?: number;
  method: string;
  method6: string;
  families: string[];
  priority: number;
  bridge_ports?: string;
  bridge_stp?: string;
  bridge_fd?: string;
  bridge_vlan_aware?: number;
  bridge_vids?: string;
  cidr?: string;
  address?: string;
  netmask?: string;
  gateway?: string;
  comments?: string;
}

export interface NodeState {
  name: string;
  nodeid: number;
  ip: string;
  /** Configured state (an offline node from the fleet spec). Fault injection is separate. */
  online: boolean;
  maxcpu: number;
  maxmem: number;
  maxdisk: number;
  baseMem: number;
  baseDisk: number;
  cpuModel: string;
  /** epoch seconds */
  bootTime: number;
  sslFingerprint: string;
  network: NetIface[];
  nextPid: number;
  pstart: number;
}

export type StoragePluginType =
  | 'dir'
  | 'lvmthin'
  | 'lvm'
  | 'zfspool'
  | 'nfs'
  | 'rbd'
  | 'cifs';

export interface StorageDef {
  storage: string;
  type: StoragePluginType;
  content: string[];
  shared: boolean;
  /** restricted to these nodes (undefined = all) */
  nodes?: string[];
  /** capacity in bytes (per node for local storage, total for shared) */
  capacity: number;
  /** bytes used by things we do not model (ISOs, other data) */
  baseUsed: number;
  path?: string;
  thinpool?: string;
  vgname?: string;
  pool?: string;
  server?: string;
  export?: string;
  disable?: boolean;
}

export interface Pool {
  poolid: string;
  comment?: string;
  vms: Set<number>;
  storages: Set<string>;
}

export interface FirewallGroup {
  group: string;
  comment?: string;
  rules: FirewallRule[];
}

export interface Zone {
  zone: string;
  type: 'simple' | 'vlan' | 'vxlan' | 'evpn' | 'qinq';
  bridge?: string;
}

export interface Vnet {
  vnet: string;
  zone: string;
  tag?: number;
  alias?: string;
  vlanaware?: number;
}

export interface Volume {
  storage: string;
  /** node the volume lives on (for shared storage: where it was created) */
  node: string;
  volname: string;
  size: number;
  vmid: number;
}

export interface ClusterState {
  name: string;
  index: number;
  nodes: Map<string, NodeState>;
  guests: Map<number, Guest>;
  storages: Map<string, StorageDef>;
  /** allocated bytes per storage key (`storeid` when shared, else `node/storeid`) */
  storageUsed: Map<string, number>;
  /** volume registry, key `storageKey|volname` */
  volumes: Map<string, Volume>;
  pools: Map<string, Pool>;
  firewallGroups: Map<string, FirewallGroup>;
  zones: Map<string, Zone>;
  vnets: Map<string, Vnet>;
  tasks: Map<string, Task>;
  locks: LockManager;
  /** cluster config version (corosync), for cluster/status */
  version: number;
}

export interface SimState {
  seed: number;
  clusters: ClusterState[];
}
