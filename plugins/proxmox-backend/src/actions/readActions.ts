import type {
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import {
  guestEntityRef,
  optionsQuerySchema,
  requestIdSchema,
} from '@mycopod/plugin-proxmox-common';
import type { z as zodV3 } from 'zod/v3';
import type { GuestAbilities } from '../drafts/guestAbilities';
import { allowedGuestActions, authorizeGuest } from '../guests/allowedActions';
import type { InventoryService } from '../inventory/InventoryService';
import type { LiveService } from '../inventory/LiveService';
import type { PolicyChoices } from '../router/inventoryRoutes';
import { guestParamsSchema } from '../router/liveRoutes';
import { parseInput } from '../router/validation';
import type { RequestService } from '../service/RequestService';
import { actionCaller, asActionError } from './caller';

type Zod = typeof zodV3;

/** A JSON object of the API, as an action's output. */
const anyObject = (z: Zod) => z.object({}).passthrough();

/**
 * The read-only MycoPod actions for agents, each as the calling user with
 * the same permission checks as the REST API: `proxmox:list-my-guests`,
 * `proxmox:get-guest`, `proxmox:list-options`, `proxmox:get-request`.
 */
export function registerReadActions(options: {
  actionsRegistry: ActionsRegistryService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
  inventory: InventoryService;
  live: LiveService;
  policyChoices: PolicyChoices;
  guestAbilities: GuestAbilities;
  requests: RequestService;
}) {
  const { actionsRegistry, userInfo } = options;

  actionsRegistry.register({
    name: 'list-my-guests',
    title: "List the user's Proxmox guests",
    description:
      "The VMs and containers owned by the user's groups (guests MycoPod created for them), with what the user may do on each: resize, decommission, extend-lease (requests), power, snapshot (immediate actions). Use the names with draft-plan.",
    attributes: { readOnly: true, idempotent: true },
    schema: {
      input: z =>
        z.object({
          cluster: z
            .string()
            .optional()
            .describe('Only this cluster (all clusters when left out)'),
        }),
      output: z =>
        z.object({
          guests: z.array(
            z.object({
              name: z.string().optional(),
              cluster: z.string(),
              vmid: z.number(),
              node: z.string(),
              type: z.enum(['qemu', 'lxc']),
              owner: z.string().optional(),
              entityRef: z.string(),
              cores: z.number().optional(),
              memoryMiB: z.number().optional(),
              diskGiB: z.number().optional(),
              leaseEndsAt: z.string().optional(),
              allowedOperations: z.array(z.string()),
            }),
          ),
          unreadableClusters: z.array(z.string()),
        }),
    },
    action: async ({ input, credentials }) =>
      asActionError(async () => {
        const caller = await actionCaller(userInfo, credentials);
        const { cluster } = parseInput(
          optionsQuerySchema.pick({ cluster: true }),
          input,
        );
        const inventory = await options.inventory.getInventory(cluster);
        const mine = inventory.clusters.flatMap(c =>
          c.guests
            .filter(g => g.owner && caller.ownership.includes(g.owner))
            .map(g => ({ cluster: c.name, g })),
        );
        const abilities = await options.guestAbilities(
          caller.credentials,
          mine.map(({ cluster: name, g }) => ({
            cluster: name,
            vmid: g.vmid,
            owner: g.owner,
            requestId: g.requestId,
          })),
        );
        return {
          output: {
            guests: mine.map(({ cluster: name, g }, i) => ({
              ...(g.name ? { name: g.name } : {}),
              cluster: name,
              vmid: g.vmid,
              node: g.node,
              type: g.type,
              ...(g.owner ? { owner: g.owner } : {}),
              entityRef: guestEntityRef(name, g.vmid),
              ...(g.maxcpu !== undefined ? { cores: g.maxcpu } : {}),
              ...(g.maxmemMiB !== undefined ? { memoryMiB: g.maxmemMiB } : {}),
              ...(g.maxdiskGiB !== undefined ? { diskGiB: g.maxdiskGiB } : {}),
              ...(g.leaseEndsAt ? { leaseEndsAt: g.leaseEndsAt } : {}),
              allowedOperations: [...abilities[i]],
            })),
            unreadableClusters: inventory.clusters
              .filter(c => c.error)
              .map(c => c.name),
          },
        };
      }),
  });

  actionsRegistry.register({
    name: 'get-guest',
    title: 'Get the live status of a Proxmox guest',
    description:
      'Live facts of one VM or container (status, node, size, IP addresses, lease, drift, open requests) and the actions the user may take on it. Needs the proxmox.guest.read permission on it.',
    attributes: { readOnly: true, idempotent: true },
    schema: {
      input: z =>
        z.object({
          cluster: z.string().describe('The Proxmox cluster'),
          vmid: z.number().int().describe('The VMID'),
        }),
      output: anyObject,
    },
    action: async ({ input, credentials }) =>
      asActionError(async () => {
        const caller = await actionCaller(userInfo, credentials);
        const { cluster, vmid } = parseInput(guestParamsSchema, {
          cluster: input.cluster,
          vmid: String(input.vmid),
        });
        const grants = await authorizeGuest(
          options.permissions,
          caller.credentials,
          cluster,
          vmid,
        );
        const status = await options.live.guest(cluster, vmid);
        return {
          output: {
            ...status,
            allowedActions: allowedGuestActions(grants, status),
          },
        };
      }),
  });

  actionsRegistry.register({
    name: 'list-options',
    title: 'List what the user may choose for a new VM',
    description:
      'The choices of a cluster the policy allows the user (or an owner group): clusters, templates with disk sizes, nodes with free capacity, storages, bridges, SDN vnets, security groups, size presets, lease default and maximum, per-VM limits.',
    attributes: { readOnly: true, idempotent: true },
    schema: {
      input: z =>
        z.object({
          cluster: z
            .string()
            .optional()
            .describe('The cluster (the default cluster when left out)'),
          owner: z
            .string()
            .optional()
            .describe('An owner group ref, e.g. group:default/team-a'),
        }),
      output: anyObject,
    },
    action: async ({ input, credentials }) =>
      asActionError(async () => {
        const caller = await actionCaller(userInfo, credentials);
        const { cluster, owner } = parseInput(optionsQuerySchema, input);
        const choices = await options.policyChoices(caller.credentials, owner);
        return {
          output: {
            ...(await options.inventory.getOptions({ ...choices, cluster })),
          },
        };
      }),
  });

  actionsRegistry.register({
    name: 'get-request',
    title: 'Get a MycoPod request',
    description:
      'One VM request (create, resize, decommission, extend-lease, reconcile): its state (draft, pending, approved, provisioning, ready, …), spec or change, policy findings, history, provisioning progress, and what the user may do with it. Requests the user may not read are not found.',
    attributes: { readOnly: true, idempotent: true },
    schema: {
      input: z => z.object({ id: z.string().describe('The request id') }),
      output: anyObject,
    },
    action: async ({ input, credentials }) =>
      asActionError(async () => {
        const caller = await actionCaller(userInfo, credentials);
        const id = parseInput(requestIdSchema, input.id, 'id');
        const request = await options.requests.get(id, caller);
        return {
          output: { ...request, url: `/proxmox/requests/${request.id}` },
        };
      }),
  });
}
