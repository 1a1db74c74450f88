import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  InventoryCluster,
  ProxmoxOptions,
} from '@mycopod/plugin-proxmox-common';
import type { InventoryService } from '../inventory/InventoryService';
import { describeFailure } from '../inventory/describeFailure';
import type { PolicyChoices } from '../router/inventoryRoutes';
import { matchesAllowList } from '../policy';
import type { Caller } from '../service/RequestService';
import type { GuestAbilities, GuestOperation } from './guestAbilities';
import type { ContextGuest, DraftingContext } from '../llm/prompt';

/** What exists in one cluster (not filtered by policy). */
export interface ClusterFacts {
  name: string;
  default: boolean;
  templates: ProxmoxOptions['templates'];
  nodes: string[];
  storages: string[];
  bridges: string[];
  vnets: string[];
  securityGroups: string[];
  /** Names of its guests (templates apart). */
  guestNames: Set<string>;
}

/** A guest of the inventory and what the caller may propose on it. */
export interface KnownGuest {
  cluster: string;
  vmid: number;
  name?: string;
  node: string;
  type: 'qemu' | 'lxc';
  owner?: string;
  requestId?: string;
  cores?: number;
  memoryMiB?: number;
  diskGiB?: number;
  leaseEndsAt?: string;
  operations: Set<GuestOperation>;
}

/** What a draft is checked against, read once per draft, edit or submit. */
export interface DraftingFacts {
  clusters: ClusterFacts[];
  /** Configured clusters that could not be read now. */
  unreadable: string[];
  guests: KnownGuest[];
  choices: Awaited<ReturnType<PolicyChoices>>;
}

export interface FactsDeps {
  inventory: InventoryService;
  clusterNames: () => string[];
  policyChoices: PolicyChoices;
  guestAbilities: GuestAbilities;
  logger: LoggerService;
}

/** Reads the clusters, the guests and the caller's choices and abilities. */
export async function readFacts(
  deps: FactsDeps,
  caller: Caller,
): Promise<DraftingFacts> {
  const names = deps.clusterNames();
  const choices = await deps.policyChoices(caller.credentials);
  const [options, inventory] = await Promise.all([
    Promise.allSettled(
      names.map(cluster =>
        deps.inventory.getOptions({
          cluster,
          sizePresets: choices.sizePresets,
          lease: choices.lease,
          limits: choices.limits,
        }),
      ),
    ),
    deps.inventory.getInventory(),
  ]);
  const byCluster = new Map<string, InventoryCluster>(
    inventory.clusters.map(c => [c.name, c]),
  );
  const clusters: ClusterFacts[] = [];
  const unreadable: string[] = [];
  options.forEach((result, i) => {
    const name = names[i];
    if (result.status === 'rejected' || byCluster.get(name)?.error) {
      unreadable.push(name);
      if (result.status === 'rejected') {
        deps.logger.warn(
          `Drafting: could not read the choices of cluster ${name}: ${describeFailure(
            result.reason,
          )}`,
        );
      }
      return;
    }
    const o = result.value;
    clusters.push({
      name,
      default: i === 0,
      templates: o.templates,
      nodes: o.nodes.map(n => n.name),
      storages: [...new Set(o.storages.map(s => s.name))],
      bridges: o.bridges,
      vnets: o.vnets,
      securityGroups: o.securityGroups,
      guestNames: new Set(
        (byCluster.get(name)?.guests ?? []).flatMap(g =>
          g.name ? [g.name] : [],
        ),
      ),
    });
  });

  const raw = inventory.clusters.flatMap(c =>
    c.error ? [] : c.guests.map(g => ({ cluster: c.name, g })),
  );
  const abilities = await deps.guestAbilities(
    caller.credentials,
    raw.map(({ cluster, g }) => ({
      cluster,
      vmid: g.vmid,
      ...(g.owner ? { owner: g.owner } : {}),
      ...(g.requestId ? { requestId: g.requestId } : {}),
    })),
  );
  const guests: KnownGuest[] = raw.map(({ cluster, g }, i) => ({
    cluster,
    vmid: g.vmid,
    ...(g.name ? { name: g.name } : {}),
    node: g.node,
    type: g.type,
    ...(g.owner ? { owner: g.owner } : {}),
    ...(g.requestId ? { requestId: g.requestId } : {}),
    ...(g.maxcpu !== undefined ? { cores: g.maxcpu } : {}),
    ...(g.maxmemMiB !== undefined ? { memoryMiB: g.maxmemMiB } : {}),
    ...(g.maxdiskGiB !== undefined ? { diskGiB: g.maxdiskGiB } : {}),
    ...(g.leaseEndsAt ? { leaseEndsAt: g.leaseEndsAt } : {}),
    operations: abilities[i],
  }));
  return { clusters, unreadable, guests, choices };
}

/** Most guests the model is shown. */
const MAX_CONTEXT_GUESTS = 100;

/**
 * What the model may choose from: the clusters' choices filtered by the
 * caller's allow lists, the caller's groups, and the guests the caller may
 * act on (their own groups' first).
 */
export function modelContext(
  facts: DraftingFacts,
  caller: Caller,
  maxOperations: number,
  now: number,
): DraftingContext {
  const { allowed } = facts.choices;
  const ownerGroups = caller.ownership.filter(r => r.startsWith('group:'));
  const allowedIn = (cluster: string, list: string[] | undefined, v: string) =>
    !list || matchesAllowList(list, v, cluster);
  const actable = facts.guests
    .filter(g => g.operations.size > 0)
    .sort((a, b) => {
      const mine = (g: KnownGuest) =>
        g.owner && ownerGroups.includes(g.owner) ? 0 : 1;
      return (
        mine(a) - mine(b) ||
        (a.name ?? '').localeCompare(b.name ?? '') ||
        a.vmid - b.vmid
      );
    });
  const guests: ContextGuest[] = actable
    .slice(0, MAX_CONTEXT_GUESTS)
    .map(g => ({
      name: g.name ?? `vm-${g.vmid}`,
      cluster: g.cluster,
      vmid: g.vmid,
      type: g.type,
      ...(g.owner ? { owner: g.owner } : {}),
      ...(g.cores !== undefined ? { cores: g.cores } : {}),
      ...(g.memoryMiB !== undefined ? { memoryMiB: g.memoryMiB } : {}),
      ...(g.diskGiB !== undefined ? { diskGiB: g.diskGiB } : {}),
      ...(g.leaseEndsAt ? { leaseEndsAt: g.leaseEndsAt } : {}),
      operations: [...g.operations],
    }));
  return {
    user: caller.userRef,
    ownerGroups,
    clusters: facts.clusters.map(c => ({
      name: c.name,
      default: c.default,
      templates: c.templates
        .filter(
          t =>
            !allowed ||
            matchesAllowList(allowed.templates, [t.name, t.vmid], c.name),
        )
        .map(t => ({ name: t.name, vmid: t.vmid, diskGiB: t.diskGiB })),
      bridges: c.bridges.filter(b => allowedIn(c.name, allowed?.networks, b)),
      vnets: c.vnets.filter(v => allowedIn(c.name, allowed?.networks, v)),
      securityGroups: c.securityGroups.filter(s =>
        allowedIn(c.name, allowed?.securityGroups, s),
      ),
    })),
    sizePresets: facts.choices.sizePresets,
    limits: facts.choices.limits,
    lease: facts.choices.lease,
    guests,
    moreGuests: actable.length - guests.length,
    maxOperations,
    today: new Date(now).toISOString().slice(0, 10),
  };
}
