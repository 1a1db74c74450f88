import {
  ApiBlueprint,
  PageBlueprint,
  PluginHeaderActionBlueprint,
  coreApis,
  createFrontendPlugin,
} from '@backstage/frontend-plugin-api';
import DnsIcon from '@material-ui/icons/Dns';
import { ProxmoxClient, proxmoxApiRef } from './api';
import { requestRouteRef, requestsRouteRef } from './routes';
import { formFieldExtensions } from './fields/extensions';
import { proxmoxPlansApi } from './fields/ProxmoxPlanReviewApi';
import { entityExtensions } from './entityExtensions';

/** `api:proxmox`: the backend client. */
export const proxmoxApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: proxmoxApiRef,
      deps: { fetchApi: coreApis.fetch },
      factory: ({ fetchApi }) => new ProxmoxClient({ fetchApi }),
    }),
});

/** `page:proxmox/requests`: the request lists; has the sidebar item. */
export const requestsPage = PageBlueprint.make({
  name: 'requests',
  params: {
    path: '/proxmox/requests',
    title: 'VM requests',
    icon: <DnsIcon fontSize="inherit" />,
    routeRef: requestsRouteRef,
    loader: () =>
      import('./components/RequestsPage/RequestsPage').then(m => (
        <m.RequestsPage />
      )),
  },
});

/** `page:proxmox/request`: one request (no sidebar item: no icon). */
export const requestPage = PageBlueprint.make({
  name: 'request',
  params: {
    path: '/proxmox/requests/:id',
    title: 'VM request',
    routeRef: requestRouteRef,
    loader: () =>
      import('./components/RequestPage/RequestPage').then(m => (
        <m.RequestPage />
      )),
  },
});

/**
 * `plugin-header-action:proxmox/awaiting-approval`: on the plugin's pages,
 * how many requests await the signed-in user's decision.
 */
export const awaitingApprovalAction = PluginHeaderActionBlueprint.make({
  name: 'awaiting-approval',
  params: {
    loader: () =>
      import('./components/AwaitingBadge/AwaitingBadge').then(m => (
        <m.AwaitingApprovalAction />
      )),
  },
});

/**
 * The MycoPod frontend: VM requests and approvals, scaffolder form fields,
 * live Proxmox cards and the Proxmox tab on catalog entities.
 */
export const proxmoxPlugin = createFrontendPlugin({
  pluginId: 'proxmox',
  title: 'Proxmox VMs',
  info: { packageJson: () => import('../package.json') },
  routes: {
    requests: requestsRouteRef,
    request: requestRouteRef,
  },
  extensions: [
    proxmoxApi,
    proxmoxPlansApi,
    requestsPage,
    requestPage,
    awaitingApprovalAction,
    ...formFieldExtensions,
    ...entityExtensions,
  ],
});
