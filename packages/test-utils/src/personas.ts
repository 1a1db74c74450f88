/** The people of MycoPod's backend tests and their groups. */
export const PERSONAS = {
  dev: { ref: 'user:default/dev', groups: ['group:default/team-a'] },
  member: { ref: 'user:default/member', groups: ['group:default/team-a'] },
  other: { ref: 'user:default/other', groups: ['group:default/team-b'] },
  admin: {
    ref: 'user:default/admin',
    groups: ['group:default/platform-admins'],
  },
  quser: { ref: 'user:default/quser', groups: ['group:default/team-q'] },
  admin2: {
    ref: 'user:default/admin2',
    groups: ['group:default/platform-admins', 'group:default/team-a'],
  },
} as const;
export type PersonaName = keyof typeof PERSONAS;

/** Each persona's user entity ref and its groups. */
export const USER_GROUPS: Readonly<Record<string, readonly string[]>> =
  Object.fromEntries(Object.values(PERSONAS).map(p => [p.ref, p.groups]));

/** A valid provisioning spec for the simulator's demo fleet (cluster `lab`). */
export function labSpec(over: Record<string, unknown> = {}) {
  return {
    name: 'web-42',
    cluster: 'lab',
    template: 'ubuntu-24.04-cloudinit',
    cores: 2,
    memoryMiB: 2048,
    diskGiB: 40,
    network: { bridge: 'vmbr0' },
    securityGroups: ['web'],
    cloudInit: {
      user: 'ubuntu',
      sshKeys: [
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT dev@example.com',
      ],
      ipv4: 'dhcp',
    },
    tags: ['team-a'],
    owner: 'group:default/team-a',
    justification: 'integration test',
    ...over,
  };
}
