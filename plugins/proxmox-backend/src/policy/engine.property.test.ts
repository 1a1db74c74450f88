import { ConfigReader } from '@backstage/config';
import { DNS_LABEL, vmSpecSchema } from '@mycopod/plugin-proxmox-common';
import fc from 'fast-check';
import { readPolicyConfig } from './config';
import { evaluatePolicy } from './engine';
import type { PolicyContext } from './types';

const GROUPS = [
  'group:default/team-a',
  'group:default/team-b',
  'group:ops/Infra',
];
const TEMPLATES = ['ubuntu-24.04', 'debian-12', 'rhel-9'];
const NETWORKS = ['vmbr0', 'vmbr1', 'devnet'];
const SECURITY_GROUPS = ['web', 'ssh', 'db'];

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
/** An integer in [min, max], mostly in [min, small]: many requests pass. */
const int = (min: number, small: number, max: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min, max: small }), weight: 3 },
    { arbitrary: fc.integer({ min, max }), weight: 1 },
  );
/** Mostly `a`, sometimes `b`. */
const mostly = <T>(a: fc.Arbitrary<T>, b: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: a, weight: 3 }, { arbitrary: b, weight: 1 });
const listOf = (xs: readonly string[]) =>
  mostly<string[]>(
    fc.constant(['*']),
    fc.subarray([...xs, '*'], { maxLength: 3 }),
  );

/** Raw input of valid specs (parsed by the schema, which must accept it). */
const specInput = fc
  .record(
    {
      name: fc.stringMatching(DNS_LABEL),
      cluster: pick(['lab', 'prod']),
      node: pick(['pve1', 'pve2']),
      template: fc.oneof(
        pick(TEMPLATES),
        fc.integer({ min: 100, max: 99_999 }),
      ),
      cores: int(1, 4, 128),
      memoryMiB: int(512, 8192, 1_048_576),
      diskGiB: int(1, 80, 65_536),
      network: fc.oneof(
        pick(['vmbr0', 'vmbr1', 'vmbr42']).map(bridge => ({ bridge })),
        pick(['devnet', 'prod1']).map(vnet => ({ vnet })),
      ),
      vlan: fc.integer({ min: 1, max: 4094 }),
      securityGroups: mostly(
        fc.array(pick(SECURITY_GROUPS), { maxLength: 2 }),
        fc.array(pick([...SECURITY_GROUPS, 'admin']), { maxLength: 10 }),
      ),
      cloudInit: fc.record({
        user: pick(['dev', 'ubuntu']),
        ipv4: fc.constant('dhcp' as const),
      }),
      tags: fc.array(pick(['web', 'team_a']), { maxLength: 3 }),
      owner: pick(GROUPS),
      leaseDays: int(1, 60, 3650),
    },
    { requiredKeys: ['name', 'cluster', 'template', 'cores', 'memoryMiB'] },
  )
  .map(s => ({
    diskGiB: 10,
    network: { bridge: 'vmbr0' },
    cloudInit: { user: 'dev', ipv4: 'dhcp' },
    owner: GROUPS[0],
    ...s,
  }));

const usageArb = mostly(
  fc.constant({ count: 0, cores: 0, memoryMiB: 0, diskGiB: 0 }),
  fc.record({
    count: int(0, 5, 50),
    cores: int(0, 10, 1000),
    memoryMiB: int(0, 16384, 4_000_000),
    diskGiB: int(0, 200, 100_000),
  }),
);

const ctxArb: fc.Arbitrary<PolicyContext> = fc.record(
  {
    phase: pick(['create', 'approve', 'draft'] as const),
    requester: fc.constant('user:default/alice'),
    requesterOwnership: mostly(
      fc.constant(['user:default/alice', ...GROUPS]),
      fc.subarray(['user:default/alice', ...GROUPS]),
    ),
    usage: fc.record({ committed: usageArb, pending: usageArb }),
    templateDiskGiB: int(1, 10, 1000),
    template: fc.record(
      { vmid: fc.integer({ min: 100, max: 99_999 }), name: pick(TEMPLATES) },
      { requiredKeys: [] },
    ),
  },
  {
    requiredKeys: ['phase', 'requester', 'requesterOwnership', 'usage'],
  },
);

