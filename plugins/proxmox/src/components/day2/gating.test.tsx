import { act, screen, waitFor, within } from '@testing-library/react';
import { guestSignalChannel } from '@mycopod/plugin-proxmox-common';
import { fakeSignals, renderGuestTab } from './__testUtils__/guestTab';

// Typing into react-aria fields is slow on a busy machine.
jest.setTimeout(30_000);

const ALL_CONTROLS = [
  'Start',
  'Shut down',
  'Reboot',
  'Stop',
  'Take snapshot',
  'Resize…',
  'Decommission…',
  'Extend…',
  'Reconcile…',
];

const DRIFT = {
  checkedAt: '2026-12-03T08:00:00.000Z',
  findings: [{ field: 'memoryMiB' as const, declared: 4096, actual: 8192 }],
};

function button(name: string) {
  return screen.queryByRole('button', { name });
}

describe('Proxmox tab: what the user may do', () => {
  it('shows and enables every action the permissions and allowedActions allow, asking with the guest entity ref', async () => {
    const asked: Array<[string, string | undefined]> = [];
    const { vmid } = renderGuestTab(
      { consoleUrl: 'https://pve.example/#console', drift: DRIFT },
      {
        allow: (name, ref) => {
          asked.push([name, ref]);
          return true;
        },
      },
    );
    await waitFor(() => expect(button('Shut down')).toBeEnabled());
    for (const name of ALL_CONTROLS) {
      expect(button(name)).toBeInTheDocument();
    }
    expect(button('Resize…')).toBeEnabled();
    expect(button('Decommission…')).toBeEnabled();
    expect(button('Extend…')).toBeEnabled();
    expect(button('Reconcile…')).toBeEnabled();
    // Running: start is not possible, the others are.
    expect(button('Start')).toBeDisabled();
    expect(button('Stop')).toBeEnabled();
    const consoleLink = screen.getByTestId('console-link');
    expect(consoleLink).toHaveAttribute('href', 'https://pve.example/#console');
    expect(consoleLink).toHaveAttribute('target', '_blank');
    const names = new Set(asked.map(([n]) => n));
    expect([...names].sort()).toEqual([
      'proxmox.guest.console',
      'proxmox.guest.delete',
      'proxmox.guest.power',
      'proxmox.guest.snapshot',
      'proxmox.guest.update',
    ]);
    expect(new Set(asked.map(([, ref]) => ref))).toEqual(
      new Set([`resource:default/pve1-${vmid}`]),
    );
  });

  it('hides every day-2 control when the permissions are denied, and keeps the live status', async () => {
    const { api } = renderGuestTab(
      { consoleUrl: 'https://pve.example/#console', drift: DRIFT },
      { allow: false },
    );
    expect(await screen.findByTestId('guest-power-state')).toHaveTextContent(
      'running',
    );
    await waitFor(() => expect(button('Shut down')).toBeNull());
    for (const name of ALL_CONTROLS) expect(button(name)).toBeNull();
    expect(screen.queryByTestId('console-link')).toBeNull();
    expect(screen.queryByTestId('guest-snapshots')).toBeNull();
    expect(api.listSnapshots).not.toHaveBeenCalled();
    // Drift is a fact about the guest: shown, without the action.
    expect(screen.getByTestId('drift-findings')).toBeInTheDocument();
  });

  it('maps each control to its own permission', async () => {
    // Only power and update (resize, extend, reconcile) are allowed.
    renderGuestTab(
      { consoleUrl: 'https://pve.example/#console', drift: DRIFT },
      {
        allow: name =>
          name === 'proxmox.guest.power' || name === 'proxmox.guest.update',
      },
    );
    await waitFor(() => expect(button('Shut down')).toBeEnabled());
    await waitFor(() => expect(button('Take snapshot')).toBeNull());
    expect(button('Resize…')).toBeEnabled();
    expect(button('Extend…')).toBeEnabled();
    expect(button('Reconcile…')).toBeEnabled();
    expect(button('Decommission…')).toBeNull();
    expect(screen.queryByTestId('console-link')).toBeNull();
  });

  it('offers only what the endpoint lists in allowedActions', async () => {
    const { api } = renderGuestTab({
      allowedActions: ['power', 'extend-lease'],
      consoleUrl: 'https://pve.example/#console',
      drift: DRIFT,
    });
    await waitFor(() => expect(button('Shut down')).toBeEnabled());
    expect(button('Extend…')).toBeEnabled();
    for (const name of [
      'Take snapshot',
      'Resize…',
      'Decommission…',
      'Reconcile…',
    ]) {
      expect(button(name)).toBeNull();
    }
    expect(screen.queryByTestId('console-link')).toBeNull();
    expect(api.listSnapshots).not.toHaveBeenCalled();
  });

  it('lists the open day-2 requests of the guest with links', async () => {
    renderGuestTab({
      openRequests: [{ id: 'req-resize-1', kind: 'resize', state: 'pending' }],
    });
    const open = await screen.findByTestId('open-requests');
    expect(within(open).getByRole('link', { name: 'Resize' })).toHaveAttribute(
      'href',
      '/proxmox/requests/req-resize-1',
    );
    expect(open).toHaveTextContent('pending');
  });
});

describe('Proxmox tab: one request at a time, live', () => {
  it('disables the request actions while a request on the guest is open, and says why', async () => {
    renderGuestTab({
      drift: DRIFT,
      openRequests: [{ id: 'req-open-1', kind: 'resize', state: 'approved' }],
    });
    await waitFor(() => expect(button('Shut down')).toBeEnabled());
    for (const name of ['Resize…', 'Decommission…', 'Extend…', 'Reconcile…']) {
      expect(button(name)).toBeDisabled();
    }
    expect(screen.getAllByTestId('open-request-note')[0]).toHaveTextContent(
      'the open Resize request (approved) must finish or be cancelled first',
    );
    // Immediate actions are not requests.
    expect(button('Take snapshot')).toBeEnabled();
  });

  it('reloads the live status on a signal of the guest', async () => {
    const signals = fakeSignals();
    const { vmid, setGuest } = renderGuestTab({}, { signals });
    await waitFor(() =>
      expect(screen.getByTestId('guest-power-state')).toHaveTextContent(
        'running',
      ),
    );
    await waitFor(() =>
      expect(signals.channels()).toContain(guestSignalChannel('pve1', vmid)),
    );
    setGuest({ status: 'stopped' });
    act(() => signals.emit(guestSignalChannel('pve1', vmid), {}));
    await waitFor(() =>
      expect(screen.getByTestId('guest-power-state')).toHaveTextContent(
        'stopped',
      ),
    );
  });
});
