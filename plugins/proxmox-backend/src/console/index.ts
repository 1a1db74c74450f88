/**
 * The in-browser console (issue 11): a one-time ticket route and the
 * WebSocket that relays a guest's VNC console from Proxmox (see README
 * "Console").
 */
import type {
  AuditorService,
  HttpAuthService,
  HttpRouterService,
  LifecycleService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { CONSOLE_SOCKET_PATH } from '@mycopod/plugin-proxmox-common';
import type { ProxmoxClusters } from '@mycopod/plugin-proxmox-node';
import type express from 'express';
import type { Knex } from 'knex';
import type { InventoryService } from '../inventory/InventoryService';
import { readConsoleConfig } from './config';
import { addConsoleRoutes } from './consoleRoutes';
import { ConsoleSockets } from './consoleSocket';
import { ConsoleTicketStore } from './ConsoleTicketStore';

export { readConsoleConfig, DEFAULT_CONSOLE_CONFIG } from './config';
export type { ConsoleConfig } from './config';

export interface ConsoleOptions {
  config: Config;
  knex: Knex;
  clusters: ProxmoxClusters;
  inventory: Pick<InventoryService, 'clusterSnapshot'>;
  permissions: PermissionsService;
  httpAuth: HttpAuthService;
  httpRouter: HttpRouterService;
  auditor: AuditorService;
  logger: LoggerService;
  lifecycle: LifecycleService;
}

/** The origins of the app and the backend (where the portal runs). */
function portalOrigins(config: Config): Set<string> {
  const out = new Set<string>();
  for (const key of ['app.baseUrl', 'backend.baseUrl']) {
    const url = config.getOptionalString(key);
    if (url) out.add(new URL(url).origin);
  }
  return out;
}

/**
 * Sets up the console unless `proxmox.console.enabled` is false: registers
 * the WebSocket at {@link CONSOLE_SOCKET_PATH} on the plugin's HTTP router
 * (no second port) and closes open sessions on shutdown. Returns what adds
 * the ticket route to the plugin's router.
 */
export function setUpConsole(options: ConsoleOptions): {
  addRoutes(
    router: express.Router,
    extra?: { rateLimit?: express.RequestHandler },
  ): void;
} {
  const config = readConsoleConfig(options.config);
  if (!config.enabled) {
    options.logger.info(
      'The in-browser console is off (proxmox.console.enabled: false)',
    );
    return { addRoutes: () => undefined };
  }
  const tickets = new ConsoleTicketStore(options.knex);
  const logger = options.logger.child({ component: 'console' });
  const sockets = new ConsoleSockets({
    tickets,
    allowedOrigins: portalOrigins(options.config),
    clusters: options.clusters,
    auditor: options.auditor,
    logger,
    config,
  });
  options.httpRouter.addWebSocketHandler({
    path: CONSOLE_SOCKET_PATH,
    authPolicy: 'unauthenticated',
    handler: sockets.handle,
  });
  options.lifecycle.addShutdownHook(() => sockets.closeAll());
  return {
    addRoutes: (router, extra) =>
      addConsoleRoutes(router, {
        tickets,
        config,
        clusters: options.clusters,
        inventory: options.inventory,
        permissions: options.permissions,
        httpAuth: options.httpAuth,
        auditor: options.auditor,
        rateLimit: extra?.rateLimit,
      }),
  };
}
