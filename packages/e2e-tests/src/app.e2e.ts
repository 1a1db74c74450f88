import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import {
  ARTIFACTS_DIR,
  eventually,
  RunningBackend,
  signIn,
  startBackend,
} from './lib/backend';
import { APP_DIST, CHROMIUM, launchBrowser } from './lib/browser';

describe('demo app in a real browser', () => {
  let backend: RunningBackend;
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(APP_DIST)) {
      throw new Error(
        'packages/app/dist is missing: build the app first (yarn workspace app build); scripts/test.sh does this',
      );
    }
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does this)`,
      );
    }
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    // The backend's app plugin serves the built frontend on the same origin.
    backend = await startBackend({ database: 'sqlite' });
    // Persona sign-in resolves the catalog user: wait for the first ingestion.
    await eventually(() => signIn(backend.baseUrl, 'dev'));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await backend?.stop();
  });

  it.each([
    ['Developer', 'dev', 'Dana Developer', 'team-a'],
    ['Admin', 'admin', 'Alex Admin', 'platform-admins'],
  ])(
    'signs in as %s and sees the catalog',
    async (title, persona, displayName, group) => {
      const context = await browser.newContext({
        viewport: { width: 1400, height: 900 },
      });
      const page = await context.newPage();
      try {
        await page.goto(backend.baseUrl);
        await page.getByRole('button', { name: `Sign in as ${title}` }).click();

        // The catalog is the landing page and lists this repository's component.
        await page
          .getByRole('link', { name: 'MycoPod', exact: true })
          .first()
          .waitFor({ timeout: 60_000 });
        await page.screenshot({
          path: path.join(ARTIFACTS_DIR, `catalog-${persona}.png`),
        });

        // The token the app holds is the persona's own Backstage token.
        const identity = await page.evaluate(async () => {
          const res = await fetch('/api/auth/persona/refresh', {
            headers: {
              'x-mycopod-persona':
                window.localStorage.getItem('mycopod.persona') ?? '',
              'x-requested-with': 'XMLHttpRequest',
            },
          });
          return (await res.json()).backstageIdentity.identity.userEntityRef;
        });
        expect(identity).toBe(`user:default/${persona}`);

        await page.goto(`${backend.baseUrl}/settings`);
        // The settings page shows the identity from the token: user and group.
        await page
          .getByRole('link', { name: displayName })
          .first()
          .waitFor({ timeout: 30_000 });
        await page
          .getByRole('link', { name: group, exact: true })
          .first()
          .waitFor();
        await page.screenshot({
          path: path.join(ARTIFACTS_DIR, `settings-${persona}.png`),
        });
      } catch (e) {
        await page.screenshot({
          path: path.join(ARTIFACTS_DIR, `failure-${persona}.png`),
        });
        throw e;
      } finally {
        await context.close();
      }
    },
  );
});
