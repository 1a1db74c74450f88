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
  nodes: Array<{
    name: string;
    status: string;
    maxcpu?: number;
    maxmem?: number;
  }>;
  templates: Array<{ vmid: number; name: string; node: string }>;
  guests: Array<{
    vmid: number;
    name?: string;
    node: string;
    type: 'qemu' | 'lxc';
    status: string;
    pool?: string;
    tags: string[];
    /** Group entity ref from the request that created it. */
    owner?: string;
    requestId?: string;
  }>;
  firewallGroups: Array<{ name: string; comment?: string }>;
}

/** `GET /inventory`. */
export interface ProxmoxInventory {
  /** Content hash; also the ETag. */
  hash: string;
  generatedAt: string;
  clusters: InventoryCluster[];
}
