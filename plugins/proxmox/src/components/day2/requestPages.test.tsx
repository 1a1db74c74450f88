import { screen, within } from '@testing-library/react';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { ProxmoxRequestDetails } from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../../api';
import { fakeApi, makeDetails, makeRequest } from '../../testUtils/fixtures';
import { RequestDetails } from '../RequestPage/RequestPage';
import { RequestsPage } from '../RequestsPage/RequestsPage';

jest.setTimeout(30_000);

function renderDetails(details: ProxmoxRequestDetails) {
  const api = fakeApi({ getRequest: jest.fn(async () => details) });
  renderInTestApp(<RequestDetails id={details.id} />, {
    apis: [
      [proxmoxApiRef, api],
      mockApis.permission({ authorize: AuthorizeResult.ALLOW }),
    ],
  });
  return api;
}

function steps() {
  return [
    ...screen.getByTestId('provisioning-steps').querySelectorAll('li'),
  ].map(li => [li.getAttribute('data-step'), li.getAttribute('data-status')]);
}

describe('request page of day-2 kinds', () => {
  it('shows a resize as a diff with the target guest linked, its steps and the reboot note', async () => {
    renderDetails(
      makeDetails({
        kind: 'resize',
        state: 'provisioning',
        spec: { ...makeRequest().spec, name: 'web-1', memoryMiB: 8192 },
        target: {
          cluster: 'pve1',
          vmid: 123,
          node: 'n1',
          createRequestId: 'req-create-1',
        },
        change: {
          before: { memoryMiB: 4096, cores: 2 },
          after: { memoryMiB: 8192, cores: 4 },
          rebootRequired: true,
        },
        progress: {
          step: 'resize-disk',
          completed: ['apply-config'],
          attempts: 1,
        },
      }),
    );
    expect(await screen.findByRole('heading', { level: 1 })).toHaveTextContent(
      /^Resize web-1/,
    );
    const change = screen.getByTestId('request-change');
    const memory = change.querySelector('tr[data-field="memoryMiB"]')!;
    expect(memory).toHaveTextContent('Memory4 GiB→8 GiB');
    expect(change.querySelector('tr[data-field="cores"]')).toHaveTextContent(
      'Cores2 vCPU→4 vCPU',
    );
    expect(within(change).getByTestId('target-link')).toHaveAttribute(
      'href',
      '/catalog/default/resource/pve1-123',
    );
    expect(screen.getByTestId('request-target')).toHaveTextContent(
      'web-1 (pve1, VMID 123 on n1)',
    );
    expect(
      within(change).getByRole('link', { name: 'its create request' }),
    ).toHaveAttribute('href', '/proxmox/requests/req-create-1');
    expect(within(change).getByTestId('reboot-required')).toBeInTheDocument();
    expect(steps()).toEqual([
      ['apply-config', 'done'],
      ['resize-disk', 'current'],
      ['done', 'pending'],
    ]);
    expect(screen.getByText('Progress')).toBeInTheDocument();
    expect(screen.getByText('Declared specification')).toBeInTheDocument();
    // No capacity of the target node nor a create's guest section.
    expect(screen.queryByTestId('capacity')).toBeNull();
    expect(screen.queryByTestId('guest')).toBeNull();
  });

  it('shows a finished decommission with its steps and the guest gone', async () => {
    renderDetails(
      makeDetails({
        kind: 'decommission',
        state: 'ready',
        spec: { ...makeRequest().spec, name: 'old-vm' },
        target: { cluster: 'pve1', vmid: 130 },
        change: {
          before: {
            name: 'old-vm',
            status: 'running',
            cores: 2,
            memoryMiB: 2048,
            diskGiB: 20,
          },
          after: { status: 'destroyed' },
        },
        progress: {
          step: 'done',
          completed: ['stop', 'destroy', 'release'],
          attempts: 1,
        },
      }),
    );
    const change = await screen.findByTestId('request-change');
    expect(change.querySelector('tr[data-field="status"]')).toHaveTextContent(
      'Powerrunning→destroyed',
    );
    expect(screen.getByTestId('decommission-scope')).toHaveTextContent(
      '(2 vCPU, 2 GiB memory, 20 GiB disk)',
    );
    expect(screen.getByTestId('request-target')).toHaveTextContent(
      'removed, with its catalog entity',
    );
    expect(screen.queryByTestId('target-link')).toBeNull();
    expect(steps()).toEqual([
      ['stop', 'done'],
      ['destroy', 'done'],
      ['release', 'done'],
      ['done', 'done'],
    ]);
  });

  it('keeps the provisioning steps of a create request', async () => {
    renderDetails(makeDetails({ kind: 'create', state: 'pending' }));
    await screen.findByTestId('provisioning-steps');
    expect(steps().map(([step]) => step)).toEqual([
      'allocate-vmid',
      'clone',
      'wait-clone',
      'configure',
      'resize-disk',
      'firewall',
      'start',
      'wait-ip',
      'done',
    ]);
    expect(screen.queryByTestId('request-change')).toBeNull();
    expect(screen.getByText('Provisioning')).toBeInTheDocument();
  });
});

describe('requests list with day-2 kinds', () => {
  it('names the kind and shows the change instead of the size', async () => {
    const create = makeRequest({
      spec: { ...makeRequest().spec, name: 'new-vm' },
    });
    const resize = makeRequest({
      kind: 'resize',
      spec: { ...makeRequest().spec, name: 'web-1' },
      change: { before: { memoryMiB: 4096 }, after: { memoryMiB: 8192 } },
    });
    const extend = makeRequest({
      kind: 'extend-lease',
      spec: { ...makeRequest().spec, name: 'web-2' },
      change: {
        before: {},
        after: { leaseEndsAt: '2027-02-01T00:00:00.000Z' },
      },
    });
    const api = fakeApi({
      listRequests: jest.fn(async ({ view }) =>
        view === 'awaiting-me'
          ? { items: [] }
          : { items: [create, resize, extend] },
      ),
    });
    renderInTestApp(<RequestsPage />, { apis: [[proxmoxApiRef, api]] });
    const row = await screen.findByTestId(`request-row-${resize.id}`);
    expect(row).toHaveAttribute('data-kind', 'resize');
    expect(row).toHaveTextContent('Resize');
    expect(row).toHaveTextContent('Memory 4 GiB → 8 GiB');
    expect(screen.getByTestId(`request-row-${create.id}`)).toHaveTextContent(
      '2 vCPU · 4 GiB · 32 GiB',
    );
    expect(screen.getByTestId(`request-row-${extend.id}`)).toHaveTextContent(
      /Extend lease.*Lease ends – → .*2027/,
    );
  });
});
