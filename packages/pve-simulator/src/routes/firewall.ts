import { createHash } from 'node:crypto';
import { die, paramError } from '../http/errors';
import { splitList } from '../schema/formats';
import type { FirewallRule, Guest } from '../state/types';
import { boolString, P, RouteCtx, RouteDef } from './types';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const rulesDigest = (rules: FirewallRule[]) => sha1(JSON.stringify(rules));

const RULE_KEYS = [
  'type',
  'action',
  'enable',
  'macro',
  'source',
  'dest',
  'proto',
  'dport',
  'sport',
  'iface',
  'log',
  'comment',
  'icmp-type',
] as const;

function renderRules(rules: FirewallRule[]) {
  const digest = rulesDigest(rules);
  return rules.map((r, pos) => {
    const e: Record<string, unknown> = { pos };
    for (const k of RULE_KEYS) if (r[k] !== undefined) e[k] = r[k];
    if (r.source?.includes(':') || r.dest?.includes(':')) e.ipversion = 6;
    else if (r.source || r.dest) e.ipversion = 4;
    e.digest = digest;
    return e;
  });
}

const MACROS = [
  'Amanda',
  'Auth',
  'BGP',
  'BitTorrent',
  'Ceph',
  'CVS',
  'Citrix',
  'DAAP',
  'DCC',
  'DHCPfwd',
  'DHCPv6',
  'DNS',
  'Distcc',
  'FTP',
  'Finger',
  'GNUnet',
  'GRE',
  'Git',
  'HKP',
  'HTTP',
  'HTTPS',
  'ICPV2',
  'ICQ',
  'IMAP',
  'IMAPS',
  'IPIP',
  'IPsec',
  'IPsecah',
  'IPsecnat',
  'IRC',
  'Jetdirect',
  'L2TP',
  'LDAP',
  'LDAPS',
  'MDNS',
  'MSNP',
  'MSSQL',
  'Mail',
  'Munin',
  'MySQL',
  'NNTP',
  'NNTPS',
  'NTP',
  'NeighborDiscovery',
  'OSPF',
  'OpenVPN',
  'PCA',
  'PMG',
  'POP3',
  'POP3S',
  'PPtP',
  'Ping',
  'PostgreSQL',
  'Printer',
  'RDP',
  'RIP',
  'RNDC',
  'Razor',
  'Rdate',
  'Rsync',
  'SANE',
  'SMB',
  'SMBswat',
  'SMTP',
  'SMTPS',
  'SNMP',
  'SPAMD',
  'SSH',
  'SVN',
  'SixXS',
  'Squid',
  'Submission',
  'Syslog',
  'TFTP',
  'Telnet',
  'Tinc',
  'Traceroute',
  'VNC',
  'VNCL',
  'Web',
  'Webcache',
  'Webmin',
  'Whois',
];
const PORT_PROTOCOLS = [
  'tcp',
  'udp',
  'udplite',
  'sctp',
  'dccp',
  '6',
  '17',
  '132',
  '33',
  '136',
];
const ICMP_PROTOCOLS = ['icmp', 'icmpv6', 'ipv6-icmp', '1', '58'];

