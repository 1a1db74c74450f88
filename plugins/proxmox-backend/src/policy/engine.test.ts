import { ConfigReader } from '@backstage/config';
import {
  vmSpecSchema,
  type VmSpec,
  type VmSpecInput,
} from '@mycopod/plugin-proxmox-common';
import type { GroupUsage } from '../database/RequestStore';
import { readPolicyConfig, type PolicyConfig } from './config';
import { evaluatePolicy, matchesAllowList } from './engine';
import type { PolicyContext, PolicyPhase } from './types';

const TEAM_A = 'group:default/team-a';
const NONE: GroupUsage = { count: 0, cores: 0, memoryMiB: 0, diskGiB: 0 };

function policy(raw: object = {}): PolicyConfig {
  return readPolicyConfig(new ConfigReader({ proxmox: { policy: raw } }));
}

function spec(overrides: Partial<VmSpecInput> = {}): VmSpec {
  return vmSpecSchema.parse({
    name: 'web-1',
    cluster: 'lab',
    template: 'ubuntu-24.04',
    cores: 2,
    memoryMiB: 4096,
    diskGiB: 32,
    network: { bridge: 'vmbr0' },
    cloudInit: { user: 'dev', ipv4: 'dhcp' },
    owner: TEAM_A,
    ...overrides,
  });
}

function ctx(overrides: Partial<PolicyContext> = {}): PolicyContext {
  return {
    phase: 'create',
    requester: 'user:default/alice',
    requesterOwnership: ['user:default/alice', TEAM_A],
    usage: { committed: NONE, pending: NONE },
    ...overrides,
  };
}

function usage(committed: Partial<GroupUsage>, pending?: Partial<GroupUsage>) {
  return {
    committed: { ...NONE, ...committed },
    pending: { ...NONE, ...pending },
  };
}

function codes(result: { findings: { level: string; code?: string }[] }) {
  return result.findings.map(f => `${f.level}:${f.code}`);
}

