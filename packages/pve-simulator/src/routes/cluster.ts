import { createHash } from 'node:crypto';
import { createCsrfToken, createTicket, hasPriv } from '../context';
import { ApiError, die, paramError } from '../http/errors';
import { splitList } from '../schema/formats';
import { storageEnabledOn } from '../state/storage';
import type { ClusterState } from '../state/types';
import {
  lxcListEntry,
  nodeEntry,
  nodeOnline,
  nodeStats,
  nodeStorageEntry,
  PVE_VERSION,
  storageCfgEntry,
  storageResource,
  vmResource,
} from '../state/views';
import { P, RouteDef } from './types';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

export function storageCfgDigest(cluster: ClusterState) {
  return sha1(
    JSON.stringify(
      [...cluster.storages.values()].map(s => [s.storage, s.type, s.content]),
    ),
  );
}

function poolMembers(
  ctx: Parameters<RouteDef['handler']>[0],
  poolid: string,
  type?: string,
) {
  const { cluster, sim } = ctx;
  const pool = cluster.pools.get(poolid);
  if (!pool) throw die(`pool '${poolid}' does not exist`);
  const members: unknown[] = [];
  for (const vmid of [...pool.vms].sort((a, b) => a - b)) {
    const g = cluster.guests.get(vmid);
    if (!g) continue;
    if (type && type !== g.type) continue;
    members.push(vmResource(sim, cluster, g));
  }
  if (!type || type === 'storage') {
    for (const sid of [...pool.storages].sort()) {
      const def = cluster.storages.get(sid);
      if (!def) continue;
      for (const node of cluster.nodes.keys()) {
        if (storageEnabledOn(def, node))
          members.push(storageResource(sim, cluster, def, node));
      }
    }
  }
  return { pool, members };
}

