import { z } from 'zod';

/** A DNS label: lower-case letters, digits and hyphens, 1–63 characters. */
export const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A Proxmox cluster, node or storage name as MycoPod configures them. */
const PVE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62})$/;
/** Proxmox tag syntax (`pve-tag`). */
const PVE_TAG = /^[a-z0-9_][a-z0-9_+.-]{0,63}$/;
/** Proxmox firewall security group name (`pve-security-group-name`). */
const PVE_SECURITY_GROUP = /^[A-Za-z][A-Za-z0-9_-]{1,17}$/;
/** A Linux user name as cloud-init accepts it. */
const LINUX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** A Backstage group entity ref, e.g. `group:default/team-a`. */
export const GROUP_REF = /^group:[a-z0-9_.-]+\/[A-Za-z0-9_.-]{1,63}$/;
/** A Backstage entity ref with kind and namespace, e.g. `system:default/payments`. */
export const ENTITY_REF =
  /^[a-z][a-z0-9-]*:[a-z0-9_.-]+\/[A-Za-z0-9_.-]{1,63}$/;
/** An OpenSSH public key line: type, base64 body, optional comment. */
const SSH_PUBLIC_KEY =
  /^(ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}(?: [^\r\n]*)?$/;

function ipv4Octets(s: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  return octets.every(o => o <= 255) ? octets : undefined;
}

const ipv4Address = z
  .string()
  .refine(s => ipv4Octets(s) !== undefined, 'must be an IPv4 address');
const ipv4Cidr = z.string().refine(s => {
  const [addr, prefix, ...rest] = s.split('/');
  return (
    rest.length === 0 &&
    ipv4Octets(addr) !== undefined &&
    /^\d{1,2}$/.test(prefix ?? '') &&
    Number(prefix) >= 1 &&
    Number(prefix) <= 32
  );
}, 'must be an IPv4 address with a prefix length, e.g. 10.0.0.5/24');
const ipv6Address = z
  .string()
  .refine(
    s => /^[0-9a-fA-F:]{2,39}$/.test(s) && s.includes(':'),
    'must be an IPv6 address',
  );
const ipv6Cidr = z.string().refine(s => {
  const [addr, prefix, ...rest] = s.split('/');
  return (
    rest.length === 0 &&
    /^[0-9a-fA-F:]{2,39}$/.test(addr) &&
    /^\d{1,3}$/.test(prefix ?? '') &&
    Number(prefix) >= 1 &&
    Number(prefix) <= 128
  );
}, 'must be an IPv6 address with a prefix length, e.g. 2001:db8::5/64');

/** Name of an IP pool (`proxmox.ipPools[].name`). */
export const IP_POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** `cloudInit.ipv4` from an IP pool: the address is allocated at approval. */
export const ipv4PoolSchema = z.strictObject({
  pool: z.string().regex(IP_POOL_NAME, { message: 'must be an IP pool name' }),
});

/** Network attachment: a Linux bridge or an SDN vnet. */
export const networkSchema = z.union([
  z.strictObject({
    bridge: z.string().regex(/^vmbr\d{1,4}$|^[A-Za-z][A-Za-z0-9_.-]{0,14}$/, {
      message: 'must be a bridge name such as vmbr0',
    }),
  }),
  z.strictObject({
    vnet: z
      .string()
      .regex(/^[a-z][a-z0-9]{0,7}$/, { message: 'must be an SDN vnet id' }),
  }),
]);

/** Cloud-init settings of a new VM. */
export const cloudInitSchema = z.strictObject({
  user: z.string().regex(LINUX_USER, {
    message: 'must be a Linux user name (lower case, up to 32 characters)',
  }),
  sshKeys: z
    .array(
      z
        .string()
        .trim()
        .max(16384)
        .regex(SSH_PUBLIC_KEY, { message: 'must be an OpenSSH public key' }),
    )
    .max(20)
    .default([]),
  /**
   * DHCP, a static address, or `{ pool }`: the next free address of an IP
   * pool, taken when the request is approved.
   */
  ipv4: z.union([
    z.literal('dhcp'),
    z.strictObject({ address: ipv4Cidr, gateway: ipv4Address }),
    ipv4PoolSchema,
  ]),
  ipv6: z
    .union([
      z.literal('dhcp'),
      z.literal('slaac'),
      z.strictObject({ address: ipv6Cidr, gateway: ipv6Address }),
    ])
    .optional(),
});

/**
 * The specification of a VM to create. Field names are fixed: the REST API,
 * the scaffolder actions, the LLM drafting and the frontend forms share them.
 */
export const vmSpecSchema = z.strictObject({
  name: z.string().regex(DNS_LABEL, {
    message:
      'must be a DNS label: 1–63 lower-case letters, digits or hyphens, not starting or ending with a hyphen',
  }),
  cluster: z.string().regex(PVE_NAME, { message: 'must be a cluster name' }),
  /** Absent: placement by free capacity. */
  node: z
    .string()
    .regex(PVE_NAME, { message: 'must be a node name' })
    .optional(),
  /** VMID or name of a Proxmox template. */
  template: z.union([
    z.number().int().min(100).max(999_999_999),
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, {
      message: 'must be a template VMID or name',
    }),
  ]),
  cores: z.number().int().min(1).max(128),
  memoryMiB: z.number().int().min(512).max(1_048_576),
  /** Size of the boot disk after resize; never smaller than the template's. */
  diskGiB: z.number().int().min(1).max(65_536),
  storage: z
    .string()
    .regex(PVE_NAME, { message: 'must be a storage name' })
    .optional(),
  network: networkSchema,
  vlan: z.number().int().min(1).max(4094).optional(),
  securityGroups: z
    .array(
      z.string().regex(PVE_SECURITY_GROUP, {
        message: 'must be a Proxmox security group name',
      }),
    )
    .max(10)
    .default([]),
  cloudInit: cloudInitSchema,
  tags: z
    .array(
      z.string().regex(PVE_TAG, {
        message: 'must be a Proxmox tag (lower-case letters, digits, _ + . -)',
      }),
    )
    .max(20)
    .default([]),
  description: z.string().max(4000).optional(),
  /** Owning group, e.g. `group:default/team-a`. */
  owner: z.string().regex(GROUP_REF, {
    message: 'must be a group entity ref such as group:default/team-a',
  }),
  leaseDays: z.number().int().min(1).max(3650).optional(),
  system: z
    .string()
    .regex(ENTITY_REF, {
      message: 'must be an entity ref such as system:default/payments',
    })
    .optional(),
  justification: z.string().max(2000).optional(),
});

/** A VM spec after validation (defaults applied). */
export type VmSpec = z.output<typeof vmSpecSchema>;
/** A VM spec as a client may send it (defaults not yet applied). */
export type VmSpecInput = z.input<typeof vmSpecSchema>;
export type VmNetwork = z.output<typeof networkSchema>;
export type VmCloudInit = z.output<typeof cloudInitSchema>;
export type VmIpv4 = VmCloudInit['ipv4'];

/** The pool name when `ipv4` asks for an IP pool's address. */
export function ipv4PoolOf(ipv4: VmIpv4 | undefined): string | undefined {
  return typeof ipv4 === 'object' && 'pool' in ipv4 ? ipv4.pool : undefined;
}
