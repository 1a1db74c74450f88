import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  InventoryCluster,
  ProxmoxInventory,
} from '@mycopod/plugin-proxmox-common';

export type InventoryRead =
  | { status: 'not-modified' }
  | { status: 'ok'; cluster?: InventoryCluster; etag?: string };

/**
 * Reads one cluster of the proxmox-backend inventory
 * (`GET /api/proxmox/inventory?cluster=<name>`) as the catalog's service
 * principal, with `If-None-Match`. A backend that ignores `?cluster=`
 * answers every cluster; the wanted one is picked by name.
 */
export class InventoryReader {
  constructor(
    private readonly deps: {
      discovery: DiscoveryService;
      auth: AuthService;
      timeoutMs?: number;
    },
  ) {}

  async read(cluster: string, etag?: string): Promise<InventoryRead> {
    const { discovery, auth } = this.deps;
    const baseUrl = await discovery.getBaseUrl('proxmox');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'proxmox',
    });
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
    };
    if (etag) headers['If-None-Match'] = etag;
    const res = await fetch(
      `${baseUrl}/inventory?cluster=${encodeURIComponent(cluster)}`,
      {
        headers,
        signal: AbortSignal.timeout(this.deps.timeoutMs ?? 60_000),
      },
    );
    if (res.status === 304) return { status: 'not-modified' };
    if (!res.ok) throw await ResponseError.fromResponse(res);
    const body = (await res.json()) as ProxmoxInventory;
    return {
      status: 'ok',
      cluster: body.clusters?.find(c => c.name === cluster),
      etag: res.headers.get('etag') ?? undefined,
    };
  }
}