export const clusterRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/version',
    permissions: { user: 'all' },
    handler: () => ({ ...PVE_VERSION }),
  },
  {
    method: 'GET',
    path: '/nodes',
    permissions: { user: 'all' },
    // every node is listed; figures only with Sys.Audit on /nodes/<node>
    handler: ({ sim, cluster, auth }) =>
      [...cluster.nodes.values()].map(n => ({
        ...nodeEntry(
          sim,
          cluster,
          n,
          hasPriv(auth, 'Sys.Audit', `/nodes/${n.name}`),
        ),
        ssl_fingerprint: n.sslFingerprint,
      })),
  },
  {
    method: 'GET',
    path: '/nodes/{node}/status',
    permissions: { check: ['perm', '/nodes/{node}', ['Sys.Audit']] },
    proxyto: 'node',
    handler: ({ cluster, params }) => {
      const n = cluster.nodes.get(String(params.node))!;
      const s = nodeStats(cluster, n);
      const load = (s.cpu * n.maxcpu).toFixed(2);
      return {
        uptime: s.uptime,
        cpu: s.cpu,
        wait: 0.0004,
        idle: 0,
        loadavg: [load, load, load],
        kversion:
          'Linux 6.8.12-9-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9 (2025-03-16T19:18Z)',
        pveversion: `pve-manager/${PVE_VERSION.version}/${PVE_VERSION.repoid}`,
        'current-kernel': {
          sysname: 'Linux',
          release: '6.8.12-9-pve',
          version: '#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9 (2025-03-16T19:18Z)',
          machine: 'x86_64',
        },
        'boot-info': { mode: 'efi', secureboot: 0 },
        cpuinfo: {
          model: n.cpuModel,
          cpus: n.maxcpu,
          cores: Math.max(1, n.maxcpu / 2),
          sockets: 1,
          mhz: '2850.000',
          hvm: '1',
          user_hz: 100,
          flags:
            'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov svm',
        },
        memory: { total: n.maxmem, used: s.mem, free: n.maxmem - s.mem },
        swap: { total: 8 * 1024 ** 3, used: 0, free: 8 * 1024 ** 3 },
        ksm: { shared: 0 },
        rootfs: {
          total: n.maxdisk,
          used: s.disk,
          free: n.maxdisk - s.disk,
          avail: n.maxdisk - s.disk - 5 * 1024 ** 3,
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/cluster/resources',
    permissions: { user: 'all' },
    // as PVE: guests need VM.Audit (/vms/<vmid> or their pool), storages
    // Datastore.Audit (/storage/<id>), pools Pool.Audit, sdn SDN.Audit;
    // nodes are listed, their figures need Sys.Audit (/nodes/<node>)
    handler: ({ sim, cluster, params, auth }) => {
      const type = P.str(params, 'type');
      const res: Array<Record<string, unknown>> = [];
      const pools = new Map<string, Record<string, unknown>>();
      if (!type || type === 'pool') {
        for (const p of [...cluster.pools.keys()].sort()) {
          if (!hasPriv(auth, 'Pool.Audit', `/pool/${p}`)) continue;
          const e = { id: `/pool/${p}`, pool: p, type: 'pool' };
          pools.set(p, e);
          res.push(e);
        }
      }
      if (!type || type === 'vm') {
        const ids = [...cluster.guests.keys()].map(String).sort();
        for (const vmid of ids) {
          if (!hasPriv(auth, 'VM.Audit', `/vms/${vmid}`)) continue;
          const e = vmResource(sim, cluster, cluster.guests.get(Number(vmid))!);
          const pe = typeof e.pool === 'string' ? pools.get(e.pool) : undefined;
          if (pe && e.uptime) {
            pe.uptime = Math.max(Number(pe.uptime ?? 0), Number(e.uptime));
            pe.mem = Number(pe.mem ?? 0) + Number(e.mem);
            pe.maxmem = Number(pe.maxmem ?? 0) + Number(e.maxmem);
            const oldMax = Number(pe.maxcpu ?? 0);
            pe.cpu =
              (Number(pe.cpu ?? 0) * oldMax +
                Number(e.cpu) * Number(e.maxcpu)) /
              (oldMax + Number(e.maxcpu));
            pe.maxcpu = oldMax + Number(e.maxcpu);
          }
          res.push(e);
        }
      }
      if (!type || type === 'node') {
        for (const n of cluster.nodes.values()) {
          const audit = hasPriv(auth, 'Sys.Audit', `/nodes/${n.name}`);
          res.push({ ...nodeEntry(sim, cluster, n, audit), 'cgroup-mode': 2 });
        }
      }
      if (!type || type === 'storage') {
        for (const def of cluster.storages.values()) {
          if (!hasPriv(auth, 'Datastore.Audit', `/storage/${def.storage}`))
            continue;
          for (const node of cluster.nodes.keys()) {
            if (storageEnabledOn(def, node))
              res.push(storageResource(sim, cluster, def, node));
          }
        }
      }
      if (!type || type === 'sdn') {
        const sdn = (zone: string) =>
          hasPriv(auth, 'SDN.Audit', `/sdn/zones/${zone}`);
        for (const node of cluster.nodes.keys()) {
          if (!sdn('localnetwork')) break;
          res.push({
            id: `sdn/${node}/localnetwork`,
            sdn: 'localnetwork',
            node,
            type: 'sdn',
            status: 'ok',
          });
        }
        for (const node of [...cluster.nodes.keys()].sort()) {
          for (const z of [...cluster.zones.keys()].sort()) {
            if (!sdn(z)) continue;
            res.push({
              id: `sdn/${node}/${z}`,
              sdn: z,
              node,
              type: 'sdn',
              status: nodeOnline(sim, cluster, node) ? 'available' : 'unknown',
            });
          }
        }
      }
      return res;
    },
  },
  {
    method: 'GET',
    path: '/cluster/status',
    permissions: { check: ['perm', '/', ['Sys.Audit']] },
    handler: ({ sim, cluster }) => {
      const nodes = [...cluster.nodes.values()];
      const online = nodes.filter(n => nodeOnline(sim, cluster, n)).length;
      const res: Array<Record<string, unknown>> = [
        {
          type: 'cluster',
          id: 'cluster',
          name: cluster.name,
          nodes: nodes.length,
          quorate: online * 2 > nodes.length ? 1 : 0,
          version: cluster.version,
        },
      ];
      nodes.forEach((n, i) =>
        res.push({
          type: 'node',
          id: `node/${n.name}`,
          name: n.name,
          nodeid: n.nodeid,
          ip: n.ip,
          online: nodeOnline(sim, cluster, n) ? 1 : 0,
          local: i === 0 ? 1 : 0,
          level: '',
        }),
      );
      return res;
    },
  },
  {
    method: 'GET',
    path: '/cluster/nextid',
    permissions: { user: 'all' },
    handler: ({ cluster, params }) => {
      const wanted = P.str(params, 'vmid');
      if (wanted !== undefined) {
        if (cluster.guests.has(Number(wanted))) {
          throw paramError({ vmid: `VM ${Number(wanted)} already exists` });
        }
        return wanted;
      }
      for (let i = 100; i < 1000000; i++) {
        if (!cluster.guests.has(i)) return String(i);
      }
      throw die('unable to get any free VMID in range [100, 1000000]');
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/lxc',
    permissions: { user: 'all' },
    proxyto: 'node',
    handler: ({ cluster, params, auth }) =>
      [...cluster.guests.values()]
        .filter(g => g.type === 'lxc' && g.node === params.node)
        .filter(g => hasPriv(auth, 'VM.Audit', `/vms/${g.vmid}`))
        .map(g => lxcListEntry(g)),
  },
  {
    method: 'GET',
    path: '/pools',
    permissions: { user: 'all' },
    handler: ctx => {
      const poolid = P.str(ctx.params, 'poolid');
      if (poolid !== undefined) {
        const { pool, members } = poolMembers(
          ctx,
          poolid,
          P.str(ctx.params, 'type'),
        );
        const e: Record<string, unknown> = { poolid: pool.poolid, members };
        if (pool.comment) e.comment = pool.comment;
        return [e];
      }
      return [...ctx.cluster.pools.values()]
        .sort((a, b) => a.poolid.localeCompare(b.poolid))
        .map(p =>
          p.comment
            ? { poolid: p.poolid, comment: p.comment }
            : { poolid: p.poolid },
        );
    },
  },
  {
    method: 'GET',
    path: '/pools/{poolid}',
    permissions: { check: ['perm', '/pool/{poolid}', ['Pool.Audit']] },
    handler: ctx => {
      const { pool, members } = poolMembers(
        ctx,
        String(ctx.params.poolid),
        P.str(ctx.params, 'type'),
      );
      const e: Record<string, unknown> = { members };
      if (pool.comment) e.comment = pool.comment;
      return e;
    },
  },
  {
    method: 'GET',
    path: '/storage',
    permissions: { user: 'all' },
    handler: ({ cluster, params }) => {
      const type = P.str(params, 'type');
      const digest = storageCfgDigest(cluster);
      return [...cluster.storages.values()]
        .filter(d => !type || d.type === type)
        .map(d => storageCfgEntry(d, digest));
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/storage',
    permissions: { user: 'all' },
    proxyto: 'node',
    handler: ({ cluster, params, auth }) => {
      const node = String(params.node);
      const content = P.str(params, 'content');
      const only = P.str(params, 'storage');
      const target = P.str(params, 'target');
      const wanted = content ? splitList(content) : [];
      return [...cluster.storages.values()]
        .filter(d => storageEnabledOn(d, node))
        .filter(d =>
          ['Datastore.Audit', 'Datastore.AllocateSpace'].some(priv =>
            hasPriv(auth, priv, `/storage/${d.storage}`),
          ),
        )
        .filter(d => !only || d.storage === only)
        .filter(
          d =>
            !target ||
            target === node ||
            (storageEnabledOn(d, target) && d.shared),
        )
        .filter(
          d => wanted.length === 0 || wanted.some(c => d.content.includes(c)),
        )
        .sort((a, b) => a.storage.localeCompare(b.storage))
        .map(d => nodeStorageEntry(cluster, d, node));
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/network',
    permissions: { user: 'all' },
    proxyto: 'node',
    handler: ({ cluster, params }) => {
      const node = cluster.nodes.get(String(params.node))!;
      const type = P.str(params, 'type');
      const vnets = [...cluster.vnets.values()].map(v => ({
        iface: v.vnet,
        type: 'vnet',
        active: 1,
        method: 'manual',
        method6: 'manual',
        families: ['inet'],
        priority: 100,
        ...(v.alias ? { comments: v.alias } : {}),
      }));
      const all: Array<Record<string, unknown>> = [
        ...node.network.map(i => ({ ...i })),
        ...vnets,
      ];
      return all.filter(i => {
        if (!type) return i.type !== 'vnet';
        if (type === 'any_bridge')
          return (
            i.type === 'bridge' || i.type === 'OVSBridge' || i.type === 'vnet'
          );
        if (type === 'any_local_bridge')
          return i.type === 'bridge' || i.type === 'OVSBridge';
        return i.type === type;
      });
    },
  },
  {
    method: 'GET',
    path: '/cluster/sdn/vnets',
    permissions: { user: 'all' },
    handler: ({ cluster }) => {
      const digest = sha1(JSON.stringify([...cluster.vnets.values()]));
      return [...cluster.vnets.values()].map(v => {
        const e: Record<string, unknown> = {
          vnet: v.vnet,
          zone: v.zone,
          type: 'vnet',
          digest,
        };
        if (v.tag !== undefined) e.tag = v.tag;
        if (v.alias) e.alias = v.alias;
        if (v.vlanaware) e.vlanaware = v.vlanaware;
        return e;
      });
    },
  },
  {
    method: 'POST',
    path: '/access/ticket',
    permissions: { user: 'world' },
    noAuth: true,
    handler: ({ sim, cluster, params }) => {
      let username = String(params.username);
      const realm = P.str(params, 'realm');
      if (realm && !username.includes('@')) username = `${username}@${realm}`;
      const user = sim.users.get(username);
      if (!user || user.password !== params.password) {
        throw new ApiError(401, 'authentication failure\n');
      }
      const res: Record<string, unknown> = { username };
      if (P.str(params, 'path') !== undefined) {
        // ticket verification mode (privs check) is not modelled beyond "valid credentials"
        return res;
      }
      res.ticket = createTicket(sim.ticketSecret, username);
      res.CSRFPreventionToken = createCsrfToken(sim.ticketSecret, username);
      res.clustername = cluster.name;
      res.cap = {
        vms: {},
        storage: {},
        nodes: {},
        access: {},
        dc: {},
        sdn: {},
        mapping: {},
      };
      return res;
    },
  },
];
