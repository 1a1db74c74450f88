import {
  type VmSpec,
  parseRequestMarker,
  requestMarker,
} from '@mycopod/plugin-proxmox-common';
import type { PooledIpv4 } from '../ipam/IpPoolService';

/** Tag every MycoPod guest carries. */
export const MYCOPOD_TAG = 'mycopod';

/** The guest description: the request marker line, then the spec's text. */
export function guestDescription(requestId: string, spec: VmSpec): string {
  return spec.description
    ? `${requestMarker(requestId)}\n${spec.description}`
    : requestMarker(requestId);
}

/** Does a guest description carry the marker of this request? */
export function isOurs(
  requestId: string,
  description: string | undefined,
): boolean {
  return parseRequestMarker(description) === requestId;
}

/**
 * `ipconfig0` of the spec's cloud-init network settings; `pooled` is the
 * address a `{ pool }` spec was given at approval (src/ipam).
 */
export function ipConfig(spec: VmSpec, pooled?: PooledIpv4): string {
  const { ipv4, ipv6 } = spec.cloudInit;
  let fixed: { address: string; gateway: string } | undefined;
  if (ipv4 !== 'dhcp') {
    if ('pool' in ipv4 && !pooled) {
      throw new Error(`No address of IP pool ${ipv4.pool} is allocated`);
    }
    fixed = 'pool' in ipv4 ? pooled : ipv4;
  }
  const parts = [fixed ? `ip=${fixed.address},gw=${fixed.gateway}` : 'ip=dhcp'];
  if (ipv6 === 'dhcp') parts.push('ip6=dhcp');
  else if (ipv6 === 'slaac') parts.push('ip6=auto');
  else if (ipv6) parts.push(`ip6=${ipv6.address},gw6=${ipv6.gateway}`);
  return parts.join(',');
}

/**
 * `net0` for the spec: the template's model and MAC address are kept (a
 * repeated update then yields the same value), the bridge (or SDN vnet),
 * VLAN tag and firewall flag come from the spec.
 */
export function netConfig(spec: VmSpec, current: string | undefined): string {
  const bridge =
    'bridge' in spec.network ? spec.network.bridge : spec.network.vnet;
  const keep = (current ?? '')
    .split(',')
    .filter(p =>
      /^(virtio|e1000|e1000e|rtl8139|vmxnet3)(=|$)|^model=|^macaddr=/.test(p),
    );
  return [
    ...(keep.length ? keep : ['virtio']),
    `bridge=${bridge}`,
    ...(spec.vlan ? [`tag=${spec.vlan}`] : []),
    ...(spec.securityGroups.length ? ['firewall=1'] : []),
  ].join(',');
}

/** The tags of the guest: the spec's plus `mycopod`, sorted, unique. */
export function guestTags(spec: VmSpec): string[] {
  return [...new Set([...spec.tags, MYCOPOD_TAG])].sort();
}

/** The config update of the `configure` step (idempotent: no new volume). */
export function configUpdate(
  requestId: string,
  spec: VmSpec,
  currentNet0: string | undefined,
  pooled?: PooledIpv4,
) {
  const dns = pooled?.dns;
  return {
    cores: spec.cores,
    memory: spec.memoryMiB,
    ciuser: spec.cloudInit.user,
    ...(spec.cloudInit.sshKeys.length
      ? { sshkeys: spec.cloudInit.sshKeys }
      : {}),
    ipconfig0: ipConfig(spec, pooled),
    ...(dns?.nameservers ? { nameserver: dns.nameservers.join(' ') } : {}),
    ...(dns?.searchDomain ? { searchdomain: dns.searchDomain } : {}),
    net0: netConfig(spec, currentNet0),
    tags: guestTags(spec),
    description: guestDescription(requestId, spec),
  };
}
