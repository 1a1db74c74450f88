import fs from 'node:fs';
import path from 'node:path';
import { chromium, Browser, BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from './backend';

/** The Chromium the tests drive (apt-get install chromium). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The built app the backend serves (yarn workspace app build). */
export const APP_DIST = path.join(REPO_ROOT, 'packages/app/dist/index.html');

/** Headless Chromium with the flags the tests use everywhere. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * A new context signed in as a persona: its page waits on the catalog, the
 * landing page.
 */
export async function signInAs(
  browser: Browser,
  baseUrl: string,
  title: 'Developer' | 'Admin',
  viewport: { width: number; height: number },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(baseUrl);
  await page.getByRole('button', { name: `Sign in as ${title}` }).click();
  // The catalog is the landing page.
  await page
    .getByRole('link', { name: 'MycoPod', exact: true })
    .first()
    .waitFor({ timeout: 60_000 });
  return { context, page };
}

/**
 * Checks what a browser test needs (the built app, Chromium) and empties
 * its screenshot folder `shots`.
 */
export function prepareBrowserRun(shots: string) {
  if (!fs.existsSync(APP_DIST)) {
    throw new Error(
      'packages/app/dist is missing: build the app first (yarn workspace app build); scripts/test.sh does this',
    );
  }
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  }
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
}
