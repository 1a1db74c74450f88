/** Guest agent calls. */
import { die } from '../../http/errors';
import { parseNet } from '../../state/qemu';
import type { Guest } from '../../state/types';
import { frac } from '../../util';
import { loadGuest } from '../guestOps';
import { RouteCtx, RouteDef } from '../types';
import { vmPerm } from './common';

// --- agent

function agentIfaces(ctx: RouteCtx, g: Guest) {
  const cfg = g.config;
  if (!/(^|,)(enabled=)?(1|on|yes|true)(,|$)/.test(cfg.agent ?? ''))
    throw die('No QEMU guest agent configured');
  if (g.status !== 'running') throw die(`VM ${g.vmid} is not running`);
  if (Date.now() - (g.startedAt ?? 0) < ctx.sim.timings.agentIpDelayMs)
    throw die('QEMU guest agent is not running');
  const result: unknown[] = [
    {
      name: 'lo',
      'hardware-address': '00:00:00:00:00:00',
      'ip-addresses': [
        { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
        { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
      ],
      statistics: {
        'rx-bytes': 8016,
        'rx-dropped': 0,
        'rx-errs': 0,
        'rx-packets': 96,
        'tx-bytes': 8016,
        'tx-dropped': 0,
        'tx-errs': 0,
        'tx-packets': 96,
      },
    },
  ];
  const nets = Object.keys(cfg)
    .filter(k => /^net\d+$/.test(k))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  for (const k of nets) {
    const i = Number(k.slice(3));
    const mac = (parseNet(cfg[k]).macaddr ?? '').toLowerCase();
    const ipcfg = cfg[`ipconfig${i}`] ?? '';
    const st = /(?:^|,)ip=([\d.]+)\/(\d+)/.exec(ipcfg);
    const ip = st
      ? { ip: st[1], prefix: Number(st[2]) }
      : {
          ip: `10.${100 + ctx.cluster.index}.${
            Math.floor(g.vmid / 250) % 250
          }.${(g.vmid % 250) + 2 + i}`,
          prefix: 24,
        };
    const macParts = mac.split(':');
    const ll =
      macParts.length === 6
        ? `fe80::${(parseInt(macParts[0], 16) ^ 2).toString(16)}${
            macParts[1]
          }:${macParts[2]}ff:fe${macParts[3]}:${macParts[4]}${macParts[5]}`
        : 'fe80::1';
    const f = frac(`agent:${g.vmid}:${i}`);
    result.push({
      name: `ens${18 + i}`,
      'hardware-address': mac,
      'ip-addresses': [
        { 'ip-address': ip.ip, 'ip-address-type': 'ipv4', prefix: ip.prefix },
        {
          'ip-address': ll.replace(/:0+([0-9a-f])/g, ':$1'),
          'ip-address-type': 'ipv6',
          prefix: 64,
        },
      ],
      statistics: {
        'rx-bytes': Math.round(1e6 + f * 1e8),
        'rx-dropped': 0,
        'rx-errs': 0,
        'rx-packets': Math.round(1e4 + f * 1e6),
        'tx-bytes': Math.round(5e5 + f * 5e7),
        'tx-dropped': 0,
        'tx-errs': 0,
        'tx-packets': Math.round(5e3 + f * 5e5),
      },
    });
  }
  return { result };
}

export const agentRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces',
    permissions: vmPerm(['VM.Monitor']),
    proxyto: 'node',
    handler: ctx => agentIfaces(ctx, loadGuest(ctx)),
  },
];
