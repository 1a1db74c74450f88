import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ProxmoxApiError } from '../../api';
import { makeTask } from '../../testUtils/fixtures';
import { renderGuestTab } from './__testUtils__/guestTab';

// Typing into react-aria fields is slow on a busy machine.
jest.setTimeout(30_000);

async function snapshotsTable() {
  const table = await screen.findByTestId('snapshots-table');
  return table;
}

async function enabled(name: string, root: HTMLElement = document.body) {
  const b = await within(root).findByRole('button', { name });
  await waitFor(() => expect(b).toBeEnabled());
  return b;
}

describe('Proxmox tab: snapshots', () => {
  it('lists the snapshots oldest first, without the "current" pseudo-snapshot', async () => {
    renderGuestTab(
      {},
      {
        api: {
          listSnapshots: jest.fn(async () => [
            { name: 'current', includesRam: false },
            {
              name: 'newer',
              createdAt: '2026-12-02T12:00:00.000Z',
              includesRam: true,
            },
            {
              name: 'older',
              description: 'before the upgrade',
              createdAt: '2026-12-01T12:00:00.000Z',
              includesRam: false,
            },
          ]),
        },
      },
    );
    const table = await snapshotsTable();
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map(r => r.getAttribute('data-snapshot'))).toEqual([
      'older',
      'newer',
    ]);
    expect(rows[0]).toHaveTextContent('before the upgrade');
    expect(rows[1]).toHaveTextContent('yes');
  });

  it('takes a snapshot with name, description and RAM after checking the name, then lists again', async () => {
    const task = makeTask({ action: 'qmsnapshot', status: 'ok' });
    const { api, vmid } = renderGuestTab(
      {},
      { api: { createSnapshot: jest.fn(async () => task) } },
    );
    await snapshotsTable();
    expect(api.listSnapshots).toHaveBeenCalledTimes(1);
    await userEvent.click(await enabled('Take snapshot'));
    const dialog = await screen.findByRole('dialog');
    const name = within(dialog).getByRole('textbox', { name: /Snapshot name/ });
    await userEvent.clear(name);
    await userEvent.type(name, '1bad name');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Take snapshot' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'must start with a letter',
    );
    expect(api.createSnapshot).not.toHaveBeenCalled();

    await userEvent.clear(name);
    await userEvent.type(name, 'before-upgrade');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Description/ }),
      'Debian 12.8',
    );
    await userEvent.click(
      within(dialog).getByRole('checkbox', { name: /Include RAM/ }),
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Take snapshot' }),
    );
    await waitFor(() =>
      expect(api.createSnapshot).toHaveBeenCalledWith('pve1', vmid, {
        name: 'before-upgrade',
        description: 'Debian 12.8',
        includeRam: true,
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(await screen.findByTestId('guest-task')).toHaveTextContent(
      'Snapshot before-upgrade: done',
    );
    // The task ended: the list is read again.
    await waitFor(() => expect(api.listSnapshots).toHaveBeenCalledTimes(2));
  });

  it('offers RAM only while a VM runs', async () => {
    renderGuestTab({ status: 'stopped' });
    await snapshotsTable();
    await userEvent.click(await enabled('Take snapshot'));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByRole('checkbox', { name: /Include RAM/ }),
    ).toBeDisabled();
    expect(dialog).toHaveTextContent('only while the VM runs');
  });

  it('rolls back only after a confirmation naming the snapshot', async () => {
    const { api, vmid } = renderGuestTab();
    const table = await snapshotsTable();
    await userEvent.click(await enabled('Roll back to before-upgrade', table));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Roll web-1 back to before-upgrade?');
    expect(dialog).toHaveTextContent('everything written since is lost');
    expect(api.rollbackSnapshot).not.toHaveBeenCalled();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Roll back' }),
    );
    await waitFor(() =>
      expect(api.rollbackSnapshot).toHaveBeenCalledWith(
        'pve1',
        vmid,
        'before-upgrade',
      ),
    );
    expect(await screen.findByTestId('guest-task')).toHaveTextContent(
      'Rollback to before-upgrade: running…',
    );
  });

  it('deletes only after a confirmation, and shows a busy guest in the dialog', async () => {
    const { api, vmid } = renderGuestTab(
      {},
      {
        api: {
          deleteSnapshot: jest
            .fn()
            .mockRejectedValueOnce(
              new ProxmoxApiError('VM is locked (backup)', 409),
            )
            .mockResolvedValueOnce(makeTask({ action: 'qmdelsnapshot' })),
        },
      },
    );
    const table = await snapshotsTable();
    await userEvent.click(await enabled('Delete snapshot with-ram', table));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Delete snapshot' }),
    );
    const error = await within(dialog).findByTestId('action-error');
    expect(error).toHaveTextContent('The guest is busy');
    expect(error).toHaveTextContent('VM is locked (backup)');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Delete snapshot' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.deleteSnapshot).toHaveBeenLastCalledWith(
      'pve1',
      vmid,
      'with-ram',
    );
  });
});
