import type {
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { optionsQuerySchema } from '@mycopod/plugin-proxmox-common';
import type express from 'express';
import type { IpPoolChoices } from '../ipam/ipPoolChoices';
import type {
  InventoryService,
  OptionsQuery,
} from '../inventory/InventoryService';
import { parseInput } from './validation';

/** What the policy lets a user choose from (allow lists, sizes, lease, limits). */
export type PolicyChoices = (
  credentials: BackstageCredentials,
  owner?: string,
) => Promise<Omit<OptionsQuery, 'cluster'>>;

export interface InventoryRoutesDeps {
  inventory: InventoryService;
  httpAuth: HttpAuthService;
  policyChoices: PolicyChoices;
  /** The IP pools the owner group may use, with free counts (src/ipam). */
  ipPoolChoices?: IpPoolChoices;
}

/** `GET /inventory` query: `?cluster=<name>` for one cluster. */
const inventoryQuerySchema = optionsQuerySchema.pick({ cluster: true });

/** Parses a weak ETag list of `If-None-Match` and checks it for `etag`. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header
    .split(',')
    .map(t => t.trim().replace(/^W\//, ''))
    .includes(etag);
}

/**
 * `GET /options` (users: what they may choose from for a new VM) and
 * `GET /inventory` (services such as the catalog module: every cluster's,
 * or with `?cluster=` one cluster's, nodes, templates, guests, unparsed
 * guests and firewall groups, with an ETag).
 */
export function addInventoryRoutes(
  router: express.Router,
  deps: InventoryRoutesDeps,
): void {
  const { inventory, httpAuth, policyChoices } = deps;

  router.get('/options', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    // an InputError (400) listing every invalid field, e.g. `cluster: must be a cluster name`
    const { cluster, owner } = parseInput(optionsQuerySchema, req.query);
    const choices = await policyChoices(credentials, owner);
    const options = await inventory.getOptions({ ...choices, cluster });
    const ipPools = await deps.ipPoolChoices?.(credentials, owner, options);
    res.setHeader('Cache-Control', 'no-store');
    res.json(ipPools ? { ...options, ipPools } : options);
  });

  router.get('/inventory', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['service'] });
    const { cluster } = parseInput(inventoryQuerySchema, req.query);
    // `?cluster=` answers that cluster alone, with its own hash and ETag
    const inv = await inventory.getInventory(cluster);
    const etag = `"${inv.hash}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'no-cache');
    if (matchesEtag(req.header('if-none-match'), etag)) {
      res.status(304).end();
      return;
    }
    res.json(inv);
  });
}
