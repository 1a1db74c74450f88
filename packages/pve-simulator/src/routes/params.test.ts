import path from 'node:path';
import { findPveSchemaMethod, PveParamSpec } from '../schema';
import { ALL_ROUTES } from '../simulator';
import {
  describeIfFile,
  readJson,
  sharedApiDir,
  suiteSimulator,
} from '../testUtils';
import { ROUTE_PARAMS } from './params';

const apidataFile = path.join(sharedApiDir(), 'apidata-pve8.4.json');
const subsetFile = path.join(sharedApiDir(), 'subset.json');

const COMPARED = [
  'type',
  'format',
  'enum',
  'optional',
  'minimum',
  'maximum',
  'pattern',
  'maxLength',
  'minLength',
  'requires',
  'default_key',
  'alias',
  'keyAlias',
] as const;

/** Differences of `ours` against the schema spec (empty = ours is a faithful subset). */
function specDiff(
  ours: PveParamSpec,
  theirs: PveParamSpec,
  where: string,
): string[] {
  const out: string[] = [];
  for (const k of COMPARED) {
    const a = ours[k];
    const b = theirs[k];
    if (k === 'format' && a && typeof a === 'object') {
      if (!b || typeof b !== 'object') {
        out.push(
          `${where}: format is an object but the schema's is ${JSON.stringify(
            b,
          )}`,
        );
        continue;
      }
      for (const [sub, s] of Object.entries(a)) {
        const t = (b as Record<string, PveParamSpec>)[sub];
        if (!t) out.push(`${where}.${sub}: not in the schema's format`);
        else out.push(...specDiff(s, t, `${where}.${sub}`));
      }
      continue;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      out.push(
        `${where}: ${k} ${JSON.stringify(a)} != schema ${JSON.stringify(b)}`,
      );
    }
  }
  return out;
}

describe('route table', () => {
  it('declares parameters for every route and nothing else', () => {
    const routes = ALL_ROUTES.map(r => `${r.method} ${r.path}`).sort();
    expect(new Set(routes).size).toBe(routes.length);
    expect(Object.keys(ROUTE_PARAMS).sort()).toEqual(routes);
  });
});

describeIfFile(apidataFile)('routes vs. the official PVE 8.4 schema', () => {
  let apidata: unknown;
  beforeAll(() => {
    apidata = readJson(apidataFile);
  });

  it.each(ALL_ROUTES.map(r => [`${r.method} ${r.path}`, r] as const))(
    '%s exists with matching params, permissions and proxyto',
    (key, route) => {
      const info = findPveSchemaMethod(apidata, route.method, route.path);
      expect(info).toBeDefined();
      // exact template, not a placeholder match
      const schemaProps = info!.parameters?.properties ?? {};
      const ours = ROUTE_PARAMS[key];
      const diffs: string[] = [];
      for (const [name, spec] of Object.entries(ours)) {
        const theirs = schemaProps[name];
        if (!theirs) diffs.push(`${name}: not in the schema`);
        else diffs.push(...specDiff(spec, theirs, name));
      }
      expect(diffs).toEqual([]);
      // every required schema parameter is declared
      const requiredMissing = Object.entries(schemaProps)
        .filter(([n, s]) => !s.optional && !(n in ours))
        .map(([n]) => n);
      expect(requiredMissing).toEqual([]);
      expect(info!.parameters?.additionalProperties ?? 0).toBe(0);
      expect(route.permissions).toEqual(
        Object.fromEntries(
          Object.entries(info!.permissions as object).filter(
            ([k]) => k !== 'description',
          ),
        ),
      );
      expect(route.proxyto ?? null).toBe(info!.proxyto ?? null);
    },
  );

  describeIfFile(subsetFile)('subset.json', () => {
    it('implements all 43 method/path pairs MycoPod uses', () => {
      const subset = readJson(subsetFile).endpoints as Record<
        string,
        Record<string, unknown>
      >;
      const pairs = Object.entries(subset).flatMap(([p, methods]) =>
        Object.keys(methods).map(m => `${m} ${p}`),
      );
      expect(pairs).toHaveLength(43);
      const ours = new Set(ALL_ROUTES.map(r => `${r.method} ${r.path}`));
      expect(pairs.filter(p => !ours.has(p))).toEqual([]);
    });
  });
});

describe('undeclared parameters over HTTPS', () => {
  const env = suiteSimulator();

  const fill = (p: string) =>
    p
      .replace('{node}', 'pve1')
      .replace('{vmid}', '100')
      .replace(
        '{upid}',
        encodeURIComponent(
          'UPID:pve1:00001234:00005678:5F000000:qmstart:100:root@pam:',
        ),
      )
      .replace('{snapname}', 's1')
      .replace('{group}', 'web')
      .replace('{poolid}', 'mycopod');

  it.each(ALL_ROUTES.map(r => [`${r.method} ${r.path}`, r] as const))(
    '%s rejects a parameter the schema lacks',
    async (_key, route) => {
      const url = fill(route.path);
      const res =
        route.method === 'POST' || route.method === 'PUT'
          ? await env.api.request(route.method, url, {
              form: { 'not-in-schema': 1 },
            })
          : await env.api.request(route.method, `${url}?not-in-schema=1`);
      expect(res.status).toBe(400);
      expect(res.reason).toBe('Parameter verification failed.');
      expect(res.body.errors['not-in-schema']).toBe(
        'property is not defined in schema and the schema does not allow additional properties',
      );
    },
  );
});
