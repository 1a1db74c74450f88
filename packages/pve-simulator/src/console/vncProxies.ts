/**
 * The VNC proxies `vncproxy` starts: one listener per call on a port of
 * 5900–5999 that accepts one connection within 10 s (then the task fails
 * with "connection timed out"), runs `qm vncproxy` / vncterm for it, and
 * ends its `vncproxy` task when that connection ends. A second connection to
 * the same port (a reused ticket) finds nothing listening.
 */
import type { Duplex } from 'node:stream';
import type { SimContext } from '../context';
import { die } from '../http/errors';
import { TaskError, type Task } from '../state/tasks';
import type { ClusterState, Guest } from '../state/types';
import { guestConsole } from './guestConsole';
import { RfbServer } from './rfbServer';
import { ProxyWebSocket } from './websocket';

const FIRST_PORT = 5900;
const LAST_PORT = 5999;
/** `$timeout = 10` of the vncproxy worker (accept timeout). */
const ACCEPT_TIMEOUT_MS = 10_000;
/** `expire_password +30` of `qm vncproxy`. */
const PASSWORD_LIFETIME_MS = 30_000;
/** How often a connected console notices that its guest stopped. */
const GUEST_CHECK_MS = 200;

export interface VncProxy {
  port: number;
  guest: Guest;
  userid: string;
  /** the VNC password, if the call generated one */
  password?: string;
  /** the ticket the API answered */
  ticket: string;
  /** LXC without `websocket=1`: vncterm speaks TLS (not simulated) */
  tlsOnly: boolean;
  createdAt: number;
  state: 'listening' | 'connected' | 'done';
  task?: Task;
  /** ends the task (an error text fails it) */
  finish(error?: string): void;
  /** the proxied connection, once connected */
  connection?: ProxyWebSocket;
}

const PROXIES = new WeakMap<ClusterState, Map<number, VncProxy>>();

function proxiesOf(cluster: ClusterState): Map<number, VncProxy> {
  let m = PROXIES.get(cluster);
  if (!m) {
    m = new Map();
    PROXIES.set(cluster, m);
  }
  return m;
}

/** `PVE::Tools::next_vnc_port`. */
export function nextVncPort(cluster: ClusterState): number {
  const used = proxiesOf(cluster);
  for (let p = FIRST_PORT; p <= LAST_PORT; p++) if (!used.has(p)) return p;
  throw die(`unable to find free port (${FIRST_PORT}-${LAST_PORT})`);
}

/**
 * Registers a listening proxy and starts its `vncproxy` task; the proxy is
 * listening when this returns (PVE waits for the port before answering).
 */
export function startVncProxy(
  sim: SimContext,
  cluster: ClusterState,
  p: Omit<VncProxy, 'state' | 'createdAt' | 'finish' | 'task'>,
): VncProxy {
  let settle!: (error?: string) => void;
  const ended = new Promise<string | undefined>(r => {
    settle = r;
  });
  let acceptTimer: NodeJS.Timeout | undefined = undefined;
  const proxy: VncProxy = {
    ...p,
    createdAt: Date.now(),
    state: 'listening',
    finish: error => {
      if (proxy.state === 'done') return;
      proxy.state = 'done';
      clearTimeout(acceptTimer);
      proxiesOf(cluster).delete(proxy.port);
      settle(error);
    },
  };
  acceptTimer = setTimeout(
    () => proxy.finish('connection timed out\n'),
    ACCEPT_TIMEOUT_MS,
  );
  proxiesOf(cluster).set(proxy.port, proxy);
  proxy.task = sim.tasks.spawn(
    {
      cluster,
      node: p.guest.node,
      type: 'vncproxy',
      id: String(p.guest.vmid),
      authId: p.userid,
    },
    async t => {
      t.log(`starting vnc proxy ${t.task.upid}`);
      const onAbort = () => {
        proxy.connection?.destroy();
        proxy.finish('received interrupt\n');
      };
      t.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const error = await ended;
        if (error) {
          for (const line of error.split('\n').slice(1)) {
            if (line) t.log(line);
          }
          throw new TaskError(error.split('\n')[0]);
        }
      } finally {
        t.signal.removeEventListener('abort', onAbort);
      }
    },
  );
  return proxy;
}

