import type {
  Finding,
  RequestState,
  VmSpec,
} from '@mycopod/plugin-proxmox-common';
import type { GroupUsage, RequestStore } from '../database/RequestStore';
import { PolicyConfig, evaluatePolicy } from '../policy';
import type { Caller } from '../service/RequestService';
import type { ClusterFacts, DraftingFacts } from './facts';

function list(items: readonly string[]): string {
  if (items.length === 0) return 'there are none';
  const shown = items.slice(0, 8).join(', ');
  return `there are ${shown}${items.length > 8 ? ', …' : ''}`;
}

function error(field: string, code: string, message: string): Finding {
  return { level: 'error', field, code, message };
}

/** The template of a spec among a cluster's templates, by VMID or name. */
export function findTemplate(facts: ClusterFacts, template: string | number) {
  const vmid = /^\d+$/.test(String(template)) ? Number(template) : NaN;
  return (
    facts.templates.find(t => t.vmid === vmid) ??
    facts.templates.find(t => t.name === String(template))
  );
}

/**
 * What a drafted spec names that does not exist: cluster, node, template,
 * storage, network, security groups (errors: never substituted), and a
 * missing SSH key (a warning: the developer adds one in the review).
 */
export function existenceFindings(
  spec: VmSpec,
  facts: DraftingFacts,
): Finding[] {
  const out: Finding[] = [];
  const cluster = facts.clusters.find(c => c.name === spec.cluster);
  if (!cluster) {
    if (facts.unreadable.includes(spec.cluster)) {
      out.push(
        error(
          'cluster',
          'cluster.unreadable',
          `Cluster ${spec.cluster} cannot be read right now; try again later`,
        ),
      );
    } else {
      out.push(
        error(
          'cluster',
          'cluster.unknown',
          `There is no cluster ${spec.cluster} (${list(
            facts.clusters.map(c => c.name),
          )})`,
        ),
      );
    }
    return out;
  }
  if (!findTemplate(cluster, spec.template)) {
    out.push(
      error(
        'template',
        'template.unknown',
        `There is no template ${spec.template} in ${cluster.name} (${list(
          cluster.templates.map(t => t.name),
        )})`,
      ),
    );
  }
  if (spec.node && !cluster.nodes.includes(spec.node)) {
    out.push(
      error(
        'node',
        'node.unknown',
        `There is no node ${spec.node} in ${cluster.name} (${list(
          cluster.nodes,
        )})`,
      ),
    );
  }
  if (spec.storage && !cluster.storages.includes(spec.storage)) {
    out.push(
      error(
        'storage',
        'storage.unknown',
        `There is no storage ${spec.storage} in ${cluster.name}`,
      ),
    );
  }
  const net = spec.network as { bridge?: string; vnet?: string };
  if (net.bridge !== undefined && !cluster.bridges.includes(net.bridge)) {
    out.push(
      error(
        'network.bridge',
        'network.unknown',
        `There is no bridge ${net.bridge} in ${cluster.name} (${list(
          cluster.bridges,
        )})`,
      ),
    );
  }
  if (net.vnet !== undefined && !cluster.vnets.includes(net.vnet)) {
    out.push(
      error(
        'network.vnet',
        'network.unknown',
        `There is no SDN vnet ${net.vnet} in ${cluster.name} (${list(
          cluster.vnets,
        )})`,
      ),
    );
  }
  (spec.securityGroups ?? []).forEach((sg, i) => {
    if (!cluster.securityGroups.includes(sg)) {
      out.push(
        error(
          `securityGroups.${i}`,
          'security-group.unknown',
          `There is no security group ${sg} in ${cluster.name} (${list(
            cluster.securityGroups,
          )})`,
        ),
      );
    }
  });
  if (cluster.guestNames.has(spec.name)) {
    out.push({
      level: 'warning',
      field: 'name',
      code: 'name.exists',
      message: `${cluster.name} already has a guest named ${spec.name}`,
    });
  }
  if (!spec.cloudInit.sshKeys?.length) {
    out.push({
      level: 'warning',
      field: 'cloudInit.sshKeys',
      code: 'ssh.none',
      message:
        'No SSH public key: add yours in the review, or you cannot log in',
    });
  }
  return out;
}

const COMMITTED: RequestState[] = ['approved', 'provisioning', 'ready'];
const PENDING: RequestState[] = ['pending'];

const add = (a: GroupUsage, b: GroupUsage): GroupUsage => ({
  count: a.count + b.count,
  cores: a.cores + b.cores,
  memoryMiB: a.memoryMiB + b.memoryMiB,
  diskGiB: a.diskGiB + b.diskGiB,
});

/**
 * The findings of a plan's `create` specs, in plan order: what does not
 * exist, and the policy (the same engine as a form request) with the
 * owner group's quota counted as if the plan's earlier VMs of that group
 * were approved too, so a plan cannot split a quota it breaks as a whole.
 */
export async function assessCreates(
  specs: VmSpec[],
  facts: DraftingFacts,
  deps: { store: RequestStore; policy: PolicyConfig },
  caller: Caller,
): Promise<Finding[][]> {
  const owners = [...new Set(specs.map(s => s.owner))];
  const usage = new Map<
    string,
    { committed: GroupUsage; pending: GroupUsage }
  >();
  for (const owner of owners) {
    // the plan's own requests are drafts: neither committed nor pending
    const [committed, pending] = await Promise.all([
      deps.store.usage(deps.store.knex, owner, COMMITTED),
      deps.store.usage(deps.store.knex, owner, PENDING),
    ]);
    usage.set(owner, { committed, pending });
  }
  const planned = new Map<string, GroupUsage>();
  const names = new Map<string, number>();
  for (const s of specs) {
    const key = `${s.cluster}/${s.name}`;
    names.set(key, (names.get(key) ?? 0) + 1);
  }
  return specs.map(spec => {
    const findings = existenceFindings(spec, facts);
    if ((names.get(`${spec.cluster}/${spec.name}`) ?? 0) > 1) {
      findings.push(
        error(
          'name',
          'name.duplicate',
          `The plan creates more than one VM named ${spec.name} in ${spec.cluster}`,
        ),
      );
    }
    const cluster = facts.clusters.find(c => c.name === spec.cluster);
    const template = cluster && findTemplate(cluster, spec.template);
    const base = usage.get(spec.owner)!;
    const earlier = planned.get(spec.owner) ?? {
      count: 0,
      cores: 0,
      memoryMiB: 0,
      diskGiB: 0,
    };
    const result = evaluatePolicy(
      spec,
      {
        phase: 'draft',
        requester: caller.userRef,
        requesterOwnership: caller.ownership,
        usage: {
          committed: add(base.committed, earlier),
          pending: base.pending,
        },
        ...(template
          ? {
              templateDiskGiB: template.diskGiB,
              template: { vmid: template.vmid, name: template.name },
            }
          : {}),
      },
      deps.policy,
    );
    planned.set(
      spec.owner,
      add(earlier, {
        count: 1,
        cores: spec.cores,
        memoryMiB: spec.memoryMiB,
        diskGiB: spec.diskGiB,
      }),
    );
    return [...findings, ...result.findings];
  });
}
