/* Test helpers: a real Backstage test backend with the proxmox plugin, the
 * real permission backend and MycoPod policy, a real database and the PVE
 * simulator over HTTPS (see @mycopod/test-utils). */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  PERSONAS,
  startProxmoxStack,
  type Knex,
  type PersonaName,
  type Sent,
} from '@mycopod/test-utils';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import type { Server } from 'node:http';
import proxmoxPlugin from '../index';

export { labSpec, startSim, type Sent } from '@mycopod/test-utils';

/** The people of the authorization tests and their groups. */
export const USERS = PERSONAS;
export type UserName = PersonaName;

export const auth = {
  user: (name: UserName) => mockCredentials.user.header(USERS[name].ref),
  service: () =>
    mockCredentials.service.header({
      onBehalfOf: mockCredentials.service('plugin:catalog'),
      targetPluginId: 'proxmox',
    }),
  none: () => mockCredentials.none.header(),
};

export interface ProxmoxTestBackend {
  server: Server;
  /** Every log line of the backend. */
  logs: string[];
  backend: { stop(): Promise<void> };
  sent: Sent;
  auditEvents: any[];
}

export async function startProxmoxBackend(options: {
  knex: Knex;
  sim: RunningSimulator;
  proxmox?: Record<string, unknown>;
  executor?: Record<string, unknown>;
  /** Overrides of every cluster's config (e.g. a wrong token secret). */
  cluster?: Record<string, unknown>;
  /** More features (e.g. a `manualScheduler()` the test runs tasks with). */
  features?: Parameters<typeof startProxmoxStack>[0]['features'];
}): Promise<ProxmoxTestBackend> {
  const auditor = mockServices.auditor.mock();
  const auditEvents: any[] = [];
  auditor.createEvent.mockImplementation(async opts => {
    auditEvents.push(opts);
    return { success: async () => {}, fail: async () => {} };
  });
  const stack = await startProxmoxStack({
    ...options,
    features: [proxmoxPlugin, auditor.factory, ...(options.features ?? [])],
  });
  return { ...stack, auditEvents };
}
