import {
  createDraftBodySchema,
  draftOperationSchema,
  draftPlanAnswerSchema,
  editPlanOperationBodySchema,
  guestRequestBodyOf,
  hasErrorFinding,
  submitPlanBodySchema,
} from './plan';

const spec = {
  name: 'web-01',
  cluster: 'lab',
  template: 'ubuntu-24.04-cloudinit',
  cores: 2,
  memoryMiB: 2048,
  diskGiB: 20,
  network: { bridge: 'vmbr0' },
  cloudInit: { user: 'ubuntu', ipv4: 'dhcp' },
  owner: 'group:default/team-a',
};

describe('plan schemas', () => {
  it('takes the operations a plan may hold, strictly', () => {
    const ok = (op: unknown) => draftOperationSchema.safeParse(op).success;
    expect(ok({ kind: 'create', spec })).toBe(true);
    expect(ok({ kind: 'create', spec: { ...spec, cores: 500 } })).toBe(false);
    expect(ok({ kind: 'create', spec, approved: true })).toBe(false);
    expect(ok({ kind: 'resize', guest: 'db-01', diskGiB: 80 })).toBe(true);
    expect(ok({ kind: 'resize', guest: 'db-01' })).toBe(false);
    expect(ok({ kind: 'extend-lease', guest: 'db-01', days: 7 })).toBe(true);
    expect(ok({ kind: 'decommission', guest: 'db-01', cluster: 'lab' })).toBe(
      true,
    );
    expect(ok({ kind: 'power', guest: 'db-01', action: 'reboot' })).toBe(true);
    expect(ok({ kind: 'power', guest: 'db-01', action: 'destroy' })).toBe(
      false,
    );
    expect(ok({ kind: 'snapshot', guest: 'db-01', name: 'current' })).toBe(
      false,
    );
    expect(ok({ kind: 'grant-root', guest: 'pve1' })).toBe(false);
  });

  it('limits a model answer to 20 operations and needs no assumptions', () => {
    const ops = (n: number) =>
      Array.from({ length: n }, () => ({ kind: 'decommission', guest: 'x' }));
    const parsed = draftPlanAnswerSchema.parse({
      rationale: 'r',
      operations: ops(20),
    });
    expect(parsed.assumptions).toEqual([]);
    expect(
      draftPlanAnswerSchema.safeParse({ rationale: 'r', operations: ops(21) })
        .success,
    ).toBe(false);
  });

  it('makes a day-2 operation the body of a guest request', () => {
    expect(
      guestRequestBodyOf({
        kind: 'resize',
        guest: 'db-01',
        cluster: 'lab',
        diskGiB: 80,
      }),
    ).toEqual({ kind: 'resize', diskGiB: 80 });
  });

  it('checks the route bodies', () => {
    expect(createDraftBodySchema.safeParse({ text: ' hi ' }).success).toBe(
      false,
    );
    expect(createDraftBodySchema.parse({ text: '  a web server ' }).text).toBe(
      'a web server',
    );
    const edit = (b: unknown) =>
      editPlanOperationBodySchema.safeParse(b).success;
    expect(edit({ spec })).toBe(true);
    expect(edit({ change: { kind: 'resize', cores: 4 } })).toBe(true);
    expect(edit({})).toBe(false);
    expect(edit({ spec, change: { kind: 'decommission' } })).toBe(false);
    expect(submitPlanBodySchema.parse({}).confirmActions).toEqual([]);
    expect(
      submitPlanBodySchema.safeParse({ confirmActions: ['nope'] }).success,
    ).toBe(false);
    expect(hasErrorFinding([{ level: 'warning', message: 'w' }])).toBe(false);
    expect(hasErrorFinding([{ level: 'error', message: 'e' }])).toBe(true);
  });
});
