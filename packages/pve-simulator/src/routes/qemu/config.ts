/** VM config (GET/POST/PUT), pending changes and cloud-init views. */
import { die, paramError } from '../../http/errors';
import { splitList } from '../../schema/formats';
import {
  CLOUDINIT_KEYS,
  configDigest,
  effectiveConfig,
  parseNet,
  typedConfig,
  typedValue,
} from '../../state/qemu';
import { TaskContext, TaskError } from '../../state/tasks';
import type { Guest } from '../../state/types';
import {
  applyChanges,
  checkLock,
  CONTROL_PARAMS,
  loadGuest,
  lockConfig,
  optionExists,
  reloadGuest,
} from '../guestOps';
import { P, RouteCtx, RouteDef } from '../types';
import {
  VM_CONFIG_PERMS,
  guestIds,
  skiplockParam,
  normalizeOptions,
  configOptions,
  spawn,
  taskWork,
  configLockFailure,
  vmPerm,
} from './common';
import { findSnapshot, snapshotConfig } from './snapshots';

// --- config update

async function updateVm(ctx: RouteCtx, sync: boolean) {
  const { cluster, params } = ctx;
  const { node, vmid } = guestIds(ctx);
  const skiplock = skiplockParam(ctx);
  const force = P.bool(params, 'force') ?? false;
  const digest = P.str(params, 'digest');
  const deleteStr = P.str(params, 'delete');
  const revertStr = P.str(params, 'revert');
  const set = configOptions(params, CONTROL_PARAMS);
  if (!deleteStr && !revertStr && Object.keys(set).length === 0)
    throw die('no options specified');

  const revert = new Set<string>();
  for (const opt of splitList(revertStr ?? '')) {
    if (!optionExists(opt))
      throw paramError({ revert: `unknown option '${opt}'` });
    if (set[opt] !== undefined) {
      throw paramError({
        delete: `you can't use '-${opt}' and -revert ${opt}' at the same time`,
      });
    }
    revert.add(opt);
  }
  const deletes: string[] = [];
  for (let opt of splitList(deleteStr ?? '')) {
    if (opt === 'cdrom') opt = 'ide2';
    if (set[opt] !== undefined) {
      throw paramError({
        delete: `you can't use '-${opt}' and -delete ${opt}' at the same time`,
      });
    }
    if (revert.has(opt)) {
      throw paramError({
        revert: `you can't use '-delete ${opt}' and -revert ${opt}' at the same time`,
      });
    }
    if (!optionExists(opt))
      throw paramError({ delete: `unknown option '${opt}'` });
    deletes.push(opt);
  }
  normalizeOptions(ctx, set);

  const release = await lockConfig(ctx, vmid);
  let releaseInTask = false;
  try {
    const g = reloadGuest(cluster, node, vmid);
    if (digest && digest !== configDigest(g))
      throw die('checksum mismatch (file change by other user?)');
    if (!skiplock) checkLock(g);
    for (const opt of revert) {
      if (g.pending[opt] !== undefined) delete g.pending[opt];
      g.pendingDelete.delete(opt);
    }
    const paramList = Object.keys(set)
      .sort()
      .map(k => `-${k} ${k === 'cipassword' ? '<hidden>' : set[k]}`)
      .concat(deletes.length ? [`-delete ${deletes.join(',')}`] : [])
      .join(' ');
    const apply = (t?: TaskContext) => {
      t?.log(`update VM ${vmid}: ${paramList}`);
      const res = applyChanges(cluster, g, set, deletes, force);
      if (t) for (const w of res.warnings) t.warn(w);
      if (Object.keys(res.errors).length) {
        if (t) {
          for (const [k, v] of Object.entries(res.errors))
            t.log(`${k}: ${v.trim()}`);
          throw new TaskError('Parameter verification failed.\n');
        }
        throw paramError(res.errors);
      }
    };
    if (sync) {
      apply();
      return null;
    }
    const task = spawn(
      ctx,
      'qmconfig',
      vmid,
      async t => {
        try {
          await taskWork(ctx, t);
          apply(t);
        } finally {
          release();
        }
      },
      configLockFailure(vmid),
    );
    releaseInTask = true;
    const delay = P.int(params, 'background_delay');
    if (delay) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        task.done,
        new Promise(r => {
          timer = setTimeout(r, delay * 1000);
        }),
      ]);
      clearTimeout(timer); // do not keep the process alive for up to 30 s
      if (task.status === 'stopped') {
        if (
          task.exitstatus === 'OK' ||
          /^WARNINGS: \d+$/.test(task.exitstatus ?? '')
        )
          return null;
        throw die(`failed to update VM ${vmid}: ${task.exitstatus}`);
      }
    }
    return task.upid;
  } finally {
    if (!releaseInTask) release();
  }
}

// --- cloud-init

