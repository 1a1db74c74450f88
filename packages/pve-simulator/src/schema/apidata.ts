import type { PveSchemaMethodInfo, PveSchemaNode } from './types';

function roots(apidata: unknown): PveSchemaNode[] {
  if (Array.isArray(apidata)) return apidata as PveSchemaNode[];
  if (apidata && typeof apidata === 'object' && 'path' in apidata) {
    return [apidata as PveSchemaNode];
  }
  return [];
}

function* walk(nodes: PveSchemaNode[]): Generator<PveSchemaNode> {
  for (const n of nodes) {
    yield n;
    if (n.children) yield* walk(n.children);
  }
}

const normalizePath = (p: string) => {
  const s = `/${p.replace(/^\/+|\/+$/g, '')}`;
  return s.replace(/^\/api2\/json(?=\/|$)/, '') || '/';
};

function templateMatches(template: string, concrete: string): boolean {
  const t = template.split('/');
  const c = concrete.split('/');
  if (t.length !== c.length) return false;
  return t.every(
    (seg, i) => seg === c[i] || (/^\{[^}]+\}$/.test(seg) && c[i] !== ''),
  );
}

/**
 * Walks the official PVE API schema tree (the parsed `apidata` array) and
 * returns the `info` object of `method` on `path`, or `undefined`.
 *
 * `path` may be a template exactly as in the schema
 * (`/nodes/{node}/qemu/{vmid}/config`) or a concrete path
 * (`/nodes/pve1/qemu/100/config`, optionally prefixed by `/api2/json`);
 * templates are preferred over placeholder matches.
 *
 * @public
 */
export function findPveSchemaMethod(
  apidata: unknown,
  method: string,
  path: string,
): PveSchemaMethodInfo | undefined {
  const m = method.toUpperCase();
  const p = normalizePath(path);
  let fallback: PveSchemaMethodInfo | undefined;
  for (const node of walk(roots(apidata))) {
    const info = node.info?.[m];
    if (!info) continue;
    if (node.path === p) return info;
    if (!fallback && templateMatches(node.path, p)) fallback = info;
  }
  return fallback;
}

/**
 * Lists every `METHOD /path/template` pair of the official schema tree.
 *
 * @public
 */
export function listPveSchemaMethods(
  apidata: unknown,
): Array<{ method: string; path: string; info: PveSchemaMethodInfo }> {
  const out: Array<{
    method: string;
    path: string;
    info: PveSchemaMethodInfo;
  }> = [];
  for (const node of walk(roots(apidata))) {
    for (const [method, info] of Object.entries(node.info ?? {})) {
      out.push({ method, path: node.path, info });
    }
  }
  return out;
}
