import { act, screen, waitFor, within } from '@testing-library/react';
import type { ExtensionDefinition } from '@backstage/frontend-plugin-api';
import { renderTestApp } from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { ProxmoxApiError, proxmoxApiRef } from '../../api';
import { fakeApi, makeGuest } from '../../testUtils/fixtures';
import {
  clusterSummaryCard,
  guestEntityContent,
  guestStatusCard,
  nodeCapacityCard,
} from '../../entityExtensions';

function resource(
  name: string,
  type: string,
  annotations: Record<string, string>,
) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: { name, namespace: 'default', annotations },
    spec: { type, owner: 'group:default/team-a' },
  };
}

const VM = resource('pve1-123', 'virtual-machine', {
  'proxmox.com/cluster': 'pve1',
  'proxmox.com/node': 'n1',
  'proxmox.com/vmid': '123',
  'proxmox.com/guest-type': 'qemu',
  'proxmox.com/request-id': 'req-from-annotation',
});
const CT = resource('pve1-124', 'container', {
  'proxmox.com/cluster': 'pve1',
  'proxmox.com/vmid': '124',
  'proxmox.com/guest-type': 'lxc',
});
const NODE = resource('pve1-n1', 'proxmox-node', {
  'proxmox.com/cluster': 'pve1',
  'proxmox.com/node': 'n1',
});
const CLUSTER = resource('pve1', 'proxmox-cluster', {
  'proxmox.com/cluster': 'pve1',
});

function render(
  entity: ReturnType<typeof resource>,
  extension: ExtensionDefinition<any>,
  api = fakeApi(),
) {
  const result = renderTestApp({
    extensions: [createTestEntityPage({ entity }), extension],
    apis: [[proxmoxApiRef, api]],
  });
  return { api, ...result };
}

// Entity links: the test page mounts the catalog's entity route at "/", so
// their href says nothing; data-entity-ref names the entity they point to.

function httpError(status: number) {
  return new ProxmoxApiError(`HTTP ${status}`, status);
}

function setHidden(hidden: boolean) {
  Object.defineProperty(document, 'visibilityState', {
    configurable: true,
    get: () => (hidden ? 'hidden' : 'visible'),
  });
  document.dispatchEvent(new Event('visibilitychange'));
}

afterEach(() => {
  jest.useRealTimers();
  setHidden(false);
});

