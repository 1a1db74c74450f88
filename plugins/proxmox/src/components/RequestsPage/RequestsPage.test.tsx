import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { proxmoxApiRef } from '../../api';
import { fakeApi, makeRequest } from '../../testUtils/fixtures';
import { RequestsPage } from './RequestsPage';

function signals() {
  const subs = new Map<string, Array<(m: any) => void>>();
  return {
    api: {
      subscribe: (channel: string, cb: (m: any) => void) => {
        subs.set(channel, [...(subs.get(channel) ?? []), cb]);
        return { unsubscribe: () => {} };
      },
    },
    emit: (channel: string, message: any) =>
      (subs.get(channel) ?? []).forEach(cb => cb(message)),
  };
}

describe('RequestsPage', () => {
  it('shows Mine by default, links rows to the request page, and loads more by cursor', async () => {
    const first = [
      makeRequest({ spec: { ...makeRequest().spec, name: 'web-1' } }),
    ];
    const second = [
      makeRequest({ spec: { ...makeRequest().spec, name: 'web-2' } }),
    ];
    const api = fakeApi({
      listRequests: jest.fn(async ({ view, cursor }) => {
        if (view === 'awaiting-me') return { items: [] };
        return cursor === 'c1'
          ? { items: second }
          : { items: first, nextCursor: 'c1' };
      }),
    });
    renderInTestApp(<RequestsPage />, { apis: [[proxmoxApiRef, api]] });

    const link = await screen.findByRole('link', { name: 'web-1' });
    expect(link).toHaveAttribute('href', `/proxmox/requests/${first[0].id}`);
    expect(api.listRequests).toHaveBeenCalledWith(
      expect.objectContaining({ view: 'mine', limit: 25 }),
    );
    // No pending request awaits this user: no such tab.
    expect(
      screen.queryByRole('tab', { name: /Awaiting my approval/ }),
    ).toBeNull();
    expect(screen.getByRole('tab', { name: 'Mine' })).toHaveAttribute(
      'aria-selected',
      'true',
    );

    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(
      await screen.findByRole('link', { name: 'web-2' }),
    ).toBeInTheDocument();
    expect(api.listRequests).toHaveBeenCalledWith(
      expect.objectContaining({ view: 'mine', cursor: 'c1', limit: 25 }),
    );
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('shows the awaiting tab with its count, and switches views and state filters', async () => {
    const pending = makeRequest({
      spec: { ...makeRequest().spec, name: 'db-1' },
    });
    const other = makeRequest({
      state: 'ready',
      spec: { ...makeRequest().spec, name: 'all-1' },
    });
    const api = fakeApi({
      listRequests: jest.fn(async ({ view }) => {
        if (view === 'awaiting-me') return { items: [pending] };
        if (view === 'all') return { items: [other] };
        return { items: [] };
      }),
    });
    renderInTestApp(<RequestsPage />, { apis: [[proxmoxApiRef, api]] });

    const awaitingTab = await screen.findByRole('tab', {
      name: 'Awaiting my approval (1)',
    });
    expect(await screen.findByTestId('requests-empty')).toHaveTextContent(
      'No requests.',
    );

    await userEvent.click(awaitingTab);
    expect(
      await screen.findByRole('link', { name: 'db-1' }),
    ).toBeInTheDocument();

    await userEvent.click(screen.getByRole('tab', { name: 'All' }));
    expect(
      await screen.findByRole('link', { name: 'all-1' }),
    ).toBeInTheDocument();

    await userEvent.selectOptions(screen.getByLabelText('State'), 'ready');
    await waitFor(() =>
      expect(api.listRequests).toHaveBeenCalledWith(
        expect.objectContaining({ view: 'all', state: ['ready'] }),
      ),
    );
  });

  it('refetches on a proxmox:requests signal', async () => {
    const s = signals();
    let items = [
      makeRequest({ spec: { ...makeRequest().spec, name: 'before' } }),
    ];
    const api = fakeApi({
      listRequests: jest.fn(async ({ view }) =>
        view === 'mine' ? { items } : { items: [] },
      ),
    });
    renderInTestApp(<RequestsPage />, {
      apis: [
        [proxmoxApiRef, api],
        [signalApiRef, s.api],
      ],
    });
    expect(
      await screen.findByRole('link', { name: 'before' }),
    ).toBeInTheDocument();
    items = [makeRequest({ spec: { ...makeRequest().spec, name: 'after' } })];
    act(() =>
      s.emit('proxmox:requests', { requestId: items[0].id, state: 'pending' }),
    );
    expect(
      await screen.findByRole('link', { name: 'after' }),
    ).toBeInTheDocument();
    expect(screen.getByTestId('requests-table')).toBeInTheDocument();
    expect(
      within(screen.getByTestId('requests-table')).queryByText('before'),
    ).toBeNull();
  });

  it('shows the backend messages when the list fails', async () => {
    const { ProxmoxApiError } = jest.requireActual('../../api');
    const api = fakeApi({
      listRequests: jest.fn(async () => {
        throw new ProxmoxApiError('Invalid', 400, [
          { field: 'cursor', message: 'must be a cursor' },
        ]);
      }),
    });
    renderInTestApp(<RequestsPage />, { apis: [[proxmoxApiRef, api]] });
    expect(
      await screen.findByText('cursor: must be a cursor'),
    ).toBeInTheDocument();
  });
});
