/** Parameters of the console routes as the PVE 8.4 schema declares them. */
import type { PveParamSpec } from '../schema';

const NODE: PveParamSpec = { type: 'string', format: 'pve-node' };
const VMID: PveParamSpec = {
  type: 'integer',
  format: 'pve-vmid',
  minimum: 100,
  maximum: 999999999,
};
const OPT_BOOL: PveParamSpec = { type: 'boolean', optional: 1 };
const VNC_WEBSOCKET: Record<string, PveParamSpec> = {
  node: NODE,
  port: { type: 'integer', minimum: 5900, maximum: 5999 },
  vmid: VMID,
  vncticket: { type: 'string', maxLength: 512 },
};

export const CONSOLE_ROUTE_PARAMS: Record<
  string,
  Record<string, PveParamSpec>
> = {
  'POST /nodes/{node}/qemu/{vmid}/vncproxy': {
    'generate-password': { type: 'boolean', optional: 1, default: 0 },
    node: NODE,
    vmid: VMID,
    websocket: OPT_BOOL,
  },
  'GET /nodes/{node}/qemu/{vmid}/vncwebsocket': VNC_WEBSOCKET,
  'POST /nodes/{node}/lxc/{vmid}/vncproxy': {
    height: { type: 'integer', optional: 1, minimum: 16, maximum: 2160 },
    node: NODE,
    vmid: VMID,
    websocket: OPT_BOOL,
    width: { type: 'integer', optional: 1, minimum: 16, maximum: 4096 },
  },
  'GET /nodes/{node}/lxc/{vmid}/vncwebsocket': VNC_WEBSOCKET,
};
