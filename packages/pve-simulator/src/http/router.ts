import type { RouteDef } from '../routes/types';

interface Compiled {
  route: RouteDef;
  re: RegExp;
  names: string[];
}

export interface RouteMatch {
  route: RouteDef;
  uriParams: Record<string, string>;
}

/** Matches `METHOD /path` against PVE-style templates (`{name}` = one segment). */
export class Router {
  private readonly byMethod = new Map<string, Compiled[]>();
  private readonly paths = new Set<string>();

  constructor(routes: RouteDef[]) {
    for (const route of routes) {
      const names: string[] = [];
      const src = route.path
        .split('/')
        .map(seg => {
          const m = /^\{([^}]+)\}$/.exec(seg);
          if (m) {
            names.push(m[1]);
            return '([^/]+)';
          }
          return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('/');
      const list = this.byMethod.get(route.method) ?? [];
      list.push({ route, re: new RegExp(`^${src}$`), names });
      this.byMethod.set(route.method, list);
      this.paths.add(route.path);
    }
    // literal segments win over placeholders (e.g. status/current vs a {snapname})
    for (const list of this.byMethod.values()) {
      list.sort((a, b) => a.names.length - b.names.length);
    }
  }

  match(method: string, path: string): RouteMatch | undefined {
    const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
    for (const c of this.byMethod.get(method) ?? []) {
      const m = c.re.exec(p);
      if (!m) continue;
      const uriParams: Record<string, string> = {};
      c.names.forEach((n, i) => {
        uriParams[n] = m[i + 1];
      });
      return { route: c.route, uriParams };
    }
    return undefined;
  }

  routes(): RouteDef[] {
    return [...this.byMethod.values()].flat().map(c => c.route);
  }
}