describe('guest status card', () => {
  it('shows power state, uptime, CPU, memory, IPs, node, lease and the creating request', async () => {
    const { api } = render(VM, guestStatusCard);
    expect(await screen.findByTestId('guest-power-state')).toHaveTextContent(
      /^running$/,
    );
    expect(api.getGuest).toHaveBeenCalledWith('pve1', 123);
    const ips = screen.getByTestId('guest-ip-addresses');
    expect(
      within(ips)
        .getAllByRole('listitem')
        .map(li => li.textContent),
    ).toEqual(['10.0.0.7', 'fd00::7']);
    expect(screen.getByTestId('guest-uptime')).toHaveTextContent('3d 4h 5m');
    expect(screen.getByTestId('guest-cpu-text')).toHaveTextContent(
      '25 % of 2 vCPU',
    );
    expect(screen.getByRole('progressbar', { name: 'CPU' })).toHaveAttribute(
      'aria-valuenow',
      '25',
    );
    expect(screen.getByTestId('guest-memory-text')).toHaveTextContent(
      '1 GiB of 4 GiB (25 %)',
    );
    expect(
      within(screen.getByTestId('guest-node')).getByRole('link', {
        name: 'n1',
      }),
    ).toHaveAttribute('data-entity-ref', 'resource:default/pve1-n1');
    expect(screen.getByTestId('guest-lease')).toHaveTextContent(/2027/);
    // The request comes from the proxmox.com/request-id annotation.
    expect(
      within(screen.getByTestId('guest-request')).getByRole('link'),
    ).toHaveAttribute('href', '/proxmox/requests/req-from-annotation');
    expect(screen.getByTestId('guest-live-status')).toHaveAttribute(
      'data-state',
      'ready',
    );
  });

  it('explains missing IPs of a container and of a guest without agent', async () => {
    const api = fakeApi({
      getGuest: jest.fn(async () =>
        makeGuest({
          vmid: 124,
          type: 'qemu',
          ipAddresses: [],
          agent: 'unavailable',
        }),
      ),
    });
    render(CT, guestStatusCard, api);
    expect(await screen.findByTestId('guest-ip-addresses')).toHaveTextContent(
      'Unknown: the QEMU guest agent does not answer',
    );
    expect(api.getGuest).toHaveBeenCalledWith('pve1', 124);
    expect(screen.getByTestId('guest-request')).toHaveTextContent(
      // The annotation is missing, the live status names the request.
      'request 00000000-0000-4000-8000-000000000abc',
    );
  });

  it('refreshes every 10 s while visible, pauses while hidden, stops when unmounted', async () => {
    jest.useFakeTimers();
    let status = 'running';
    const api = fakeApi({
      getGuest: jest.fn(async () => makeGuest({ status })),
    });
    const { unmount } = render(VM, guestStatusCard, api);
    expect(await screen.findByTestId('guest-power-state')).toHaveTextContent(
      'running',
    );
    expect(api.getGuest).toHaveBeenCalledTimes(1);

    status = 'stopped';
    await act(async () => {
      jest.advanceTimersByTime(10_000);
    });
    await waitFor(() =>
      expect(screen.getByTestId('guest-power-state')).toHaveTextContent(
        'stopped',
      ),
    );
    expect(api.getGuest).toHaveBeenCalledTimes(2);

    act(() => setHidden(true));
    await act(async () => {
      jest.advanceTimersByTime(60_000);
    });
    expect(api.getGuest).toHaveBeenCalledTimes(2);

    status = 'running';
    await act(async () => setHidden(false));
    await waitFor(() =>
      expect(screen.getByTestId('guest-power-state')).toHaveTextContent(
        'running',
      ),
    );
    expect(api.getGuest).toHaveBeenCalledTimes(3);

    unmount();
    await act(async () => {
      jest.advanceTimersByTime(60_000);
    });
    expect(api.getGuest).toHaveBeenCalledTimes(3);
  });

  it('says so on 403 instead of a blank card', async () => {
    render(
      VM,
      guestStatusCard,
      fakeApi({
        getGuest: jest.fn(async () => Promise.reject(httpError(403))),
      }),
    );
    expect(await screen.findByTestId('live-error')).toHaveTextContent(
      "You may not see this guest's live status",
    );
    expect(screen.queryByTestId('guest-power-state')).toBeNull();
    expect(screen.getByTestId('guest-live-status')).toHaveAttribute(
      'data-state',
      'error',
    );
  });

  it('says so on 404', async () => {
    render(
      VM,
      guestStatusCard,
      fakeApi({
        getGuest: jest.fn(async () => Promise.reject(httpError(404))),
      }),
    );
    expect(await screen.findByTestId('live-error')).toHaveTextContent(
      'Proxmox does not know this guest',
    );
  });

  it('keeps the last status with a notice when a refresh fails', async () => {
    jest.useFakeTimers();
    let fail = false;
    const api = fakeApi({
      getGuest: jest.fn(async () => {
        if (fail) throw httpError(502);
        return makeGuest();
      }),
    });
    render(VM, guestStatusCard, api);
    expect(await screen.findByTestId('guest-power-state')).toHaveTextContent(
      'running',
    );
    fail = true;
    await act(async () => {
      jest.advanceTimersByTime(10_000);
    });
    expect(await screen.findByTestId('live-refresh-error')).toHaveTextContent(
      'Could not refresh (HTTP 502)',
    );
    expect(screen.getByTestId('guest-power-state')).toHaveTextContent(
      'running',
    );
  });

  it('names the missing annotation and calls nothing', async () => {
    const api = fakeApi();
    render(
      resource('odd', 'virtual-machine', { 'proxmox.com/cluster': 'pve1' }),
      guestStatusCard,
      api,
    );
    expect(await screen.findByTestId('live-error')).toHaveTextContent(
      'the proxmox.com/vmid annotation',
    );
    expect(api.getGuest).not.toHaveBeenCalled();
  });

  it('shows only on VM and container entities', async () => {
    render(NODE, guestStatusCard);
    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
  });
});