/** The proxy listening on `port`, which then stops listening. */
export function acceptVncConnection(
  cluster: ClusterState,
  port: number,
): VncProxy | undefined {
  const proxy = proxiesOf(cluster).get(port);
  if (!proxy || proxy.state !== 'listening') return undefined;
  proxy.state = 'connected';
  return proxy;
}

/** QEMU's VNC desktop name: the `-name` PVE passes (`name` or `vm<vmid>`). */
function desktopName(g: Guest): string {
  if (g.type === 'lxc') return g.config.hostname ?? `CT${g.vmid}`;
  return g.config.name ?? `vm${g.vmid}`;
}

function failure(proxy: VncProxy): string {
  const g = proxy.guest;
  if (g.type === 'qemu')
    return `Failed to run vncproxy.\nVM ${g.vmid} not running`;
  return `command '/usr/bin/vncterm -rfbport ${proxy.port} -timeout 10 -authpath /vms/${g.vmid} -perm VM.Console' failed: exit code 1`;
}

/**
 * Serves the VNC connection of `proxy` on an upgraded socket: the guest's
 * VNC server if it runs; otherwise the connection closes at once and the
 * task fails as `qm vncproxy` does for a stopped VM.
 */
export function serveVnc(
  cluster: ClusterState,
  proxy: VncProxy,
  socket: Duplex,
  head: Buffer,
) {
  let onData: (bytes: Buffer) => void = () => undefined;
  let onClose: () => void = () => undefined;
  const ws = new ProxyWebSocket(socket, head, {
    data: bytes => onData(bytes),
    close: () => onClose(),
  });
  proxy.connection = ws;
  const g = proxy.guest;
  const running = () =>
    cluster.guests.get(g.vmid) === g && g.status === 'running';
  if (!running() || proxy.tlsOnly) {
    ws.close();
    proxy.finish(
      proxy.tlsOnly
        ? 'VNC over TLS (vncproxy without websocket=1) is not simulated'
        : failure(proxy),
    );
    return;
  }
  const rfb = new RfbServer({
    password: proxy.password ?? proxy.ticket.slice(0, 8),
    passwordExpiresAt: proxy.createdAt + PASSWORD_LIFETIME_MS,
    desktopName: desktopName(g),
    console: guestConsole(cluster, g),
    send: bytes => ws.send(bytes),
    close: () => ws.close(),
  });
  // the guest stopping (or being deleted) ends its VNC server
  const check = setInterval(() => {
    if (!running()) ws.close();
  }, GUEST_CHECK_MS);
  onData = bytes => rfb.receive(bytes);
  onClose = () => {
    clearInterval(check);
    rfb.closed();
    proxy.finish();
  };
}

/** Drops every console connection and listener (simulator stop). */
export function closeVncProxies(clusters: ClusterState[]) {
  for (const c of clusters) {
    for (const proxy of [...proxiesOf(c).values()]) {
      proxy.connection?.destroy();
      proxy.finish('received interrupt\n');
    }
  }
}

const ISSUED = new WeakMap<ClusterState, string[]>();

/** Remembers a ticket for {@link issuedVncTickets}. */
export function rememberVncTicket(cluster: ClusterState, ticket: string) {
  const list = ISSUED.get(cluster) ?? [];
  list.push(ticket);
  if (list.length > 1000) list.shift();
  ISSUED.set(cluster, list);
}

/** The tickets vncproxy handed out so far, oldest first (tests look for leaks). */
export function issuedVncTickets(clusters: ClusterState[]): string[] {
  return clusters.flatMap(c => ISSUED.get(c) ?? []);
}
