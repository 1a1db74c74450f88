import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { signalApiRef } from '@backstage/plugin-signals-react';
import type { ProxmoxRequestDetails } from '@mycopod/plugin-proxmox-common';
import { ProxmoxApiError, proxmoxApiRef } from '../../api';
import { fakeApi, makeDetails, makeRequest } from '../../testUtils/fixtures';
import { RequestDetails } from './RequestPage';

// Each test uses its own request id: usePermission's SWR cache is keyed by
// permission and resourceRef and outlives a test.
function render(
  details: ProxmoxRequestDetails,
  opts: {
    api?: ReturnType<typeof fakeApi>;
    allow?: boolean;
    signals?: { subscribe: any };
  } = {},
) {
  const api = opts.api ?? fakeApi({ getRequest: jest.fn(async () => details) });
  renderInTestApp(<RequestDetails id={details.id} />, {
    apis: [
      [proxmoxApiRef, api],
      mockApis.permission({
        authorize:
          opts.allow === false ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
      }),
      ...(opts.signals ? [[signalApiRef, opts.signals] as const] : []),
    ],
  });
  return api;
}

describe('RequestDetails', () => {
  it('shows the spec summary, findings, capacity and history', async () => {
    const details = makeDetails({
      findings: [
        {
          level: 'error',
          field: 'memoryMiB',
          message: 'Quota of team-a exceeded',
        },
        { level: 'warning', message: 'Lease above 30 days' },
      ],
      spec: {
        ...makeRequest().spec,
        name: 'api-1',
        node: 'n2',
        cloudInit: {
          user: 'alice',
          sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice@laptop'],
          ipv4: { address: '10.0.0.5/24', gateway: '10.0.0.1' },
        },
        leaseDays: 60,
      },
      history: [
        {
          id: 1,
          requestId: 'x',
          actor: 'user:default/dev',
          toState: 'pending',
          createdAt: '2026-12-01T10:00:00.000Z',
        },
        {
          id: 2,
          requestId: 'x',
          actor: 'user:default/admin',
          fromState: 'pending',
          toState: 'rejected',
          comment: 'too big',
          createdAt: '2026-12-01T11:00:00.000Z',
        },
      ],
      state: 'rejected',
    });
    render(details);
    expect(await screen.findByTestId('request-state')).toHaveTextContent(
      /^rejected$/,
    );
    const summary = screen.getByTestId('request-summary');
    expect(within(summary).getByText('api-1')).toBeInTheDocument();
    expect(within(summary).getByText('n2')).toBeInTheDocument();
    expect(within(summary).getByText('4 GiB')).toBeInTheDocument();
    expect(within(summary).getByText('bridge vmbr0')).toBeInTheDocument();
    expect(within(summary).getByText('web')).toBeInTheDocument();
    expect(
      within(summary).getByText('10.0.0.5/24 via 10.0.0.1'),
    ).toBeInTheDocument();
    expect(within(summary).getByText('60 days')).toBeInTheDocument();
    expect(within(summary).getByText('load tests')).toBeInTheDocument();
    expect(within(summary).getByText(/alice@laptop/)).toBeInTheDocument();

    const findings = screen.getByTestId('findings');
    expect(
      within(findings).getByText('Quota of team-a exceeded'),
    ).toBeInTheDocument();
    expect(
      within(findings).getByText('Lease above 30 days'),
    ).toBeInTheDocument();
    expect(within(findings).getByText('1 error')).toBeInTheDocument();

    expect(await screen.findByTestId('capacity-n2')).toHaveTextContent(
      'n2: 4 free cores, 8 GiB free of 64 GiB memory',
    );
    const history = screen.getByTestId('history');
    expect(within(history).getByText('admin')).toBeInTheDocument();
    expect(within(history).getByText('too big')).toBeInTheDocument();
    // Nothing to decide on a rejected request.
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
  });

  it('shows the provisioning steps, the current one highlighted, and the log tail', async () => {
    const details = makeDetails({
      state: 'provisioning',
      guest: { cluster: 'pve1', node: 'n1', vmid: 123 },
      progress: {
        step: 'configure',
        completed: ['allocate-vmid', 'clone', 'wait-clone'],
        attempts: 2,
        taskLogTail: ['TASK OK'],
      },
    });
    render(details);
    const steps = await screen.findByTestId('provisioning-steps');
    const current = within(steps)
      .getByText(/Configure/)
      .closest('li')!;
    expect(current).toHaveAttribute('aria-current', 'step');
    expect(current).toHaveTextContent('attempt 2');
    expect(screen.getByTestId('provisioning-attempts')).toHaveTextContent(
      'Attempts of the current step: 2',
    );
    expect(steps.querySelector('[data-step="clone"]')).toHaveAttribute(
      'data-status',
      'done',
    );
    expect(steps.querySelector('[data-step="start"]')).toHaveAttribute(
      'data-status',
      'pending',
    );
    expect(screen.getByTestId('task-log')).toHaveTextContent('TASK OK');
    expect(screen.getByTestId('guest')).toHaveTextContent('123');
    expect(screen.queryByTestId('catalog-link')).toBeNull();
  });

  it('moves to ready on a signal and links the catalog entity', async () => {
    const subs: Array<(m: any) => void> = [];
    const signals = {
      subscribe: (channel: string, cb: (m: any) => void) => {
        if (channel.startsWith('proxmox:request:')) subs.push(cb);
        return { unsubscribe: () => {} };
      },
    };
    let details = makeDetails({
      state: 'provisioning',
      guest: { cluster: 'pve1', node: 'n1', vmid: 123 },
      progress: {
        step: 'start',
        completed: ['allocate-vmid'],
        attempts: 1,
        upid: 'UPID:n1:0001:start',
      },
    });
    const api = fakeApi({ getRequest: jest.fn(async () => details) });
    render(details, { api, signals });
    expect(await screen.findByTestId('request-state')).toHaveTextContent(
      'provisioning',
    );
    expect(screen.getByTestId('provisioning-attempts')).toHaveTextContent(
      'Attempts of the current step: 1 · task UPID:n1:0001:start',
    );
    details = {
      ...details,
      state: 'ready',
      progress: {
        step: 'done',
        completed: ['allocate-vmid', 'clone', 'wait-clone'],
        attempts: 1,
        upid: 'UPID:n1:0002:agent',
        ipAddresses: ['10.0.0.7'],
      },
    };
    act(() =>
      subs.forEach(cb => cb({ requestId: details.id, state: 'ready' })),
    );
    await waitFor(() =>
      expect(screen.getByTestId('request-state')).toHaveTextContent(/^ready$/),
    );
    expect(screen.getByTestId('catalog-link')).toHaveAttribute(
      'href',
      '/catalog/default/resource/pve1-123',
    );
    expect(screen.getByTestId('guest')).toHaveTextContent('10.0.0.7');
    // Attempts and the task UPID only while provisioning runs.
    expect(screen.queryByTestId('provisioning-attempts')).toBeNull();
    expect(screen.queryByText(/UPID:/)).toBeNull();
    expect(
      screen
        .getByTestId('provisioning-steps')
        .querySelector('[data-status="pending"]'),
    ).toBeNull();
  });

  it('approves with a comment through the API and refreshes', async () => {
    let details = makeDetails({
      allowedActions: ['approve', 'reject', 'cancel'],
    });
    const api = fakeApi({
      getRequest: jest.fn(async () => details),
      approve: jest.fn(async () => {
        details = { ...details, state: 'approved', allowedActions: ['cancel'] };
        return details;
      }),
    });
    render(details, { api });
    const approve = await screen.findByRole('button', { name: 'Approve' });
    await waitFor(() => expect(approve).toBeEnabled());
    expect(screen.getByRole('button', { name: 'Reject' })).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Cancel request' }),
    ).toBeInTheDocument();

    await userEvent.click(approve);
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByRole('textbox'), 'ok for Q1');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Confirm approval' }),
    );
    await waitFor(() =>
      expect(api.approve).toHaveBeenCalledWith(details.id, 'ok for Q1'),
    );
    await waitFor(() =>
      expect(screen.getByTestId('request-state')).toHaveTextContent(
        /^approved$/,
      ),
    );
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('requires a comment to reject, then sends it', async () => {
    const details = makeDetails({ allowedActions: ['approve', 'reject'] });
    const api = render(details);
    const reject = await screen.findByRole('button', { name: 'Reject' });
    await waitFor(() => expect(reject).toBeEnabled());
    await userEvent.click(reject);
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Confirm rejection' }),
    );
    expect(
      await within(dialog).findByText('Say why the request is rejected.'),
    ).toBeInTheDocument();
    expect(api.reject).not.toHaveBeenCalled();
    await userEvent.type(within(dialog).getByRole('textbox'), 'no budget');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Confirm rejection' }),
    );
    await waitFor(() =>
      expect(api.reject).toHaveBeenCalledWith(details.id, 'no budget'),
    );
  });

  it('hides the decision buttons when the permission is denied', async () => {
    const details = makeDetails({ allowedActions: ['approve', 'reject'] });
    render(details, { allow: false });
    expect(await screen.findByTestId('request-state')).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull(),
    );
    expect(screen.queryByRole('button', { name: 'Reject' })).toBeNull();
  });

  it('shows only the actions the backend allows', async () => {
    const details = makeDetails({ allowedActions: ['cancel'] });
    render(details);
    expect(
      await screen.findByRole('button', { name: 'Cancel request' }),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Reject' })).toBeNull();
  });

  it('shows the findings of a refused approval (409)', async () => {
    const details = makeDetails({ allowedActions: ['approve', 'reject'] });
    const api = fakeApi({
      getRequest: jest.fn(async () => details),
      approve: jest.fn(async () => {
        throw new ProxmoxApiError(
          'Approval refused',
          409,
          [],
          [{ level: 'error', message: 'Quota of team-a: 40 of 32 vCPU' }],
        );
      }),
    });
    render(details, { api });
    const approve = await screen.findByRole('button', { name: 'Approve' });
    await waitFor(() => expect(approve).toBeEnabled());
    await userEvent.click(approve);
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Confirm approval' }),
    );
    expect(
      await within(dialog).findByText('Quota of team-a: 40 of 32 vCPU'),
    ).toBeInTheDocument();
  });

  it('shows the field messages of an API error instead of a blank page', async () => {
    const details = makeDetails();
    const api = fakeApi({
      getRequest: jest.fn(async () => {
        throw new ProxmoxApiError('Invalid', 400, [
          { field: 'id', message: 'must be a request id' },
        ]);
      }),
    });
    render(details, { api });
    expect(
      await screen.findByText('id: must be a request id'),
    ).toBeInTheDocument();
    expect(screen.getByText('Could not load the request')).toBeInTheDocument();
  });
});
