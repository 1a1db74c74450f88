import { createRouteRef } from '@backstage/frontend-plugin-api';

/** `/proxmox/requests`: the request lists. */
export const requestsRouteRef = createRouteRef();

/** `/proxmox/requests/:id`: one request. */
export const requestRouteRef = createRouteRef({ params: ['id'] });