const quotaArb = fc.record(
  {
    count: int(0, 20, 100),
    cores: int(0, 64, 1000),
    memoryMiB: int(0, 131072, 4_000_000),
    diskGiB: int(0, 2000, 100_000),
  },
  { requiredKeys: [] },
);

const groupFields = {
  quota: quotaArb,
  allowedTemplates: listOf(TEMPLATES),
  allowedNetworks: listOf(NETWORKS),
  allowedSecurityGroups: listOf(SECURITY_GROUPS),
};

const policyArb = fc
  .record(
    {
      limits: fc.record(
        {
          maxCores: int(16, 128, 128),
          maxMemoryMiB: int(16384, 1_048_576, 1_048_576),
          maxDiskGiB: int(100, 65_536, 65_536),
        },
        { requiredKeys: [] },
      ),
      lease: fc
        .tuple(
          fc.integer({ min: 1, max: 400 }),
          fc.integer({ min: 0, max: 400 }),
        )
        .map(([d, extra]) => ({ defaultDays: d, maxDays: d + extra })),
      autoApprove: fc.record({
        enabled: fc.boolean(),
        maxCores: fc.integer({ min: 1, max: 16 }),
        maxMemoryMiB: fc.integer({ min: 512, max: 65536 }),
        maxDiskGiB: fc.integer({ min: 1, max: 500 }),
      }),
      selfApproval: fc.boolean(),
      requireOwnerMembership: fc.boolean(),
      defaults: fc.record(groupFields, { requiredKeys: [] }),
      groups: fc.uniqueArray(
        fc.record(
          { group: pick(GROUPS), ...groupFields },
          {
            requiredKeys: ['group'],
          },
        ),
        { selector: g => g.group.toLowerCase(), maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  )
  .map(raw =>
    readPolicyConfig(new ConfigReader({ proxmox: { policy: raw } } as any)),
  );

describe('evaluatePolicy (properties)', () => {
  it('never throws for a valid spec and allowed means no error finding', () => {
    const outcomes = { allowed: 0, refused: 0 };
    fc.assert(
      fc.property(specInput, ctxArb, policyArb, (input, ctx, policy) => {
        const spec = vmSpecSchema.parse(input);
        const r = evaluatePolicy(spec, ctx, policy);
        const hasError = r.findings.some(f => f.level === 'error');
        outcomes[r.allowed ? 'allowed' : 'refused'] += 1;
        expect(r.allowed).toBe(!hasError);
        expect(r.autoApprove && !r.allowed).toBe(false);
        expect(r.leaseDays).toBe(spec.leaseDays ?? policy.lease.defaultDays);
        for (const f of r.findings) {
          expect(f.message.length).toBeGreaterThan(0);
          expect(f.message).not.toMatch(/undefined|NaN/);
          expect(f.code).toMatch(/^[a-z-]+\.[a-z-]+$/);
        }
        // Approval ignores pending requests, so it never warns.
        const warns = r.findings.some(f => f.level === 'warning');
        expect(ctx.phase === 'approve' && warns).toBe(false);
      }),
      { numRuns: 300 },
    );
    // The generators reach both outcomes, so the property is not vacuous.
    expect(outcomes.allowed).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('is deterministic and does not modify its inputs', () => {
    fc.assert(
      fc.property(specInput, ctxArb, policyArb, (input, ctx, policy) => {
        const spec = vmSpecSchema.parse(input);
        const before = JSON.stringify([spec, ctx, policy]);
        const a = evaluatePolicy(spec, ctx, policy);
        const b = evaluatePolicy(spec, ctx, policy);
        expect(b).toEqual(a);
        expect(JSON.stringify([spec, ctx, policy])).toBe(before);
      }),
      { numRuns: 100 },
    );
  });
});
