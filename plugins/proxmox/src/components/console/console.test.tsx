/*
 * The Console tab with a test double of noVNC (an ES module the real app
 * loads on demand) and of the browser's WebSocket: the ticket from the
 * backend, the socket URL from discovery, the controls, and the messages
 * for no permission, a stopped guest and an ended session.
 */
import {
  act,
  configure,
  fireEvent,
  screen,
  waitFor,
} from '@testing-library/react';
import { discoveryApiRef } from '@backstage/frontend-plugin-api';
import { mockApis, renderTestApp } from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ProxmoxApiError, proxmoxApiRef } from '../../api';
import { guestConsoleContent } from '../../entityExtensions';
import { fakeApi, type FakeApi } from '../../testUtils/fixtures';

configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

/** noVNC's RFB as the tab uses it; the last one made is `MockRfb.last`. */
class MockRfb extends EventTarget {
  static last?: MockRfb;
  background = '';
  scaleViewport = false;
  clipboardPasteFrom = jest.fn();
  disconnect = jest.fn();
  focus = jest.fn();
  sendCtrlAltDel = jest.fn();
  sendKey = jest.fn();
  constructor(
    readonly target: HTMLElement,
    readonly channel: MockSocket,
    readonly options: unknown,
  ) {
    super();
    MockRfb.last = this;
  }
  emit(type: string, detail?: unknown) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

jest.mock('@novnc/novnc', () => ({
  __esModule: true,
  default: function RFB(...args: [HTMLElement, MockSocket, unknown]) {
    return new MockRfb(...args);
  },
}));

/** The browser WebSocket; records what the tab opens. */
class MockSocket extends EventTarget {
  static last?: MockSocket;
  constructor(readonly url: string, readonly protocols: string[]) {
    super();
    MockSocket.last = this;
  }
  /** The server closes the socket. */
  serverClose(code: number, reason: string) {
    const e = new Event('close');
    Object.assign(e, { code, reason });
    this.dispatchEvent(e);
  }
}

const realWebSocket = globalThis.WebSocket;
beforeAll(() => {
  (globalThis as any).WebSocket = MockSocket;
});
afterAll(() => {
  (globalThis as any).WebSocket = realWebSocket;
});
beforeEach(() => {
  MockRfb.last = undefined;
  MockSocket.last = undefined;
});

// usePermission caches per resource ref across tests: a VMID per render
let nextVmid = 700;

function renderConsole(opts: { api?: Partial<FakeApi>; allow?: boolean } = {}) {
  const vmid = nextVmid++;
  const api = fakeApi(opts.api);
  const entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: `pve1-${vmid}`,
      namespace: 'default',
      annotations: {
        'proxmox.com/cluster': 'pve1',
        'proxmox.com/vmid': String(vmid),
      },
    },
    spec: { type: 'virtual-machine', owner: 'group:default/team-a' },
  };
  renderTestApp({
    extensions: [createTestEntityPage({ entity }), guestConsoleContent],
    apis: [
      [proxmoxApiRef, api],
      [
        discoveryApiRef,
        mockApis.discovery({ baseUrl: 'https://bs.example.com' }),
      ],
      mockApis.permission({
        authorize: () =>
          opts.allow === false ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
      }),
    ],
  });
  return { api, vmid };
}

const status = () => screen.getByTestId('console-status');
const button = (name: string | RegExp) => screen.getByRole('button', { name });

async function connected() {
  const view = renderConsole();
  await waitFor(() => expect(button('Connect')).toBeEnabled());
  fireEvent.click(button('Connect'));
  await waitFor(() => expect(MockRfb.last).toBeDefined());
  const rfb = MockRfb.last!;
  act(() => {
    rfb.emit('connect');
    rfb.emit('desktopname', { name: 'web-01' });
  });
  await waitFor(() =>
    expect(status()).toHaveAttribute('data-state', 'connected'),
  );
  return { ...view, rfb, socket: MockSocket.last! };
}