/** PVE::Firewall::verify_rule (subset) + `unshift` like the rules API (new rules go on top). */
function addRule(ctx: RouteCtx, rules: FirewallRule[], env: 'vm' | 'group') {
  const { params } = ctx;
  const digest = P.str(params, 'digest');
  if (digest && digest !== rulesDigest(rules)) {
    throw die(
      'detected modified configuration - file changed by other user? Try again.',
    );
  }
  const errors: Record<string, string> = {};
  const add = (k: string, msg: string) => {
    if (!errors[k]) errors[k] = msg;
  };
  const type = String(params.type);
  const action = String(params.action);
  const validTypes =
    env === 'vm' ? ['in', 'out', 'group'] : ['in', 'out', 'forward', 'group'];
  if (!validTypes.includes(type))
    add('type', `invalid rule type '${type}' for rule_env '${env}'`);
  if (type === 'in' || type === 'out' || type === 'forward') {
    if (type === 'forward' && action === 'REJECT')
      add('action', 'cannot define REJECT rules on forward chain');
    if (!/^(ACCEPT|DROP|REJECT)$/.test(action))
      add('action', `unknown action '${action}'`);
  } else if (type === 'group') {
    if (env === 'group') add('type', 'security groups not allowed');
  }
  const iface = P.str(params, 'iface');
  if (iface && env === 'vm' && !/^net(\d+)$/.test(iface)) {
    add('iface', "value does not match the regex pattern 'net\\d+'");
  }
  let macro = P.str(params, 'macro');
  if (macro) {
    const preferred = MACROS.find(
      m => m.toLowerCase() === macro!.toLowerCase(),
    );
    if (preferred) macro = preferred;
    else add('macro', `unknown macro '${macro}'`);
  }
  const proto = P.str(params, 'proto');
  const isIcmp = !!proto && ICMP_PROTOCOLS.includes(proto);
  if (params.dport !== undefined && params.dport !== '') {
    if (!proto)
      add('proto', "missing property - 'dport' requires this property");
    else if (!PORT_PROTOCOLS.includes(proto) && !isIcmp)
      add('dport', `protocol '${proto}' does not support ports`);
  }
  if (params['icmp-type'] !== undefined) {
    if (!isIcmp)
      add('proto', "missing property - 'icmp-type' requires this property");
    if (params.dport !== undefined)
      add('icmp-type', "'icmp-type' cannot be specified together with 'dport'");
  }
  if (params.sport !== undefined && params.sport !== '') {
    if (!proto)
      add('proto', "missing property - 'sport' requires this property");
    else if (!PORT_PROTOCOLS.includes(proto))
      add('sport', `protocol '${proto}' does not support ports`);
  }
  if (Object.keys(errors).length) throw paramError(errors);
  const rule: FirewallRule = { type, action };
  for (const k of RULE_KEYS) {
    if (k === 'type' || k === 'action') continue;
    const v = k === 'macro' ? macro : params[k];
    if (v === undefined || v === null) continue;
    if (k === 'enable') rule.enable = Number(v);
    else (rule as unknown as Record<string, string>)[k] = String(v);
  }
  if (rule.enable === undefined) rule.enable = 0;
  rules.unshift(rule);
  return null;
}

function vmFirewall(ctx: RouteCtx): Guest['firewall'] {
  // firewall config lives in the cluster file system (/etc/pve/firewall/<vmid>.fw)
  const g = ctx.cluster.guests.get(Number(ctx.params.vmid));
  if (!g) return { options: {}, rules: [] };
  return g.firewall;
}

const BOOL_OPTS = ['dhcp', 'enable', 'ipfilter', 'macfilter', 'ndp', 'radv'];
const OPTION_KEYS = [
  ...BOOL_OPTS,
  'log_level_in',
  'log_level_out',
  'policy_in',
  'policy_out',
];

