import type { LoggerService } from '@backstage/backend-plugin-api';
import { Pool } from 'undici';
import type { ProxmoxClusterConfig } from './config';

/** Where the API lives for a configured URL. */
export interface ApiLocation {
  /** `https://host:port` */
  origin: string;
  /** Path prefix ending in `/api2/json` (no trailing slash). */
  basePath: string;
}

/**
 * Accepts `https://host:8006`, `https://host:8006/` or
 * `https://host:8006/api2/json` (and a reverse-proxy prefix before it).
 */
export function apiLocation(url: string): ApiLocation {
  const u = new URL(url);
  let path = u.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/api2/json')) path = `${path}/api2/json`;
  return { origin: u.origin, basePath: path };
}

/**
 * Creates the keep-alive connection pool of one cluster.
 *
 * - TLS is verified by default; `caCert` (PEM) replaces the default trust
 *   store for this cluster; `tlsVerify: false` disables verification and is
 *   logged as a warning.
 * - `connections` bounds concurrent sockets (pveproxy has 3 workers; excess
 *   requests queue in the pool instead of opening more sockets).
 * - Idle sockets are dropped after 4 s, before pveproxy's 5 s idle timeout,
 *   to avoid sending on a socket the server is closing.
 * - HTTP/1.1 only (PVE does not speak HTTP/2).
 *
 * @public
 */
export function createProxmoxPool(
  cluster: ProxmoxClusterConfig,
  logger?: LoggerService,
): Pool {
  const { origin } = apiLocation(cluster.url);
  if (!cluster.tlsVerify) {
    logger?.warn(
      `Proxmox cluster '${cluster.name}': TLS certificate verification is DISABLED (tlsVerify: false); ` +
        'the API token can be intercepted by anyone able to impersonate the server. ' +
        'Configure caCert instead.',
    );
  }
  return new Pool(origin, {
    connections: cluster.maxConnections,
    pipelining: 1,
    allowH2: false,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 4_000,
    headersTimeout: cluster.timeouts.requestMs,
    bodyTimeout: cluster.timeouts.requestMs,
    connect: {
      timeout: cluster.timeouts.connectMs,
      rejectUnauthorized: cluster.tlsVerify,
      ...(cluster.caCert && cluster.tlsVerify ? { ca: cluster.caCert } : {}),
    },
  });
}