describe('Proxmox tab', () => {
  it('shows the full live status of a container', async () => {
    const api = fakeApi({
      getGuest: jest.fn(async () =>
        makeGuest({
          vmid: 124,
          type: 'lxc',
          name: 'ct-1',
          requestId: undefined,
        }),
      ),
    });
    render(CT, guestEntityContent, api);
    expect(await screen.findByTestId('guest-power-state')).toHaveTextContent(
      'running',
    );
    expect(screen.getByText('Container (LXC)')).toBeInTheDocument();
    expect(screen.getByText('ct-1')).toBeInTheDocument();
    expect(screen.getByTestId('guest-agent')).toHaveTextContent('answers');
    expect(screen.getByTestId('guest-request')).toHaveTextContent(
      'No MycoPod request',
    );
    expect(
      screen.getByText(/nothing of it is stored in the catalog/),
    ).toBeInTheDocument();
  });

  it('is not offered on cluster entities', async () => {
    render(CLUSTER, guestEntityContent);
    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
  });
});

describe('node capacity card', () => {
  it('shows CPU, memory and storage use as bars and links the guests', async () => {
    const { api } = render(NODE, nodeCapacityCard);
    const card = await screen.findByTestId('node-capacity');
    await waitFor(() => expect(card).toHaveAttribute('data-state', 'ready'));
    expect(api.getNode).toHaveBeenCalledWith('pve1', 'n1');
    expect(screen.getByTestId('node-cpu-text')).toHaveTextContent(
      '50 % of 16 cores',
    );
    expect(screen.getByTestId('node-memory-text')).toHaveTextContent(
      '16 GiB of 64 GiB (25 %)',
    );
    expect(
      screen.getByRole('progressbar', { name: 'Storage ceph (shared)' }),
    ).toHaveAttribute('aria-valuenow', '90');
    expect(screen.getByTestId('node-storage-local-lvm-text')).toHaveTextContent(
      '100 GiB of 400 GiB (25 %)',
    );
    const guests = screen.getByTestId('node-guests');
    expect(within(guests).getByRole('link', { name: 'web-1' })).toHaveAttribute(
      'data-entity-ref',
      'resource:default/pve1-123',
    );
    expect(
      within(guests).getByText(/124, container, stopped/),
    ).toBeInTheDocument();
  });

  it('says so on 403', async () => {
    render(
      NODE,
      nodeCapacityCard,
      fakeApi({ getNode: jest.fn(async () => Promise.reject(httpError(403))) }),
    );
    expect(await screen.findByTestId('live-error')).toHaveTextContent(
      "You may not see this node's capacity",
    );
  });

  it('shows only on node entities', async () => {
    render(VM, nodeCapacityCard);
    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
  });
});

describe('cluster summary card', () => {
  it('shows the totals and one row per node', async () => {
    const { api } = render(CLUSTER, clusterSummaryCard);
    expect(await screen.findByTestId('cluster-totals')).toHaveTextContent(
      '1 of 2 nodes online · 2 guests · 24 cores',
    );
    expect(api.getCluster).toHaveBeenCalledWith('pve1');
    const summary = screen.getByTestId('cluster-summary');
    const rows = within(summary).getAllByRole('row').slice(1);
    expect(rows.map(r => r.getAttribute('data-node'))).toEqual(['n1', 'n2']);
    expect(within(rows[0]).getByRole('link', { name: 'n1' })).toHaveAttribute(
      'data-entity-ref',
      'resource:default/pve1-n1',
    );
    expect(rows[1]).toHaveTextContent('offline');
    expect(
      screen.getByRole('progressbar', { name: 'Memory (all nodes)' }),
    ).toHaveAttribute('aria-valuenow', '17');
  });

  it('says so on 404', async () => {
    render(
      CLUSTER,
      clusterSummaryCard,
      fakeApi({
        getCluster: jest.fn(async () => Promise.reject(httpError(404))),
      }),
    );
    expect(await screen.findByTestId('live-error')).toHaveTextContent(
      'MycoPod has no Proxmox cluster of this name configured',
    );
  });

  it('shows only on cluster entities', async () => {
    render(NODE, clusterSummaryCard);
    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
  });
});
