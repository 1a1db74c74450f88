import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { guestSignalChannel } from '@mycopod/plugin-proxmox-common';
import { ProxmoxApiError } from '../../api';
import { makeTask } from '../../testUtils/fixtures';
import { fakeSignals, renderGuestTab } from './__testUtils__/guestTab';

// Typing into react-aria fields is slow on a busy machine.
jest.setTimeout(30_000);

async function enabledButton(name: string) {
  const b = await screen.findByRole('button', { name });
  await waitFor(() => expect(b).toBeEnabled());
  return b;
}

describe('Proxmox tab: power', () => {
  it('shuts down, follows the task live over signals, and reloads the power state when it ends', async () => {
    const signals = fakeSignals();
    let taskStatus: 'running' | 'ok' = 'running';
    const task = makeTask({ action: 'qmshutdown' });
    const { api, vmid, setGuest } = renderGuestTab(
      {},
      {
        signals,
        api: {
          powerGuest: jest.fn(async () => task),
          getGuestTask: jest.fn(async () => ({
            ...task,
            status: taskStatus,
            exitStatus: taskStatus === 'ok' ? 'OK' : undefined,
          })),
        },
      },
    );
    await userEvent.click(await enabledButton('Shut down'));
    expect(api.powerGuest).toHaveBeenCalledWith('pve1', vmid, 'shutdown');
    const progress = await screen.findByTestId('guest-task');
    expect(progress).toHaveAttribute('data-status', 'running');
    expect(progress).toHaveTextContent('Shutdown: running…');
    // While it runs, no other power action starts.
    expect(screen.getByRole('button', { name: 'Reboot' })).toBeDisabled();

    taskStatus = 'ok';
    setGuest({ status: 'stopped', uptimeSeconds: 0 });
    const calls = api.getGuest.mock.calls.length;
    await waitFor(() =>
      expect(signals.channels()).toContain(guestSignalChannel('pve1', vmid)),
    );
    act(() =>
      signals.emit(guestSignalChannel('pve1', vmid), { upid: task.upid }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('guest-task')).toHaveAttribute(
        'data-status',
        'ok',
      ),
    );
    expect(screen.getByTestId('guest-task')).toHaveTextContent(
      'Shutdown: done',
    );
    expect(api.getGuestTask).toHaveBeenCalledWith('pve1', vmid, task.upid);
    await waitFor(() =>
      expect(screen.getByTestId('guest-power-state')).toHaveTextContent(
        'stopped',
      ),
    );
    expect(api.getGuest.mock.calls.length).toBeGreaterThan(calls);
    // Stopped now: start is the one to press.
    await enabledButton('Start');
    expect(screen.getByRole('button', { name: 'Shut down' })).toBeDisabled();
  });

  it('asks before stopping, and stops only on confirmation', async () => {
    const { api, vmid } = renderGuestTab();
    await userEvent.click(await enabledButton('Stop'));
    let dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('like pulling the plug');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.powerGuest).not.toHaveBeenCalled();

    await userEvent.click(await enabledButton('Stop'));
    dialog = await screen.findByRole('dialog');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Stop now' }),
    );
    await waitFor(() =>
      expect(api.powerGuest).toHaveBeenCalledWith('pve1', vmid, 'stop'),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('offers a force stop after a shutdown that timed out, with the task log tail', async () => {
    const failed = makeTask({
      action: 'qmshutdown',
      status: 'failed',
      exitStatus: 'VM quit/powerdown failed - got timeout',
      logTail: ['shutdown requested', 'TASK ERROR: got timeout'],
    });
    const { api, vmid } = renderGuestTab(
      {},
      {
        api: {
          powerGuest: jest.fn(async (_c: string, _v: number, action: string) =>
            action === 'shutdown' ? failed : makeTask({ action: 'qmstop' }),
          ),
        },
      },
    );
    await userEvent.click(await enabledButton('Shut down'));
    const progress = await screen.findByTestId('guest-task');
    expect(progress).toHaveAttribute('data-status', 'failed');
    expect(progress).toHaveTextContent(
      'Shutdown failed: VM quit/powerdown failed - got timeout',
    );
    expect(screen.getByTestId('guest-task-log')).toHaveTextContent(
      'TASK ERROR: got timeout',
    );
    const offer = screen.getByTestId('force-stop-offer');
    await userEvent.click(
      within(offer).getByRole('button', { name: 'Force stop' }),
    );
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Stop now' }),
    );
    await waitFor(() =>
      expect(api.powerGuest).toHaveBeenLastCalledWith('pve1', vmid, 'stop'),
    );
  });

  it('polls the task without signals until it ends', async () => {
    let reads = 0;
    const task = makeTask({ action: 'qmreboot' });
    const { api } = renderGuestTab(
      {},
      {
        api: {
          powerGuest: jest.fn(async () => task),
          getGuestTask: jest.fn(async () => {
            reads++;
            return { ...task, status: reads >= 2 ? 'ok' : 'running' };
          }),
        },
      },
    );
    await userEvent.click(await enabledButton('Reboot'));
    await waitFor(
      () =>
        expect(screen.getByTestId('guest-task')).toHaveAttribute(
          'data-status',
          'ok',
        ),
      { timeout: 5_000 },
    );
    expect(api.getGuestTask).toHaveBeenCalledTimes(2);
  });

  it.each([
    {
      error: new ProxmoxApiError('Guest 123 is locked (snapshot)', 409),
      title: 'The guest is busy',
      detail: 'Guest 123 is locked (snapshot)',
    },
    {
      error: new ProxmoxApiError(
        'Too many requests',
        429,
        [],
        [],
        undefined,
        17,
      ),
      title: 'Too many actions in a short time',
      detail: 'Try again in 17 s',
    },
    {
      error: new ProxmoxApiError('You are not allowed to do this', 403),
      title: 'You may not reboot the guest',
      detail: 'Only members of the guest’s owner group',
    },
  ])('explains a refusal: $title', async ({ error, title, detail }) => {
    renderGuestTab(
      {},
      { api: { powerGuest: jest.fn(async () => Promise.reject(error)) } },
    );
    await userEvent.click(await enabledButton('Reboot'));
    const alert = await screen.findByTestId('action-error');
    expect(alert).toHaveAttribute('data-status', String(error.status));
    expect(alert).toHaveTextContent(title);
    expect(alert).toHaveTextContent(detail);
    expect(screen.queryByTestId('guest-task')).toBeNull();
  });

  it('disables the power buttons while the guest is locked', async () => {
    renderGuestTab({ lock: 'backup' });
    await screen.findByText(/Locked \(backup\)/);
    for (const name of ['Start', 'Shut down', 'Reboot', 'Stop']) {
      expect(screen.getByRole('button', { name })).toBeDisabled();
    }
  });
});
