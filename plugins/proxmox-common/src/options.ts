import type { GuestAction, GuestDrift, GuestLease } from './day2';
import type { RequestKind, RequestState } from './request';
/** An IP pool a request form may offer (`GET /options`). */
export interface IpPoolChoice {
  name: string;
  /** The network the pool's addresses belong to. */
  network: { bridge: string } | { vnet: string };
  /** e.g. `10.10.0.0/24`. */
  cidr: string;
  gateway: string;
  /** Addresses the pool hands out. */
  size: number;
  /** Of those, not allocated to a request now. */
  free: number;
}

/** What a user may choose from in a request form (`GET /options`). */
export interface ProxmoxOptions {
  clusters: Array<{ name: string; default: boolean }>;
  /** Filled for the chosen cluster (the first one when none is given). */
  cluster?: string;
  templates: Array<{
    vmid: number;
    name: string;
    node: string;
    diskGiB: number;
    storage?: string;
  }>;
  nodes: Array<{
    name: string;
    online: boolean;
    freeCores: number;
    freeMemoryMiB: number;
    maxMemoryMiB: number;
  }>;
  storages: Array<{
    name: string;
    node?: string;
    shared: boolean;
    freeGiB: number;
  }>;
  bridges: string[];
  vnets: string[];
  /**
   * IP pools of the chosen cluster the owner group (or, without one, the
   * caller's groups) may use, on the networks above.
   */
  ipPools?: IpPoolChoice[];
  securityGroups: string[];
  sizePresets: Array<{
    name: string;
    cores: number;
    memoryMiB: number;
    diskGiB: number;
  }>;
  lease: { defaultDays: number; maxDays: number };
  limits: {
    maxCores: number;
    maxMemoryMiB: number;
    maxDiskGiB: number;
  };
}

/** One cluster of `GET /inventory`. */
export interface InventoryCluster {
  name: string;
  /** Set when the cluster could not be read; the rest of the entry is empty. */
  error?: string;
  /** Stable facts only: live status and usage come from `GET /nodes/…`. */
  nodes: Array<{
    name: string;
    maxcpu?: number;
    maxmem?: number;
  }>;
  templates: Array<{ vmid: number; name: string; node: string }>;
  /**
   * Guests (templates apart). Stable facts only: the power status, uptime and
   * usage change on their own, so they are not in the inventory (nor its
   * hash); the entity page reads them from `GET /guests/:cluster/:vmid`.
   */
  guests: Array<{
    vmid: number;
    name?: string;
    node: string;
    type: 'qemu' | 'lxc';
    pool?: string;
    tags: string[];
    /** Group entity ref from the request that created it. */
    owner?: string;
    requestId?: string;
    /** Stable sizing facts from Proxmox (not usage). */
    maxcpu?: number;
    maxmemMiB?: number;
    maxdiskGiB?: number;
    /** Entity ref of the System the request named. */
    system?: string;
    /** When the request's lease ends (ISO 8601). */
    leaseEndsAt?: string;
    /**
     * Firewall security groups the request attached (guests MycoPod
     * created; reading every guest's firewall would cost a call per guest).
     */
    securityGroups?: string[];
  }>;
  firewallGroups: Array<{ name: string; comment?: string }>;
  /**
   * Guests Proxmox listed that could not be understood (e.g. an unknown
   * type): reported, never silently dropped, so a consumer does not delete
   * what it cannot see.
   */
  unparsed?: Array<{ vmid?: number; node?: string; reason: string }>;
}

/** `GET /inventory`. */
export interface ProxmoxInventory {
  /** Content hash; also the ETag. */
  hash: string;
  generatedAt: string;
  clusters: InventoryCluster[];
}

/** `GET /guests/:cluster/:vmid`: live facts of one guest (never cached in the catalog). */
export interface GuestLiveStatus {
  cluster: string;
  node: string;
  vmid: number;
  type: 'qemu' | 'lxc';
  name?: string;
  /** `running`, `stopped`, … */
  status: string;
  lock?: string;
  uptimeSeconds?: number;
  /** CPU use, 0..1 of `cpus`. */
  cpuUsage?: number;
  cpus?: number;
  memoryUsedMiB?: number;
  memoryMaxMiB?: number;
  diskMaxGiB?: number;
  /** From the guest agent; empty when it does not answer. */
  ipAddresses: string[];
  agent: 'ok' | 'unavailable';
  requestId?: string;
  owner?: string;
  leaseEndsAt?: string;
  /** MycoPod guests (or leased by pool/tag config): the lease and its state. */
  lease?: GuestLease;
  /** Declared spec vs live config, from the last drift check. */
  drift?: GuestDrift;
  /** The guest's noVNC console in the Proxmox UI (needs `proxmox.guest.console`). */
  consoleUrl?: string;
  /** What the caller may do on this guest now (the route fills it in). */
  allowedActions?: GuestAction[];
  /** Open day-2 requests on this guest (pending, approved, provisioning). */
  openRequests?: Array<{ id: string; kind: RequestKind; state: RequestState }>;
}

/** `GET /nodes/:cluster/:node`: capacity of one node. */
export interface NodeCapacity {
  cluster: string;
  node: string;
  status: string;
  cpus?: number;
  cpuUsage?: number;
  memoryUsedMiB?: number;
  memoryMaxMiB?: number;
  storages: Array<{
    name: string;
    shared: boolean;
    usedGiB: number;
    totalGiB: number;
  }>;
  guests: Array<{
    vmid: number;
    name?: string;
    type: 'qemu' | 'lxc';
    status: string;
  }>;
}

/** `GET /clusters/:cluster`: the nodes of a cluster and their totals. */
export interface ClusterSummary {
  cluster: string;
  nodes: Array<Omit<NodeCapacity, 'storages' | 'guests'> & { guests: number }>;
  totals: {
    nodes: number;
    onlineNodes: number;
    guests: number;
    cpus: number;
    memoryUsedMiB: number;
    memoryMaxMiB: number;
  };
}