function cloudinitDump(g: Guest, type: string) {
  const cfg = effectiveConfig(g);
  const name = cfg.name ?? `VM${g.vmid}`;
  if (type === 'user') {
    const lines = [
      '#cloud-config',
      `hostname: ${name}`,
      'manage_etc_hosts: true',
      `fqdn: ${name}`,
    ];
    if (cfg.ciuser) lines.push(`user: ${cfg.ciuser}`);
    if (cfg.cipassword) lines.push(`password: ${cfg.cipassword}`);
    if (cfg.sshkeys) {
      lines.push('ssh_authorized_keys:');
      for (const k of decodeURIComponent(cfg.sshkeys)
        .split('\n')
        .filter(Boolean))
        lines.push(`  - ${k}`);
    }
    lines.push(
      'chpasswd:',
      '  expire: False',
      'users:',
      '  - default',
      `package_upgrade: ${cfg.ciupgrade === '0' ? 'false' : 'true'}`,
    );
    return `${lines.join('\n')}\n`;
  }
  if (type === 'network') {
    const lines = ['version: 1', 'config:'];
    for (const k of Object.keys(cfg)
      .filter(x => /^net\d+$/.test(x))
      .sort()) {
      const i = k.slice(3);
      const mac = (parseNet(cfg[k]).macaddr ?? '').toLowerCase();
      lines.push(
        `    - type: physical`,
        `      name: eth${i}`,
        `      mac_address: '${mac}'`,
        `      subnets:`,
      );
      const ipc = cfg[`ipconfig${i}`] ?? 'ip=dhcp';
      const ip = /(?:^|,)ip=([^,]+)/.exec(ipc)?.[1] ?? 'dhcp';
      const gw = /(?:^|,)gw=([^,]+)/.exec(ipc)?.[1];
      if (ip === 'dhcp') lines.push(`      - type: dhcp4`);
      else {
        lines.push(`      - type: static`, `        address: '${ip}'`);
        if (gw) lines.push(`        gateway: '${gw}'`);
      }
    }
    if (cfg.nameserver || cfg.searchdomain) {
      lines.push('    - type: nameserver');
      if (cfg.nameserver)
        lines.push(
          '      address:',
          ...splitList(cfg.nameserver).map(n => `      - '${n}'`),
        );
      if (cfg.searchdomain)
        lines.push(
          '      search:',
          ...splitList(cfg.searchdomain).map(n => `      - '${n}'`),
        );
    }
    return `${lines.join('\n')}\n`;
  }
  return `instance-id: ${configDigest(g)}\n`;
}

export const configRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/config',
    permissions: vmPerm(['VM.Audit']),
    proxyto: 'node',
    handler: ctx => {
      const g = loadGuest(ctx);
      const snapname = P.str(ctx.params, 'snapshot');
      let cfg: Record<string, string>;
      if (snapname) {
        cfg = snapshotConfig(findSnapshot(g, snapname));
      } else {
        cfg = P.bool(ctx.params, 'current')
          ? { ...g.config }
          : effectiveConfig(g);
      }
      return { ...typedConfig(cfg), digest: configDigest(g) };
    },
  },
  {
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/config',
    permissions: vmPerm(VM_CONFIG_PERMS, true),
    proxyto: 'node',
    handler: ctx => updateVm(ctx, false),
  },
  {
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/config',
    permissions: vmPerm(VM_CONFIG_PERMS, true),
    proxyto: 'node',
    handler: ctx => updateVm(ctx, true),
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/pending',
    permissions: vmPerm(['VM.Audit']),
    proxyto: 'node',
    handler: ctx => {
      const g = loadGuest(ctx);
      const keys = [
        ...new Set([
          ...Object.keys(g.config),
          ...Object.keys(g.pending),
          ...g.pendingDelete,
        ]),
      ].sort();
      return keys.map(key => {
        const e: Record<string, unknown> = { key };
        if (g.config[key] !== undefined)
          e.value = typedValue(key, g.config[key]);
        if (g.pending[key] !== undefined)
          e.pending = typedValue(key, g.pending[key]);
        if (g.pendingDelete.has(key)) e.delete = 1;
        return e;
      });
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/cloudinit',
    permissions: vmPerm(['VM.Audit']),
    proxyto: 'node',
    handler: ctx => {
      const g = loadGuest(ctx);
      const cfg = effectiveConfig(g);
      const keys = Object.keys(cfg)
        .filter(
          k =>
            [...CLOUDINIT_KEYS, 'name'].includes(k) || /^ipconfig\d+$/.test(k),
        )
        .sort();
      return keys.map(key => {
        const e: Record<string, unknown> = {
          key,
          value:
            key === 'cipassword' ? '**********' : typedValue(key, cfg[key]),
        };
        if (g.pending[key] !== undefined)
          e.pending =
            key === 'cipassword'
              ? '**********'
              : typedValue(key, g.pending[key]);
        return e;
      });
    },
  },
  {
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/cloudinit',
    permissions: vmPerm(['VM.Config.Cloudinit']),
    proxyto: 'node',
    handler: ctx => {
      const g = loadGuest(ctx);
      checkLock(g);
      return null;
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/cloudinit/dump',
    permissions: vmPerm(['VM.Audit']),
    proxyto: 'node',
    handler: ctx => cloudinitDump(loadGuest(ctx), String(ctx.params.type)),
  },
];
