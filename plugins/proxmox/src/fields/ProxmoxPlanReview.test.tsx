import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { identityApiRef } from '@backstage/frontend-plugin-api';
import type {
  PlanOperation,
  ProxmoxPlan,
} from '@mycopod/plugin-proxmox-common';
import { ProxmoxApiError, proxmoxApiRef } from '../api';
import { fakeApi, makeRequest } from '../testUtils/fixtures';
import { FieldHarness, validate } from '../testUtils/fieldHarness';
import { planReviewField } from './ProxmoxPlanReview';
import {
  proxmoxPlansApiRef,
  type ProxmoxPlansApi,
} from './ProxmoxPlanReviewApi';

const TEXT = "two web servers, and grow db-01's disk to 80 GB";

function createOp(
  name: string,
  over: Partial<PlanOperation> = {},
): PlanOperation {
  const request = makeRequest({
    state: 'draft',
    spec: { ...makeRequest().spec, name, leaseDays: 30 },
  });
  return {
    id: request.id,
    kind: 'create',
    mode: 'request',
    summary: `Create ${name} on pve1`,
    request,
    change: { before: {}, after: { ...request.spec } },
    findings: [],
    ...over,
  };
}

function makePlan(over: Partial<ProxmoxPlan> = {}): ProxmoxPlan {
  const resize = makeRequest({ kind: 'resize', state: 'draft' });
  return {
    id: '11111111-1111-4111-8111-111111111111',
    requester: 'user:default/dev',
    state: 'draft',
    text: TEXT,
    rationale: 'Two new web servers and a larger disk for db-01.',
    assumptions: ['cluster pve1'],
    operations: [
      createOp('web-01'),
      {
        id: resize.id,
        kind: 'resize',
        mode: 'request',
        summary: 'Resize db-01 (pve1/101): disk 40 → 80 GiB',
        request: resize,
        target: { cluster: 'pve1', vmid: 101, name: 'db-01' },
        change: { before: { diskGiB: 40 }, after: { diskGiB: 80 } },
        findings: [],
      },
      {
        id: '22222222-2222-4222-8222-222222222222',
        kind: 'power',
        mode: 'action',
        summary: 'Reboot db-01 (pve1/101) now',
        action: { type: 'power', action: 'reboot' },
        target: { cluster: 'pve1', vmid: 101 },
        findings: [],
      },
    ],
    findings: [],
    submittable: true,
    model: { provider: 'openai-compatible', model: 'm' },
    createdAt: '2026-12-03T10:00:00.000Z',
    updatedAt: '2026-12-03T10:00:00.000Z',
    ...over,
  };
}

function fakePlans(
  over: Partial<Record<keyof ProxmoxPlansApi, jest.Mock>> = {},
) {
  return {
    draftPlan: jest.fn(async () => makePlan()),
    getPlan: jest.fn(async () => makePlan()),
    editOperation: jest.fn(async () => makePlan()),
    removeOperation: jest.fn(async () => makePlan()),
    discardPlan: jest.fn(async () => makePlan({ state: 'discarded' })),
    ...over,
  };
}

function render(
  plans: ReturnType<typeof fakePlans>,
  initial?: unknown,
  onValue = jest.fn(),
) {
  renderInTestApp(
    <FieldHarness
      field={planReviewField}
      title="The drafted plan"
      form={{ description: TEXT }}
      initial={initial}
      onValue={onValue}
    />,
    {
      apis: [
        [proxmoxPlansApiRef, plans],
        [proxmoxApiRef, fakeApi()],
        [
          identityApiRef,
          mockApis.identity({
            userEntityRef: 'user:default/dev',
            ownershipEntityRefs: ['user:default/dev', 'group:default/team-a'],
          }),
        ],
      ],
    },
  );
  return onValue;
}

