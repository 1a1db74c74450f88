import fs from 'node:fs';
import path from 'node:path';

/** The monorepo root: the nearest ancestor whose package.json has workspaces. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      const json = JSON.parse(fs.readFileSync(pkg, 'utf8'));
      if (json.workspaces) return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('monorepo root not found');
    dir = parent;
  }
}

/**
 * The shared reference directory (`MYCOPOD_SHARED_DIR` or `<repo>/../shared`),
 * or undefined (with a console warning naming the caller) when it is absent.
 * With `CI` set a missing directory is an error: the suites relying on it
 * must fail, not silently skip.
 */
export function sharedDir(who: string): string | undefined {
  const dir =
    process.env.MYCOPOD_SHARED_DIR ?? path.resolve(repoRoot(), '../shared');
  if (!fs.existsSync(path.join(dir, 'pve-api'))) {
    if (process.env.CI) {
      throw new Error(
        `${who}: shared reference directory ${dir} not found (set MYCOPOD_SHARED_DIR); required when CI is set`,
      );
    }
    // eslint-disable-next-line no-console
    console.warn(
      `${who}: shared reference directory ${dir} not found (set MYCOPOD_SHARED_DIR); skipping`,
    );
    return undefined;
  }
  return dir;
}

/** Reads `response_body` of a JSON sample under shared/pve-api/samples. */
export function readSample(dir: string, name: string): any {
  const file = path.join(dir, 'pve-api', 'samples', name);
  return JSON.parse(fs.readFileSync(file, 'utf8')).response_body;
}
