import type { AuthInfo, SimContext } from '../context';
import type { ClusterState } from '../state/types';

export type PermCheck = ReadonlyArray<unknown>;

export interface RoutePermissions {
  user?: 'all' | 'world';
  check?: PermCheck;
}

export interface RouteCtx {
  sim: SimContext;
  cluster: ClusterState;
  /** validated parameters (URI + query + body) */
  params: Record<string, unknown>;
  auth: AuthInfo;
  /** extra top-level response attributes (`total`) */
  attrib: { total?: number };
}

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** template as in the PVE schema, e.g. `/nodes/{node}/qemu/{vmid}/config` */
  path: string;
  /** the schema's `permissions` object */
  permissions: RoutePermissions;
  /** `proxyto: node` in the schema: answered by the node itself (595 when it is offline) */
  proxyto?: 'node';
  /** no authentication needed (POST /access/ticket) */
  noAuth?: boolean;
  handler(ctx: RouteCtx): unknown;
}

export const boolString = (v: unknown): string => {
  if (v === true) return '1';
  if (v === false) return '0';
  return String(v);
};

/** Parameter access helpers (values are strings from forms or JSON values). */
export const P = {
  str(params: Record<string, unknown>, key: string): string | undefined {
    const v = params[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : String(v);
  },
  int(params: Record<string, unknown>, key: string): number | undefined {
    const v = params[key];
    if (v === undefined || v === null || v === '') return undefined;
    return Number(v);
  },
  bool(params: Record<string, unknown>, key: string): boolean | undefined {
    const v = params[key];
    if (v === undefined || v === null) return undefined;
    return v === true || v === 1 || v === '1';
  },
};