describe('ProxmoxPlanReview', () => {
  it('drafts the plan from the description and shows it as a diff', async () => {
    const plans = fakePlans();
    const onValue = render(plans);
    await screen.findByTestId('plan-review');
    expect(plans.draftPlan).toHaveBeenCalledWith(TEXT);
    expect(onValue).toHaveBeenLastCalledWith({
      planId: makePlan().id,
      confirmActions: [],
    });
    const [create, resize, power] = screen.getAllByTestId('plan-operation');
    expect(within(create).getByText('New VM')).toBeInTheDocument();
    expect(within(create).getByText('+ web-01')).toBeInTheDocument();
    expect(within(create).getByText('+ 4 GiB')).toBeInTheDocument();
    // a change is old → new
    expect(within(resize).getByText('40 GiB')).toHaveStyle(
      'text-decoration: line-through',
    );
    expect(within(resize).getByText('80 GiB')).toBeInTheDocument();
    expect(
      within(power).getByText(/runs at once, no approval/),
    ).toBeInTheDocument();
    expect(screen.getByText('cluster pve1')).toBeInTheDocument();
  });

  it('confirms an immediate action only when ticked', async () => {
    const onValue = render(fakePlans());
    const power = (await screen.findAllByTestId('plan-operation'))[2];
    await userEvent.click(within(power).getByRole('checkbox'));
    expect(onValue).toHaveBeenLastCalledWith({
      planId: makePlan().id,
      confirmActions: ['22222222-2222-4222-8222-222222222222'],
    });
  });

  it('edits a new VM; an edit the policy refuses is shown and not kept', async () => {
    const refused = new ProxmoxApiError(
      'The request breaks policy',
      400,
      [],
      [
        {
          level: 'error',
          code: 'limit.memory',
          message: 'exceeds the per-request limit of 64 GiB',
        },
      ],
    );
    const plan = makePlan();
    const plans = fakePlans({
      draftPlan: jest.fn(async () => plan),
      editOperation: jest
        .fn()
        .mockRejectedValueOnce(refused)
        .mockImplementation(async () =>
          makePlan({
            operations: [
              createOp('web-01', { summary: 'Create web-01 with 8 GiB' }),
            ],
          }),
        ),
    });
    render(plans);
    const create = (await screen.findAllByTestId('plan-operation'))[0];
    await userEvent.click(within(create).getByRole('button', { name: 'Edit' }));
    const memory = within(create).getByLabelText('Memory (MiB)');
    await userEvent.clear(memory);
    await userEvent.type(memory, '99999');
    await userEvent.click(within(create).getByRole('button', { name: 'Save' }));
    expect(await within(create).findByRole('alert')).toHaveTextContent(
      /Not saved: exceeds the per-request limit/,
    );
    await userEvent.clear(memory);
    await userEvent.type(memory, '8192');
    await userEvent.click(within(create).getByRole('button', { name: 'Save' }));
    await screen.findByText('Create web-01 with 8 GiB');
    const [planId, opId, body] = plans.editOperation.mock.calls[1];
    expect(planId).toBe(plan.id);
    expect(opId).toBe(plan.operations[0].id);
    expect(body.spec).toMatchObject({
      name: 'web-01',
      memoryMiB: 8192,
      leaseDays: 30,
    });
  });

  it('removes an operation', async () => {
    const plans = fakePlans({
      removeOperation: jest.fn(async () =>
        makePlan({ operations: [createOp('web-01')] }),
      ),
    });
    render(plans);
    const resize = (await screen.findAllByTestId('plan-operation'))[1];
    await userEvent.click(
      within(resize).getByRole('button', { name: 'Remove' }),
    );
    await waitFor(() =>
      expect(screen.getAllByTestId('plan-operation')).toHaveLength(1),
    );
  });

  it('marks errors and says what to do; the validation refuses such a plan', async () => {
    const bad = makePlan({
      submittable: false,
      operations: [
        createOp('big-01', {
          findings: [
            {
              level: 'error',
              code: 'limit.cores',
              message: '64 vCPUs exceed the per-request limit of 16',
            },
          ],
        }),
      ],
    });
    render(fakePlans({ draftPlan: jest.fn(async () => bad) }));
    const op = await screen.findByTestId('plan-operation');
    expect(op).toHaveAttribute('data-errors', 'yes');
    expect(within(op).getByText(/Error: 64 vCPUs exceed/)).toBeInTheDocument();
    expect(
      screen.getByText(/Fix or remove the operations/),
    ).toBeInTheDocument();

    const holder = (api: unknown) => ({
      get: (ref: any) => (ref === proxmoxPlansApiRef ? api : undefined),
    });
    expect(
      await validate(
        planReviewField,
        { planId: bad.id, confirmActions: [] },
        {
          apiHolder: holder(fakePlans({ getPlan: jest.fn(async () => bad) })),
          formData: {},
        },
      ),
    ).toEqual([expect.stringMatching(/The plan has errors/)]);
    expect(
      await validate(
        planReviewField,
        { planId: bad.id, confirmActions: [] },
        {
          apiHolder: holder(fakePlans()),
          formData: {},
        },
      ),
    ).toEqual([]);
    expect(
      await validate(planReviewField, undefined, {
        apiHolder: holder(fakePlans()),
        formData: {},
      }),
    ).toEqual(['Wait until the plan is drafted']);
  });

  it('says clearly when drafting is not configured, and points to the form', async () => {
    const off = new ProxmoxApiError(
      'Plain-language drafting is not configured on this MycoPod backend: an admin sets proxmox.llm.provider, proxmox.llm.model',
      503,
    );
    render(fakePlans({ draftPlan: jest.fn().mockRejectedValue(off) }));
    const box = await screen.findByTestId('plan-review-unavailable');
    expect(box).toHaveTextContent(/not available/);
    expect(box).toHaveTextContent(/proxmox\.llm\.provider/);
    expect(
      within(box).getByRole('link', {
        name: /Virtual machine from a Proxmox template/,
      }),
    ).toHaveAttribute('href', '/create/templates/default/vm-from-template');
  });

  it('keeps the plan drafted for the same text', async () => {
    const same = fakePlans();
    render(same, { planId: makePlan().id, confirmActions: [] });
    await screen.findByTestId('plan-review');
    expect(same.getPlan).toHaveBeenCalledWith(makePlan().id);
    expect(same.draftPlan).not.toHaveBeenCalled();
  });

  it('discards a plan drafted for another text and drafts anew', async () => {
    const other = fakePlans({
      getPlan: jest.fn(async () => makePlan({ text: 'older words' })),
    });
    render(other, { planId: makePlan().id, confirmActions: [] });
    await waitFor(() => expect(other.draftPlan).toHaveBeenCalledWith(TEXT));
    expect(other.discardPlan).toHaveBeenCalledWith(makePlan().id);
  });
});
