import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ProxmoxApiError } from '../../api';
import { makeRequest } from '../../testUtils/fixtures';
import { renderGuestTab } from './__testUtils__/guestTab';

// Typing into react-aria fields is slow on a busy machine.
jest.setTimeout(30_000);

async function open(name: string) {
  const b = await screen.findByRole('button', { name });
  await waitFor(() => expect(b).toBeEnabled());
  await userEvent.click(b);
  return screen.findByRole('dialog');
}

function field(dialog: HTMLElement, name: RegExp) {
  return within(dialog).getByRole('textbox', { name });
}

describe('Proxmox tab: day-2 requests', () => {
  it('resizes: prefilled with the current size, the disk only grows, only changed fields are sent, the filed request is linked', async () => {
    const filed = makeRequest({
      id: 'req-resize-7',
      kind: 'resize',
      state: 'pending',
      change: {
        before: { memoryMiB: 4096, cores: 2 },
        after: { memoryMiB: 8192, cores: 4 },
        rebootRequired: true,
      },
    });
    const { api, vmid } = renderGuestTab(
      { cpus: 2, memoryMaxMiB: 4096, diskMaxGiB: 32 },
      { api: { fileGuestRequest: jest.fn(async () => filed) } },
    );
    const dialog = await open('Resize…');
    const cores = field(dialog, /Cores/);
    const memory = field(dialog, /Memory/);
    const disk = field(dialog, /Disk/);
    expect(cores).toHaveValue('2');
    expect(memory).toHaveValue('4096');
    expect(disk).toHaveValue('32');
    const confirm = within(dialog).getByRole('button', {
      name: 'Request resize',
    });

    // Nothing changed yet.
    await userEvent.click(confirm);
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'Change the cores, the memory or the disk.',
    );
    // A smaller disk is refused.
    await userEvent.clear(disk);
    await userEvent.type(disk, '20');
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'a disk only grows: at least 32 GiB',
    );
    await userEvent.click(confirm);
    expect(api.fileGuestRequest).not.toHaveBeenCalled();

    await userEvent.clear(disk);
    await userEvent.type(disk, '32');
    await userEvent.clear(cores);
    await userEvent.type(cores, '4');
    await userEvent.clear(memory);
    await userEvent.type(memory, '8192');
    expect(dialog).toHaveTextContent('new 8 GiB');
    await userEvent.type(field(dialog, /Justification/), 'load test');
    await userEvent.click(confirm);
    await waitFor(() =>
      expect(api.fileGuestRequest).toHaveBeenCalledWith('pve1', vmid, {
        kind: 'resize',
        cores: 4,
        memoryMiB: 8192,
        justification: 'load test',
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const result = screen.getByTestId('filed-request');
    expect(result).toHaveTextContent('Resize request filed');
    expect(result).toHaveTextContent('Memory 4 GiB → 8 GiB');
    expect(result).toHaveTextContent('It waits for an approver.');
    expect(within(result).getByTestId('reboot-required')).toHaveTextContent(
      'needs a reboot',
    );
    expect(
      within(result).getByRole('link', { name: 'Open the request' }),
    ).toHaveAttribute('href', '/proxmox/requests/req-resize-7');
  });

  it('says nothing about a reboot when the API does not require one', async () => {
    renderGuestTab(
      { diskMaxGiB: 32 },
      {
        api: {
          fileGuestRequest: jest.fn(async () =>
            makeRequest({
              kind: 'resize',
              change: { before: { diskGiB: 32 }, after: { diskGiB: 64 } },
            }),
          ),
        },
      },
    );
    const dialog = await open('Resize…');
    await userEvent.clear(field(dialog, /Disk/));
    await userEvent.type(field(dialog, /Disk/), '64');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Request resize' }),
    );
    const result = await screen.findByTestId('filed-request');
    expect(result).toHaveTextContent('Disk 32 GiB → 64 GiB');
    expect(screen.queryByTestId('reboot-required')).toBeNull();
  });

  it('decommissions only through a confirmation that says what is lost', async () => {
    const { api, vmid } = renderGuestTab(
      {},
      {
        api: {
          fileGuestRequest: jest.fn(async () =>
            makeRequest({ id: 'req-decom-1', kind: 'decommission' }),
          ),
        },
      },
    );
    const dialog = await open('Decommission…');
    expect(dialog).toHaveTextContent('Decommission web-1?');
    expect(dialog).toHaveTextContent('destroys it with its disks');
    expect(dialog).toHaveTextContent('cannot be undone');
    await userEvent.type(field(dialog, /Justification/), 'project ended');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Request decommission' }),
    );
    await waitFor(() =>
      expect(api.fileGuestRequest).toHaveBeenCalledWith('pve1', vmid, {
        kind: 'decommission',
        justification: 'project ended',
      }),
    );
    const result = await screen.findByTestId('filed-request');
    expect(result).toHaveTextContent('Decommission request filed');
    expect(within(result).getByRole('link')).toHaveAttribute(
      'href',
      '/proxmox/requests/req-decom-1',
    );
  });

  it('shows a policy refusal of the request in the dialog', async () => {
    renderGuestTab(
      { memoryMaxMiB: 4096 },
      {
        api: {
          fileGuestRequest: jest.fn(async () =>
            Promise.reject(
              new ProxmoxApiError(
                'The request breaks policy',
                400,
                [],
                [{ level: 'error', message: 'Quota of team-a: 40 of 32 GiB' }],
              ),
            ),
          ),
        },
      },
    );
    const dialog = await open('Resize…');
    await userEvent.clear(field(dialog, /Memory/));
    await userEvent.type(field(dialog, /Memory/), '65536');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Request resize' }),
    );
    expect(await within(dialog).findByTestId('action-error')).toHaveTextContent(
      'Quota of team-a: 40 of 32 GiB',
    );
  });

  it('shows the lease and extends it by days', async () => {
    const { api, vmid } = renderGuestTab(
      {
        lease: {
          endsAt: '2027-01-01T10:00:00.000Z',
          state: 'expired',
          decommissionAt: '2027-01-08T10:00:00.000Z',
        },
      },
      {
        api: {
          fileGuestRequest: jest.fn(async () =>
            makeRequest({
              kind: 'extend-lease',
              state: 'ready',
              change: {
                before: { leaseEndsAt: '2027-01-01T10:00:00.000Z' },
                after: { leaseEndsAt: '2027-01-15T10:00:00.000Z' },
              },
            }),
          ),
        },
      },
    );
    const ends = await screen.findByTestId('lease-ends');
    expect(ends).toHaveAttribute('data-lease-state', 'expired');
    expect(ends).toHaveTextContent('2027');
    expect(screen.getByTestId('guest-lease-card')).toHaveTextContent(
      'expired: the guest was shut down',
    );
    expect(screen.getByTestId('lease-decommission-at')).toHaveTextContent(
      'unless the lease is extended',
    );
    const dialog = await open('Extend…');
    const days = field(dialog, /Days/);
    await userEvent.clear(days);
    await userEvent.type(days, '0');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Extend lease' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'a whole number from 1 to 3650',
    );
    await userEvent.clear(days);
    await userEvent.type(days, '14');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Extend lease' }),
    );
    await waitFor(() =>
      expect(api.fileGuestRequest).toHaveBeenCalledWith('pve1', vmid, {
        kind: 'extend-lease',
        days: 14,
      }),
    );
    const result = await screen.findByTestId('filed-request');
    expect(result).toHaveTextContent('Extend lease request filed');
    expect(result).toHaveTextContent('It is ready.');
    expect(result).toHaveTextContent(/Lease ends .*2027.* → .*2027/);
  });

  it('shows drift as declared vs actual and files a reconcile request after a confirmation', async () => {
    const { api, vmid } = renderGuestTab(
      {
        drift: {
          checkedAt: '2026-12-03T08:00:00.000Z',
          findings: [
            { field: 'memoryMiB', declared: 4096, actual: 8192 },
            {
              field: 'securityGroups',
              declared: ['web', 'ssh'],
              actual: ['web'],
            },
          ],
        },
      },
      {
        api: {
          fileGuestRequest: jest.fn(async () =>
            makeRequest({ kind: 'reconcile' }),
          ),
        },
      },
    );
    const table = await screen.findByTestId('drift-findings');
    const memory = table.querySelector('tr[data-field="memoryMiB"]')!;
    expect(
      within(memory as HTMLElement)
        .getAllByRole('cell')
        .map(c => c.textContent),
    ).toEqual(['Memory', '4 GiB', '8 GiB']);
    expect(
      table.querySelector('tr[data-field="securityGroups"]'),
    ).toHaveTextContent('Security groupsweb, sshweb');
    expect(screen.getByTestId('guest-drift')).toHaveTextContent(
      '2 fields differ',
    );
    const dialog = await open('Reconcile…');
    expect(dialog).toHaveTextContent('changes made outside MycoPod are undone');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Request reconcile' }),
    );
    await waitFor(() =>
      expect(api.fileGuestRequest).toHaveBeenCalledWith('pve1', vmid, {
        kind: 'reconcile',
      }),
    );
    expect(await screen.findByTestId('filed-request')).toHaveTextContent(
      'Reconcile request filed',
    );
  });

  it('says so when there is no drift, and offers no reconcile', async () => {
    renderGuestTab({
      drift: { checkedAt: '2026-12-03T08:00:00.000Z', findings: [] },
    });
    expect(await screen.findByTestId('drift-none')).toHaveTextContent(
      'No drift',
    );
    await screen.findByRole('button', { name: 'Resize…' });
    expect(screen.queryByRole('button', { name: 'Reconcile…' })).toBeNull();
  });

  it('explains a 409 of a request as the one open request the guest may have', async () => {
    renderGuestTab(
      {},
      {
        api: {
          fileGuestRequest: jest.fn(async () =>
            Promise.reject(
              new ProxmoxApiError(
                'Guest pve1/600 already has an open request',
                409,
              ),
            ),
          ),
        },
      },
    );
    const dialog = await open('Decommission…');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Request decommission' }),
    );
    const error = await within(dialog).findByTestId('action-error');
    expect(error).toHaveTextContent('Not possible right now');
    expect(error).toHaveTextContent('already has an open request');
    expect(error).toHaveTextContent('one open request at a time');
  });
});
