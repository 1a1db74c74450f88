/**
 * `POST /nodes/{node}/qemu|lxc/{vmid}/vncproxy` and
 * `GET …/vncwebsocket` (qemu-server / pve-container, PVE 8.4): vncproxy
 * starts a VNC proxy task and answers `user`, `ticket` (the VNC password
 * and the VNC ticket), `password`, `port`, `upid` and `cert`; vncwebsocket
 * checks the ticket and answers `{port}`, or, as a WebSocket upgrade, is
 * proxied to that port (see ./upgrade).
 */
import type { SimContext } from '../context';
import { ApiError } from '../http/errors';
import type { Guest } from '../state/types';
import { loadGuest } from '../routes/guestOps';
import { vmPerm } from '../routes/qemu/common';
import { P, RouteCtx, RouteDef } from '../routes/types';
import {
  assembleVncTicket,
  generateVncPassword,
  verifyVncTicket,
} from './tickets';
import { nextVncPort, rememberVncTicket, startVncProxy } from './vncProxies';

const CA_CERTS = new WeakMap<SimContext, string>();

/** The PEM vncproxy answers as `cert` (`/etc/pve/pve-root-ca.pem`). */
export function setConsoleCaCert(sim: SimContext, pem: string) {
  CA_CERTS.set(sim, pem);
}

type Kind = 'qemu' | 'lxc';

/** `load_config` of the route's guest (qemu-server or pve-container). */
function loadConsoleGuest(ctx: RouteCtx, kind: Kind): Guest {
  if (kind === 'qemu') return loadGuest(ctx);
  const vmid = Number(ctx.params.vmid);
  const node = String(ctx.params.node);
  const g = ctx.cluster.guests.get(vmid);
  if (!g || g.node !== node || g.type !== 'lxc') {
    throw new ApiError(
      500,
      `Configuration file 'nodes/${node}/lxc/${vmid}.conf' does not exist\n`,
    );
  }
  return g;
}

function vncproxy(ctx: RouteCtx, kind: Kind) {
  const g = loadConsoleGuest(ctx, kind);
  const websocket = P.bool(ctx.params, 'websocket') ?? false;
  const port = nextVncPort(ctx.cluster);
  const userid = ctx.auth.userid;
  let ticket = assembleVncTicket(ctx.sim, userid, `/vms/${g.vmid}`, port);
  // qemu: a password whenever the display is not a serial terminal (the
  // simulator has no serial displays); lxc: only for websocket=1
  const password =
    kind === 'qemu' || websocket ? generateVncPassword() : undefined;
  if (password) ticket = `${password}:${ticket}`;
  const proxy = startVncProxy(ctx.sim, ctx.cluster, {
    port,
    guest: g,
    userid,
    password,
    ticket,
    tlsOnly: kind === 'lxc' && !websocket,
  });
  rememberVncTicket(ctx.cluster, ticket);
  return {
    user: userid,
    ticket,
    port,
    upid: proxy.task!.upid,
    cert: CA_CERTS.get(ctx.sim) ?? '',
    ...(password ? { password } : {}),
  };
}

function vncwebsocket(ctx: RouteCtx, kind: Kind) {
  const vmid = Number(ctx.params.vmid);
  const port = Number(ctx.params.port);
  verifyVncTicket(
    ctx.sim,
    String(ctx.params.vncticket),
    ctx.auth.userid,
    `/vms/${vmid}`,
    port,
  );
  loadConsoleGuest(ctx, kind);
  return { port: String(port) };
}

const consolePerm = vmPerm(['VM.Console']);

export const consoleRoutes: RouteDef[] = (['qemu', 'lxc'] as const).flatMap(
  (kind): RouteDef[] => [
    {
      method: 'POST',
      path: `/nodes/{node}/${kind}/{vmid}/vncproxy`,
      permissions: consolePerm,
      handler: ctx => vncproxy(ctx, kind),
    },
    {
      method: 'GET',
      path: `/nodes/{node}/${kind}/{vmid}/vncwebsocket`,
      permissions: consolePerm,
      handler: ctx => vncwebsocket(ctx, kind),
    },
  ],
);