describe('evaluatePolicy', () => {
  it('allows a plain request with no findings and the default lease', () => {
    const r = evaluatePolicy(spec(), ctx(), policy());
    expect(r).toEqual({
      findings: [],
      allowed: true,
      autoApprove: false,
      leaseDays: 30,
    });
  });

  describe('per-request limits', () => {
    const p = policy({
      limits: { maxCores: 8, maxMemoryMiB: 16384, maxDiskGiB: 100 },
      defaults: { quota: {} },
    });

    it('passes at exactly the limits', () => {
      const r = evaluatePolicy(
        spec({ cores: 8, memoryMiB: 16384, diskGiB: 100 }),
        ctx(),
        p,
      );
      expect(r.findings).toEqual([]);
    });

    it('refuses each dimension above its limit', () => {
      const r = evaluatePolicy(
        spec({ cores: 9, memoryMiB: 16385, diskGiB: 101 }),
        ctx(),
        p,
      );
      expect(r.allowed).toBe(false);
      expect(r.findings).toEqual([
        {
          level: 'error',
          field: 'cores',
          code: 'limit.cores',
          message: '9 vCPUs exceed the per-request limit of 8',
        },
        {
          level: 'error',
          field: 'memoryMiB',
          code: 'limit.memory',
          message:
            '16385 MiB of memory exceeds the per-request limit of 16 GiB',
        },
        {
          level: 'error',
          field: 'diskGiB',
          code: 'limit.disk',
          message: 'A 101 GiB disk exceeds the per-request limit of 100 GiB',
        },
      ]);
    });
  });

  describe('template disk size', () => {
    it('refuses a disk smaller than the template disk', () => {
      const r = evaluatePolicy(
        spec({ diskGiB: 20 }),
        ctx({ templateDiskGiB: 32 }),
        policy(),
      );
      expect(r.findings).toEqual([
        expect.objectContaining({
          level: 'error',
          field: 'diskGiB',
          code: 'disk.smaller-than-template',
          message: expect.stringContaining('32 GiB'),
        }),
      ]);
    });

    it('accepts a disk the size of the template disk or when unknown', () => {
      expect(
        evaluatePolicy(
          spec({ diskGiB: 32 }),
          ctx({ templateDiskGiB: 32 }),
          policy(),
        ).allowed,
      ).toBe(true);
      expect(
        evaluatePolicy(spec({ diskGiB: 1 }), ctx(), policy()).allowed,
      ).toBe(true);
    });
  });

  describe('lease', () => {
    const p = policy({ lease: { defaultDays: 7, maxDays: 60 } });

    it('refuses a lease over the maximum', () => {
      const r = evaluatePolicy(spec({ leaseDays: 61 }), ctx(), p);
      expect(r.findings).toEqual([
        {
          level: 'error',
          field: 'leaseDays',
          code: 'lease.too-long',
          message: 'A lease of 61 days exceeds the maximum of 60 days',
        },
      ]);
      expect(r.leaseDays).toBe(61);
    });

    it('accepts the maximum and defaults an absent lease', () => {
      const r = evaluatePolicy(spec({ leaseDays: 60 }), ctx(), p);
      expect(r.allowed).toBe(true);
      expect(r.leaseDays).toBe(60);
      expect(evaluatePolicy(spec(), ctx(), p).leaseDays).toBe(7);
    });
  });

  describe('allow lists', () => {
    const p = policy({
      defaults: {
        allowedTemplates: ['debian-12'],
        allowedNetworks: ['vmbr0'],
        allowedSecurityGroups: ['web'],
      },
      groups: [
        {
          group: TEAM_A,
          allowedTemplates: ['ubuntu-*', 9000, 'prod/rhel-9'],
          allowedNetworks: ['vmbr0', 'devnet'],
          allowedSecurityGroups: ['web', 'ssh'],
        },
      ],
    });
    const teamB = 'group:default/team-b';
    const inTeamB = ctx({ requesterOwnership: [teamB] });

    it('accepts choices on the owner group list', () => {
      const r = evaluatePolicy(
        spec({ securityGroups: ['ssh', 'web'] }),
        ctx(),
        p,
      );
      expect(r.findings).toEqual([]);
      expect(
        evaluatePolicy(
          spec({ template: 9000, network: { vnet: 'devnet' } }),
          ctx(),
          p,
        ).findings,
      ).toEqual([]);
    });

    it('refuses a template not on the list', () => {
      const r = evaluatePolicy(spec({ template: 'debian-12' }), ctx(), p);
      expect(r.findings).toEqual([
        {
          level: 'error',
          field: 'template',
          code: 'template.not-allowed',
          message:
            'Template debian-12 is not allowed for team-a (allowed: ubuntu-*, 9000, prod/rhel-9)',
        },
      ]);
    });

    it('matches a template by its resolved name or VMID', () => {
      expect(
        evaluatePolicy(
          spec({ template: 9100 }),
          ctx({ template: { vmid: 9100, name: 'ubuntu-22.04' } }),
          p,
        ).allowed,
      ).toBe(true);
      expect(
        evaluatePolicy(
          spec({ template: 'noble' }),
          ctx({ template: { vmid: 9000, name: 'noble' } }),
          p,
        ).allowed,
      ).toBe(true);
    });

    it('applies cluster-scoped entries in that cluster only', () => {
      expect(
        evaluatePolicy(spec({ template: 'rhel-9', cluster: 'prod' }), ctx(), p)
          .allowed,
      ).toBe(true);
      expect(
        codes(evaluatePolicy(spec({ template: 'rhel-9' }), ctx(), p)),
      ).toEqual(['error:template.not-allowed']);
    });

    it('refuses a bridge or vnet not on the list', () => {
      const bridge = evaluatePolicy(
        spec({ network: { bridge: 'vmbr9' } }),
        ctx(),
        p,
      );
      expect(bridge.findings).toEqual([
        expect.objectContaining({
          level: 'error',
          field: 'network.bridge',
          code: 'network.not-allowed',
          message: expect.stringContaining('Bridge vmbr9 is not allowed'),
        }),
      ]);
      const vnet = evaluatePolicy(
        spec({ network: { vnet: 'other' } }),
        ctx(),
        p,
      );
      expect(vnet.findings).toEqual([
        expect.objectContaining({
          field: 'network.vnet',
          code: 'network.not-allowed',
        }),
      ]);
    });

    it('refuses each security group not on the list at its index', () => {
      const r = evaluatePolicy(
        spec({ securityGroups: ['web', 'db', 'ssh', 'admin'] }),
        ctx(),
        p,
      );
      expect(r.findings.map(f => [f.field, f.code])).toEqual([
        ['securityGroups.1', 'security-group.not-allowed'],
        ['securityGroups.3', 'security-group.not-allowed'],
      ]);
    });

    it('uses the defaults for groups not listed', () => {
      const owned = { owner: teamB };
      expect(
        evaluatePolicy(spec({ ...owned, template: 'debian-12' }), inTeamB, p)
          .allowed,
      ).toBe(true);
      expect(
        codes(
          evaluatePolicy(
            spec({ ...owned, securityGroups: ['ssh'] }),
            inTeamB,
            p,
          ),
        ),
      ).toEqual([
        'error:template.not-allowed',
        'error:security-group.not-allowed',
      ]);
    });

    it('an empty list allows nothing', () => {
      const none = policy({ defaults: { allowedSecurityGroups: [] } });
      expect(
        evaluatePolicy(spec({ securityGroups: ['web'] }), ctx(), none)
          .findings[0].message,
      ).toContain('none are allowed');
      expect(evaluatePolicy(spec(), ctx(), none).allowed).toBe(true);
    });
  });

  describe('owner membership', () => {
    const outsider = ctx({
      requester: 'user:default/bob',
      requesterOwnership: ['user:default/bob', 'group:default/team-b'],
    });

    it('refuses an owner group the requester is not in', () => {
      const r = evaluatePolicy(spec(), outsider, policy());
      expect(r.findings).toEqual([
        {
          level: 'error',
          field: 'owner',
          code: 'owner.not-member',
          message:
            'bob is not a member of team-a; choose a group you belong to as the owner',
        },
      ]);
    });

    it('accepts a member, case-insensitively', () => {
      const r = evaluatePolicy(
        spec(),
        ctx({ requesterOwnership: ['group:default/Team-A'] }),
        policy(),
      );
      expect(r.allowed).toBe(true);
    });

    it('is skipped when requireOwnerMembership is false', () => {
      const p = policy({ requireOwnerMembership: false });
      expect(evaluatePolicy(spec(), outsider, p).allowed).toBe(true);
    });
  });

  describe('quotas', () => {
    const p = policy({
      defaults: {
        quota: { count: 5, cores: 32, memoryMiB: 65536, diskGiB: 1000 },
      },
    });
    const phases: PolicyPhase[] = ['create', 'draft', 'approve'];

    it.each(phases)('passes at exactly the quota (%s)', phase => {
      const r = evaluatePolicy(
        spec({ cores: 4, memoryMiB: 8192, diskGiB: 100 }),
        ctx({
          phase,
          usage: usage({
            count: 4,
            cores: 28,
            memoryMiB: 57344,
            diskGiB: 900,
          }),
        }),
        p,
      );
      expect(r.findings).toEqual([]);
      expect(r.allowed).toBe(true);
    });

    it.each(phases)('refuses one over the quota (%s)', phase => {
      const r = evaluatePolicy(
        spec({ cores: 4, memoryMiB: 8192, diskGiB: 100 }),
        ctx({
          phase,
          usage: usage({
            count: 5,
            cores: 29,
            memoryMiB: 57345,
            diskGiB: 901,
          }),
        }),
        p,
      );
      expect(r.allowed).toBe(false);
      expect(r.findings).toEqual([
        {
          level: 'error',
          field: 'owner',
          code: 'quota.count',
          message: 'team-a has 5 of 5 VMs; one more VM would exceed the quota',
        },
        {
          level: 'error',
          field: 'cores',
          code: 'quota.cores',
          message:
            'team-a has 29 of 32 vCPUs in use; 4 more would exceed the quota',
        },
        {
          level: 'error',
          field: 'memoryMiB',
          code: 'quota.memory',
          message:
            'team-a has 57345 MiB of 64 GiB memory in use; 8 GiB more would exceed the quota',
        },
        {
          level: 'error',
          field: 'diskGiB',
          code: 'quota.disk',
          message:
            'team-a has 901 of 1000 GiB disk in use; 100 GiB more would exceed the quota',
        },
      ]);
    });

    it('uses the example wording for vCPUs', () => {
      const r = evaluatePolicy(
        spec({ cores: 8 }),
        ctx({ usage: usage({ cores: 28 }) }),
        p,
      );
      expect(r.findings.map(f => f.message)).toEqual([
        'team-a has 28 of 32 vCPUs in use; 8 more would exceed the quota',
      ]);
    });

    it('warns about pending requests when filing, not when approving', () => {
      const u = usage({ count: 1, cores: 20 }, { count: 2, cores: 10 });
      const s = spec({ cores: 4 });
      for (const phase of ['create', 'draft'] as const) {
        const r = evaluatePolicy(s, ctx({ phase, usage: u }), p);
        expect(r.allowed).toBe(true);
        expect(r.findings).toEqual([
          {
            level: 'warning',
            field: 'cores',
            code: 'quota.cores',
            message:
              "team-a has 20 of 32 vCPUs in use; if the group's 2 pending requests (10 vCPUs) are approved too, 4 more would exceed the quota",
          },
        ]);
      }
      const approve = evaluatePolicy(s, ctx({ phase: 'approve', usage: u }), p);
      expect(approve.findings).toEqual([]);
    });

    it('does not warn when pending requests fit too (exactly at the quota)', () => {
      const u = usage({ count: 1, cores: 20 }, { count: 3, cores: 8 });
      expect(
        evaluatePolicy(spec({ cores: 4 }), ctx({ usage: u }), p).findings,
      ).toEqual([]);
    });

    it('warns about the VM count with pending requests', () => {
      const u = usage({ count: 3 }, { count: 2 });
      const r = evaluatePolicy(spec(), ctx({ usage: u }), p);
      expect(r.findings).toEqual([
        expect.objectContaining({
          level: 'warning',
          code: 'quota.count',
          message:
            "team-a has 3 of 5 VMs; if the group's 2 pending requests are approved too, one more VM would exceed the quota",
        }),
      ]);
    });

    it('reports an error, not also a warning, when committed usage is over', () => {
      const u = usage({ cores: 30 }, { count: 1, cores: 10 });
      expect(
        codes(evaluatePolicy(spec({ cores: 4 }), ctx({ usage: u }), p)),
      ).toEqual(['error:quota.cores']);
    });

    it('treats quota keys left out as unlimited', () => {
      const unlimited = policy({ defaults: { quota: { count: 1 } } });
      const r = evaluatePolicy(
        spec({ cores: 16 }),
        ctx({ usage: usage({ cores: 10_000, memoryMiB: 1e9, diskGiB: 1e9 }) }),
        unlimited,
      );
      expect(r.findings).toEqual([]);
    });

    it("uses the owner group's own quota", () => {
      const perGroup = policy({
        defaults: { quota: { cores: 100 } },
        groups: [{ group: 'team-a', quota: { cores: 4 } }],
      });
      expect(
        codes(
          evaluatePolicy(
            spec({ cores: 2 }),
            ctx({ usage: usage({ cores: 3 }) }),
            perGroup,
          ),
        ),
      ).toEqual(['error:quota.cores']);
    });
  });

  describe('auto-approve', () => {
    const p = policy({
      autoApprove: {
        enabled: true,
        maxCores: 2,
        maxMemoryMiB: 4096,
        maxDiskGiB: 40,
      },
      defaults: { quota: { cores: 10 } },
    });
    const small = { cores: 2, memoryMiB: 4096, diskGiB: 40 };

    it('auto-approves a request at exactly the thresholds', () => {
      expect(evaluatePolicy(spec(small), ctx(), p).autoApprove).toBe(true);
    });

    it.each([
      ['cores', { ...small, cores: 3 }],
      ['memoryMiB', { ...small, memoryMiB: 4097 }],
      ['diskGiB', { ...small, diskGiB: 41 }],
    ])('not when %s is above its threshold', (_key, s) => {
      const r = evaluatePolicy(spec(s), ctx(), p);
      expect(r.allowed).toBe(true);
      expect(r.autoApprove).toBe(false);
    });

    it('not when disabled', () => {
      expect(evaluatePolicy(spec(small), ctx(), policy()).autoApprove).toBe(
        false,
      );
    });

    it('not when there is an error', () => {
      const r = evaluatePolicy(spec({ ...small, leaseDays: 365 }), ctx(), p);
      expect(r.allowed).toBe(false);
      expect(r.autoApprove).toBe(false);
    });

    it('not when there is a quota warning', () => {
      const r = evaluatePolicy(
        spec(small),
        ctx({ usage: usage({ cores: 6 }, { count: 1, cores: 4 }) }),
        p,
      );
      expect(codes(r)).toEqual(['warning:quota.cores']);
      expect(r.allowed).toBe(true);
      expect(r.autoApprove).toBe(false);
    });
  });
});

describe('matchesAllowList', () => {
  it('matches names, globs, VMIDs and cluster-scoped entries', () => {
    expect(matchesAllowList(['*'], 'anything')).toBe(true);
    expect(matchesAllowList(['ubuntu-*'], 'ubuntu-24.04')).toBe(true);
    expect(matchesAllowList(['ubuntu-*'], 'debian-12')).toBe(false);
    // `.` is literal, not a regex wildcard.
    expect(matchesAllowList(['ubuntu-24.04'], 'ubuntu-24x04')).toBe(false);
    expect(matchesAllowList(['9000'], 9000)).toBe(true);
    expect(matchesAllowList(['9000'], [9001, 'ubuntu', undefined])).toBe(false);
    expect(matchesAllowList(['lab/vmbr1'], 'vmbr1', 'lab')).toBe(true);
    expect(matchesAllowList(['lab/vmbr1'], 'vmbr1', 'prod')).toBe(false);
    expect(matchesAllowList(['lab/vmbr1'], 'vmbr1')).toBe(false);
    expect(matchesAllowList([], 'vmbr0')).toBe(false);
  });
});
