import { screen, waitFor } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { proxmoxApiRef } from '../../api';
import { fakeApi, makeRequest } from '../../testUtils/fixtures';
import {
  AwaitingApprovalAction,
  ProxmoxRequestsSidebarItem,
} from './AwaitingBadge';

describe('awaiting-approval badge', () => {
  it('shows the count and links to the awaiting tab', async () => {
    const api = fakeApi({
      listRequests: jest.fn(async () => ({
        items: [makeRequest(), makeRequest()],
      })),
    });
    renderInTestApp(<AwaitingApprovalAction />, {
      apis: [[proxmoxApiRef, api]],
    });
    const badge = await screen.findByTestId('awaiting-approval-badge');
    expect(badge).toHaveTextContent('2 awaiting my approval');
    expect(badge).toHaveAttribute('href', '/proxmox/requests?view=awaiting-me');
    expect(api.listRequests).toHaveBeenCalledWith({
      view: 'awaiting-me',
      limit: 100,
    });
  });

  it('renders nothing when nothing awaits the user', async () => {
    const api = fakeApi();
    renderInTestApp(<AwaitingApprovalAction />, {
      apis: [[proxmoxApiRef, api]],
    });
    await waitFor(() => expect(api.listRequests).toHaveBeenCalled());
    expect(screen.queryByTestId('awaiting-approval-badge')).toBeNull();
  });

  it('puts the count in the sidebar item title', async () => {
    const api = fakeApi({
      listRequests: jest.fn(async () => ({
        items: [makeRequest()],
        nextCursor: 'more',
      })),
    });
    renderInTestApp(<ProxmoxRequestsSidebarItem to="/proxmox/requests" />, {
      apis: [[proxmoxApiRef, api]],
    });
    expect(
      await screen.findByRole('link', { name: /VM requests \(1\+\)/ }),
    ).toHaveAttribute('href', '/proxmox/requests');
  });
});
