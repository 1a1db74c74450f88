import { ConfigReader } from '@backstage/config';
import {
  DEFAULT_QUOTA,
  DEFAULT_SIZE_PRESETS,
  normalizeGroupRef,
  readPolicyConfig,
} from './config';
import {
  allowedChoicesFor,
  leaseLimits,
  mayApproveOwn,
  sizePresets,
} from './engine';

function read(policy?: unknown) {
  return readPolicyConfig(
    new ConfigReader(
      policy === undefined ? {} : ({ proxmox: { policy } } as any),
    ),
  );
}

describe('readPolicyConfig', () => {
  it('applies every default when proxmox.policy is absent', () => {
    const p = read();
    expect(p).toEqual({
      limits: { maxCores: 16, maxMemoryMiB: 65536, maxDiskGiB: 500 },
      lease: { defaultDays: 30, maxDays: 90 },
      autoApprove: {
        enabled: false,
        maxCores: 2,
        maxMemoryMiB: 4096,
        maxDiskGiB: 40,
      },
      selfApproval: false,
      requireOwnerMembership: true,
      sizePresets: DEFAULT_SIZE_PRESETS,
      defaults: {
        quota: DEFAULT_QUOTA,
        allowedTemplates: ['*'],
        allowedNetworks: ['*'],
        allowedSecurityGroups: ['*'],
      },
      groups: {},
    });
    expect(mayApproveOwn(p)).toBe(false);
    expect(leaseLimits(p)).toEqual({ defaultDays: 30, maxDays: 90 });
    expect(sizePresets(p).map(s => s.name)).toEqual([
      'small',
      'medium',
      'large',
    ]);
  });

  it('keeps defaults for keys left out of a partly configured section', () => {
    const p = read({ limits: { maxCores: 8 }, autoApprove: { enabled: true } });
    expect(p.limits).toEqual({
      maxCores: 8,
      maxMemoryMiB: 65536,
      maxDiskGiB: 500,
    });
    expect(p.autoApprove).toEqual({
      enabled: true,
      maxCores: 2,
      maxMemoryMiB: 4096,
      maxDiskGiB: 40,
    });
  });

  it('reads the documented example', () => {
    const p = read({
      limits: { maxCores: 16, maxMemoryMiB: 65536, maxDiskGiB: 500 },
      lease: { defaultDays: 14, maxDays: 60 },
      autoApprove: {
        enabled: true,
        maxCores: 2,
        maxMemoryMiB: 4096,
        maxDiskGiB: 40,
      },
      selfApproval: true,
      requireOwnerMembership: false,
      sizePresets: [{ name: 'tiny', cores: 1, memoryMiB: 1024, diskGiB: 10 }],
      defaults: {
        quota: { count: 3 },
        allowedTemplates: ['ubuntu-*', 9000],
        allowedNetworks: ['vmbr0'],
        allowedSecurityGroups: [],
      },
      groups: [
        {
          group: 'group:default/team-a',
          quota: { cores: 64 },
          allowedNetworks: ['vmbr0', 'lab/devnet'],
        },
      ],
    });
    expect(mayApproveOwn(p)).toBe(true);
    expect(p.requireOwnerMembership).toBe(false);
    expect(leaseLimits(p)).toEqual({ defaultDays: 14, maxDays: 60 });
    expect(sizePresets(p)).toEqual([
      { name: 'tiny', cores: 1, memoryMiB: 1024, diskGiB: 10 },
    ]);
    expect(p.defaults.allowedTemplates).toEqual(['ubuntu-*', '9000']);
    expect(allowedChoicesFor('group:default/team-a', p)).toEqual({
      quota: { cores: 64 },
      templates: ['ubuntu-*', '9000'],
      networks: ['vmbr0', 'lab/devnet'],
      securityGroups: [],
    });
    // Case-insensitive like Backstage entity refs; others get the defaults.
    expect(allowedChoicesFor('group:default/Team-A', p).quota).toEqual({
      cores: 64,
    });
    expect(allowedChoicesFor('group:default/team-b', p)).toEqual({
      quota: { count: 3 },
      templates: ['ubuntu-*', '9000'],
      networks: ['vmbr0'],
      securityGroups: [],
    });
  });

  it('an empty quota means unlimited, an absent one the default quota', () => {
    expect(read({ defaults: { quota: {} } }).defaults.quota).toEqual({});
    expect(read({ defaults: {} }).defaults.quota).toEqual(DEFAULT_QUOTA);
  });

  it('accepts short group refs', () => {
    const p = read({ groups: [{ group: 'team-a', quota: { count: 1 } }] });
    expect(Object.keys(p.groups)).toEqual(['group:default/team-a']);
  });

  it('leaves out built-in presets beyond the limits', () => {
    const p = read({ limits: { maxCores: 2 } });
    expect(sizePresets(p).map(s => s.name)).toEqual(['small', 'medium']);
  });

  it.each([
    [{ limits: { maxCores: 0 } }, 'proxmox.policy.limits.maxCores'],
    [{ limits: { maxCores: 'many' } }, 'proxmox.policy.limits.maxCores'],
    [{ limits: { maxCPUs: 4 } }, 'proxmox.policy.limits'],
    [{ lease: { maxDays: 2.5 } }, 'proxmox.policy.lease.maxDays'],
    [
      { lease: { defaultDays: 100, maxDays: 90 } },
      'proxmox.policy.lease.defaultDays',
    ],
    [{ autoApprove: { enabled: 'yes' } }, 'proxmox.policy.autoApprove.enabled'],
    [{ selfApproval: 1 }, 'proxmox.policy.selfApproval'],
    [{ requireOwnerMembership: 'no' }, 'proxmox.policy.requireOwnerMembership'],
    [
      { sizePresets: [{ name: 'x', cores: 1, memoryMiB: 512 }] },
      'proxmox.policy.sizePresets[0].diskGiB',
    ],
    [
      {
        sizePresets: [
          { name: 'x', cores: 1, memoryMiB: 512, diskGiB: 1 },
          { name: 'x', cores: 2, memoryMiB: 512, diskGiB: 1 },
        ],
      },
      'proxmox.policy.sizePresets[1].name',
    ],
    [
      {
        sizePresets: [{ name: 'huge', cores: 64, memoryMiB: 512, diskGiB: 1 }],
      },
      'proxmox.policy.sizePresets[0].cores',
    ],
    [
      { defaults: { quota: { cores: -1 } } },
      'proxmox.policy.defaults.quota.cores',
    ],
    [
      { defaults: { allowedTemplates: [''] } },
      'proxmox.policy.defaults.allowedTemplates[0]',
    ],
    [
      { defaults: { allowedNetworks: 'vmbr0' } },
      'proxmox.policy.defaults.allowedNetworks',
    ],
    [{ groups: [{ quota: {} }] }, 'proxmox.policy.groups[0].group'],
    [
      { groups: [{ group: 'user:default/alice' }] },
      'proxmox.policy.groups[0].group',
    ],
    [
      { groups: [{ group: 'team-a' }, { group: 'group:default/team-a' }] },
      'proxmox.policy.groups[1].group',
    ],
  ])('rejects %j naming %s', (policy, key) => {
    expect(() => read(policy)).toThrow(key);
  });
});

describe('normalizeGroupRef', () => {
  it('canonicalises group refs and rejects other kinds', () => {
    expect(normalizeGroupRef('group:default/Team-A')).toBe(
      'group:default/team-a',
    );
    expect(normalizeGroupRef('ops/infra')).toBe('group:ops/infra');
    expect(normalizeGroupRef('user:default/alice')).toBeUndefined();
    expect(normalizeGroupRef('a:b:c')).toBeUndefined();
  });
});