export const firewallRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/cluster/firewall/groups',
    permissions: { user: 'all' },
    handler: ({ cluster }) => {
      return [...cluster.firewallGroups.values()]
        .sort((a, b) => a.group.localeCompare(b.group))
        .map(g => {
          const e: Record<string, unknown> = {
            group: g.group,
            digest: rulesDigest(g.rules),
          };
          if (g.comment) e.comment = g.comment;
          return e;
        });
    },
  },
  {
    method: 'POST',
    path: '/cluster/firewall/groups',
    permissions: { check: ['perm', '/', ['Sys.Modify']] },
    handler: ({ cluster, params }) => {
      const group = String(params.group);
      const rename = P.str(params, 'rename');
      const comment = P.str(params, 'comment');
      if (rename !== undefined) {
        const existing = cluster.firewallGroups.get(rename);
        if (!existing)
          throw paramError({
            group: `Security group '${rename}' does not exist`,
          });
        if (rename !== group) {
          if (cluster.firewallGroups.has(group)) {
            throw paramError({
              group: `Security group '${group}' does already exist`,
            });
          }
          cluster.firewallGroups.delete(rename);
          existing.group = group;
          cluster.firewallGroups.set(group, existing);
        }
        if (comment !== undefined) existing.comment = comment;
        return null;
      }
      if (cluster.firewallGroups.has(group)) {
        throw paramError({ group: `Security group '${group}' already exists` });
      }
      cluster.firewallGroups.set(group, { group, comment, rules: [] });
      return null;
    },
  },
  {
    method: 'GET',
    path: '/cluster/firewall/groups/{group}',
    permissions: { check: ['perm', '/', ['Sys.Audit']] },
    handler: ({ cluster, params }) => {
      const g = cluster.firewallGroups.get(String(params.group));
      if (!g) throw die(`no such security group '${String(params.group)}'`);
      return renderRules(g.rules);
    },
  },
  {
    method: 'POST',
    path: '/cluster/firewall/groups/{group}',
    permissions: { check: ['perm', '/', ['Sys.Modify']] },
    handler: ctx => {
      const g = ctx.cluster.firewallGroups.get(String(ctx.params.group));
      if (!g) throw die(`no such security group '${String(ctx.params.group)}'`);
      return addRule(ctx, g.rules, 'group');
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/firewall/rules',
    permissions: { check: ['perm', '/vms/{vmid}', ['VM.Audit']] },
    handler: ctx => renderRules(vmFirewall(ctx).rules),
  },
  {
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/firewall/rules',
    permissions: { check: ['perm', '/vms/{vmid}', ['VM.Config.Network']] },
    handler: ctx => {
      const g = ctx.cluster.guests.get(Number(ctx.params.vmid));
      if (!g) {
        // PVE writes /etc/pve/firewall/<vmid>.fw even without a guest; we keep nothing
        return addRule(ctx, [], 'vm');
      }
      return addRule(ctx, g.firewall.rules, 'vm');
    },
  },
  {
    method: 'DELETE',
    path: '/nodes/{node}/qemu/{vmid}/firewall/rules/{pos}',
    permissions: { check: ['perm', '/vms/{vmid}', ['VM.Config.Network']] },
    handler: ctx => {
      const rules = vmFirewall(ctx).rules;
      const digest = P.str(ctx.params, 'digest');
      if (digest && digest !== rulesDigest(rules)) {
        throw die(
          'detected modified configuration - file changed by other user? Try again.',
        );
      }
      const pos = P.int(ctx.params, 'pos') ?? 0;
      if (pos >= rules.length) throw die(`no rule at position ${pos}`);
      rules.splice(pos, 1);
      return null;
    },
  },
  {
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/firewall/options',
    permissions: { check: ['perm', '/vms/{vmid}', ['VM.Audit']] },
    proxyto: 'node',
    handler: ctx => {
      const fw = vmFirewall(ctx);
      const res: Record<string, unknown> = {};
      for (const k of OPTION_KEYS) {
        const v = fw.options[k];
        if (v === undefined) continue;
        res[k] = BOOL_OPTS.includes(k) ? Number(v) : v;
      }
      res.digest = sha1(JSON.stringify(fw.options));
      return res;
    },
  },
  {
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/firewall/options',
    permissions: { check: ['perm', '/vms/{vmid}', ['VM.Config.Network']] },
    proxyto: 'node',
    handler: ctx => {
      const g = ctx.cluster.guests.get(Number(ctx.params.vmid));
      const fw = g
        ? g.firewall
        : { options: {} as Record<string, string>, rules: [] };
      const digest = P.str(ctx.params, 'digest');
      if (digest && digest !== sha1(JSON.stringify(fw.options))) {
        throw die(
          'detected modified configuration - file changed by other user? Try again.',
        );
      }
      for (const k of splitList(P.str(ctx.params, 'delete') ?? '')) {
        if (!OPTION_KEYS.includes(k))
          throw paramError({ delete: `no such option '${k}'` });
        delete fw.options[k];
      }
      for (const k of OPTION_KEYS) {
        const v = ctx.params[k];
        if (v === undefined || v === null) continue;
        fw.options[k] = boolString(v);
      }
      return null;
    },
  },
];
