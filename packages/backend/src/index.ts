import { createBackend } from '@backstage/backend-defaults';
import { authModulePersonaProvider } from './modules/personaAuth';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);
// MycoPod scaffolder actions: proxmox:vm:request, proxmox:vm:await
backend.add(import('@mycopod/plugin-scaffolder-backend-module-proxmox'));

// auth, with the development-only demo personas
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(authModulePersonaProvider);

// catalog
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
// MycoPod: Proxmox clusters, nodes, guests, templates and security groups
backend.add(import('@mycopod/plugin-catalog-backend-module-proxmox'));

// permission
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('@mycopod/plugin-permission-backend-module-mycopod-policy'));

// search (in-memory engine) over the catalog
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));

backend.add(import('@backstage/plugin-user-settings-backend'));

// events across replicas (PostgreSQL), e.g. proxmox.guest.* for the catalog
backend.add(import('@backstage/plugin-events-backend'));

// MycoPod: VM requests, approvals and provisioning (/api/proxmox)
backend.add(import('@mycopod/plugin-proxmox-backend'));

// MCP: MycoPod's (and the catalog's and scaffolder's) actions as MCP tools
// at /api/mcp-actions/v1, as the signed-in user (backend.actions and
// auth.clientIdMetadataDocuments in app-config.yaml)
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// notifications and signals
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

backend.start().catch(error => {
  // A plugin or module that fails to start (for example the demo persona
  // sign-in under NODE_ENV=production) must stop the process, not leave a
  // half-started backend serving requests.
  console.error(`Backend failed to start: ${error}`);
  process.exit(1);
});