describe('Console tab', () => {
  it('connects with a ticket over the discovered WebSocket URL and shows the desktop name', async () => {
    const { api, vmid, rfb, socket } = await connected();
    expect(api.createConsoleTicket).toHaveBeenCalledWith('pve1', vmid);
    expect(socket.url).toBe(
      `wss://bs.example.com/api/proxmox/console/socket?ticket=${'T'.repeat(
        43,
      )}`,
    );
    expect(socket.protocols).toEqual(['binary']);
    expect(rfb.channel).toBe(socket);
    expect(rfb.target).toBe(screen.getByTestId('console-screen'));
    expect(rfb.scaleViewport).toBe(true);
    expect(screen.getByTestId('console-desktop-name')).toHaveTextContent(
      'web-01',
    );
  });

  it('sends Ctrl-Alt-Del, toggles scaling, types pasted text, and disconnects', async () => {
    const { rfb } = await connected();
    fireEvent.click(button('Ctrl-Alt-Del'));
    expect(rfb.sendCtrlAltDel).toHaveBeenCalledTimes(1);

    fireEvent.click(button('Scale to fit: on'));
    expect(rfb.scaleViewport).toBe(false);
    expect(button('Scale to fit: off')).toHaveAttribute(
      'aria-pressed',
      'false',
    );

    fireEvent.change(screen.getByLabelText('Text to paste'), {
      target: { value: 'ls\n' },
    });
    fireEvent.click(button('Paste into the guest'));
    expect(rfb.clipboardPasteFrom).toHaveBeenCalledWith('ls\n');
    expect(rfb.sendKey.mock.calls).toEqual([
      [0x6c, null, true],
      [0x6c, null, false],
      [0x73, null, true],
      [0x73, null, false],
      [0xff0d, null, true],
      [0xff0d, null, false],
    ]);

    fireEvent.click(button('Disconnect'));
    expect(rfb.disconnect).toHaveBeenCalled();
    act(() => rfb.emit('disconnect', { clean: true }));
    await waitFor(() => expect(status()).toHaveTextContent('Session ended.'));
    expect(button('Connect')).toBeEnabled();
  });

  it('says why the backend ended the session (idle, maximum length)', async () => {
    const { rfb, socket } = await connected();
    act(() => {
      socket.serverClose(4001, 'Session ended: no activity for 15 min');
      rfb.emit('disconnect', { clean: false });
    });
    await waitFor(() =>
      expect(status()).toHaveTextContent(
        'Session ended: no activity for 15 min',
      ),
    );
    expect(status()).toHaveAttribute('data-state', 'ended');
  });

  it('says the guest is not running when it stops during the session', async () => {
    const { rfb, socket } = await connected();
    act(() => {
      socket.serverClose(4003, 'Session ended: the guest stopped');
      rfb.emit('disconnect', { clean: false });
    });
    await waitFor(() =>
      expect(status()).toHaveAttribute('data-state', 'stopped'),
    );
    expect(status()).toHaveTextContent('The guest is not running');
  });

  it('says the guest is not running when the backend refuses the ticket with 409', async () => {
    renderConsole({
      api: {
        createConsoleTicket: jest.fn(async () => {
          throw new ProxmoxApiError(
            'Guest pve1/1 is not running (stopped)',
            409,
          );
        }),
      },
    });
    await waitFor(() => expect(button('Connect')).toBeEnabled());
    fireEvent.click(button('Connect'));
    await waitFor(() =>
      expect(status()).toHaveAttribute('data-state', 'stopped'),
    );
    expect(MockRfb.last).toBeUndefined();
  });

  it('shows the refusal without the permission (Connect disabled, no ticket asked)', async () => {
    const denied = renderConsole({ allow: false });
    await waitFor(() =>
      expect(status()).toHaveAttribute('data-state', 'forbidden'),
    );
    expect(status()).toHaveTextContent("You may not open this guest's console");
    expect(button('Connect')).toBeDisabled();
    expect(denied.api.createConsoleTicket).not.toHaveBeenCalled();
  });

  it('shows the refusal the backend answers (403) even where the frontend allowed', async () => {
    renderConsole({
      api: {
        createConsoleTicket: jest.fn(async () => {
          throw new ProxmoxApiError('You may not open the console', 403);
        }),
      },
    });
    await waitFor(() => expect(button('Connect')).toBeEnabled());
    fireEvent.click(button('Connect'));
    await waitFor(() =>
      expect(status()).toHaveAttribute('data-state', 'forbidden'),
    );
  });

  it('reports a socket that never opened', async () => {
    renderConsole();
    await waitFor(() => expect(button('Connect')).toBeEnabled());
    fireEvent.click(button('Connect'));
    await waitFor(() => expect(MockRfb.last).toBeDefined());
    act(() => {
      MockSocket.last!.serverClose(1006, '');
      MockRfb.last!.emit('disconnect', { clean: false });
    });
    await waitFor(() =>
      expect(status()).toHaveTextContent(
        'Could not open the console connection',
      ),
    );
  });
});
