/* A real test backend for the actions: the proxmox plugin with the real
 * permission backend and the MycoPod policy, the PVE simulator over HTTPS
 * (see @mycopod/test-utils), and optionally the real scaffolder backend with
 * this module. */
import type { DiscoveryService } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderBackend from '@backstage/plugin-scaffolder-backend';
// A test needs the real proxmox backend to call; the module itself does not
// import it.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import proxmoxPlugin from '@mycopod/plugin-proxmox-backend';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import {
  PERSONAS,
  labSpec as sharedLabSpec,
  startProxmoxStack,
  startSim,
} from '@mycopod/test-utils';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import scaffolderModuleProxmox from '../index';

export { userTokenAuth } from '@mycopod/test-utils';

export const DEV = PERSONAS.dev.ref;
export const ADMIN = PERSONAS.admin.ref;

export interface ActionsTestBackend {
  server: Server;
  sim: RunningSimulator;
  /** Discovery of the running backend, for actions called directly. */
  discovery: DiscoveryService;
  stop(): Promise<void>;
}

/** A valid spec for the simulator's demo fleet (cluster `lab`), without tags. */
export function labSpec(over: Record<string, unknown> = {}) {
  const { tags: _tags, ...spec } = sharedLabSpec({
    justification: 'scaffolder test',
  });
  return { ...spec, ...over };
}

export async function startActionsBackend(
  options: {
    /** Also start the real scaffolder backend with this module. */
    scaffolder?: boolean;
    /** Extra config under `proxmox` (policy…). */
    proxmox?: Record<string, unknown>;
  } = {},
): Promise<ActionsTestBackend> {
  const sim = await startSim(3);
  const { backend, server } = await startProxmoxStack({
    sim,
    proxmox: options.proxmox,
    features: [
      proxmoxPlugin,
      ...(options.scaffolder
        ? [
            scaffolderBackend,
            scaffolderModuleProxmox,
            catalogServiceMock.factory({
              entities: [
                {
                  apiVersion: 'backstage.io/v1alpha1',
                  kind: 'User',
                  metadata: { name: 'dev', namespace: 'default' },
                  spec: { memberOf: ['group:default/team-a'] },
                },
              ],
            }),
          ]
        : []),
    ],
  });
  const port = (server.address() as AddressInfo).port;
  const base = `http://localhost:${port}/api`;
  return {
    server,
    sim,
    discovery: {
      getBaseUrl: async pluginId => `${base}/${pluginId}`,
      getExternalBaseUrl: async pluginId => `${base}/${pluginId}`,
    },
    async stop() {
      await backend.stop();
      await sim.stop();
    },
  };
}
