import type {
  AuditorService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  CONSOLE_SOCKET_PATH,
  type ConsoleTicket,
  guestEntityRef,
  proxmoxGuestConsolePermission,
} from '@mycopod/plugin-proxmox-common';
import type { ProxmoxClusters } from '@mycopod/plugin-proxmox-node';
import type express from 'express';
import { z } from 'zod';
import { proxmoxRefusal } from '../guests/proxmoxRefusal';
import { describeFailure } from '../inventory/describeFailure';
import type { InventoryService } from '../inventory/InventoryService';
import { guestParamsSchema } from '../router/liveRoutes';
import { parseInput } from '../router/validation';
import type { ConsoleConfig } from './config';
import type { ConsoleTicketStore } from './ConsoleTicketStore';
import { guestPowerState } from './guestState';

export interface ConsoleRoutesDeps {
  tickets: ConsoleTicketStore;
  config: ConsoleConfig;
  clusters: ProxmoxClusters;
  inventory: Pick<InventoryService, 'clusterSnapshot'>;
  permissions: PermissionsService;
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  /** The per-user limit of immediate actions (src/ratelimit). */
  rateLimit?: express.RequestHandler;
}

const noQuery = z.strictObject({});
const noBody = z.strictObject({});

/**
 * `POST /guests/:cluster/:vmid/console` → 201 {@link ConsoleTicket}: a
 * one-time ticket, bound to the caller and the guest, for the console
 * WebSocket (`proxmox.guest.console` on the guest's entity ref; users
 * only). 404 for an unknown guest, 409 for a template or a guest that is
 * not running.
 */
export function addConsoleRoutes(
  router: express.Router,
  deps: ConsoleRoutesDeps,
): void {
  const limit: express.RequestHandler =
    deps.rateLimit ?? ((_req, _res, next) => next());

  router.post('/guests/:cluster/:vmid/console', limit, async (req, res) => {
    const credentials = await deps.httpAuth.credentials(req, {
      allow: ['user'],
    });
    const { cluster, vmid } = parseInput(guestParamsSchema, req.params);
    parseInput(noQuery, req.query);
    parseInput(noBody, req.body ?? {});
    const name = `${cluster}/${vmid}`;
    const [decision] = await deps.permissions.authorize(
      [
        {
          permission: proxmoxGuestConsolePermission,
          resourceRef: guestEntityRef(cluster, vmid),
        },
      ],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not open the console of guest ${name}`,
      );
    }

    let snapshot;
    try {
      snapshot = await deps.inventory.clusterSnapshot(cluster);
    } catch (e) {
      if (e instanceof NotFoundError) throw e;
      throw new ServiceUnavailableError(
        `Could not read the Proxmox cluster '${cluster}': ${describeFailure(
          e,
        )}`,
      );
    }
    const g = snapshot.guests.find(x => x.vmid === vmid);
    if (!g) throw new NotFoundError(`No guest ${vmid} in cluster '${cluster}'`);
    if (g.template) {
      throw new ConflictError(`Guest ${name} is a template: it has no console`);
    }
    const type = g.type === 'lxc' ? 'lxc' : 'qemu';
    let state: string | undefined;
    try {
      state = await guestPowerState(deps.clusters, {
        cluster,
        node: g.node,
        vmid,
        type,
      });
    } catch (e) {
      throw proxmoxRefusal(e, `Could not read the state of guest ${name}`);
    }
    if (state === undefined) {
      throw new NotFoundError(`No guest ${vmid} in cluster '${cluster}'`);
    }
    if (state !== 'running') {
      throw new ConflictError(
        `Guest ${name} is not running (${state}): start it to use its console`,
      );
    }

    const userRef = credentials.principal.userEntityRef;
    const binding = {
      userRef,
      cluster,
      vmid,
      node: g.node,
      type,
      ...(g.name ? { name: g.name } : {}),
    } as const;
    const { ticket, expiresAt } = await deps.tickets.issue(
      binding,
      deps.config.ticketTtlMs,
    );
    await deps.auditor
      .createEvent({
        eventId: 'proxmox-console-ticket',
        severityLevel: 'low',
        request: req,
        meta: { actor: userRef, cluster, vmid, node: g.node, guestType: type },
      })
      .then(e => e.success());
    const body: ConsoleTicket = {
      ticket,
      expiresAt: new Date(expiresAt).toISOString(),
      socketPath: CONSOLE_SOCKET_PATH,
      guest: {
        cluster,
        vmid,
        node: g.node,
        type,
        ...(g.name ? { name: g.name } : {}),
      },
      idleTimeoutMs: deps.config.idleTimeoutMs,
      maxSessionMs: deps.config.maxSessionMs,
    };
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(body);
  });
}
