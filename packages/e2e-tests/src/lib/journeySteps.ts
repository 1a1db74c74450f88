import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { type DatabaseKind, eventually, REPO_ROOT } from './backend';

/**
 * Where a run refreshes the README's walkthrough images (docs/walkthrough/):
 * with MYCOPOD_UPDATE_WALKTHROUGH=1, on SQLite only; otherwise nowhere, as
 * tests leave tracked files alone.
 */
export function walkthroughDir(
  database: DatabaseKind = 'sqlite',
): string | undefined {
  if (database !== 'sqlite' || process.env.MYCOPOD_UPDATE_WALKTHROUGH !== '1') {
    return undefined;
  }
  const dir = path.join(REPO_ROOT, 'docs/walkthrough');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

type Locator = ReturnType<Page['locator']>;

/**
 * Numbered screenshots of the steps into `dir`; with a walkthrough name,
 * and `walkthroughTo` given (see {@link walkthroughDir}), also that image.
 */
export function screenshots(dir: string, walkthroughTo?: string) {
  let step = 0;
  return async function shot(page: Page, name: string, walkthrough?: string) {
    step++;
    await page.screenshot({
      path: path.join(dir, `${String(step).padStart(2, '0')}-${name}.png`),
    });
    if (walkthrough && walkthroughTo) {
      await page.screenshot({
        path: path.join(walkthroughTo, `${walkthrough}.png`),
      });
    }
  };
}

/**
 * Runs a step; on failure leaves a screenshot of every open page into
 * `dir`.
 */
export function recorder(
  dir: string,
  pages: () => ReadonlyArray<readonly [string, Page | undefined]>,
) {
  return async function recording<T>(name: string, fn: () => Promise<T>) {
    try {
      return await fn();
    } catch (e) {
      for (const [who, page] of pages()) {
        if (page && !page.isClosed()) {
          await page
            .screenshot({
              path: path.join(dir, `failure-${name}-${who}.png`),
            })
            .catch(() => undefined);
        }
      }
      throw e;
    }
  };
}

/** Waits until the first element's attribute has the value. */
export async function expectAttribute(
  locator: Locator,
  name: string,
  value: string,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = null;
  for (;;) {
    last = await locator
      .first()
      .getAttribute(name, { timeout: 5_000 })
      .catch(() => null);
    if (last === value) return;
    if (Date.now() > deadline) {
      throw new Error(`${name} is ${last}, expected ${value}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
}

/** Waits until the first element's trimmed text is (or matches) expected. */
export async function expectText(
  locator: Locator,
  expected: string | RegExp,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = null;
  for (;;) {
    last = await locator
      .first()
      .textContent({ timeout: 5_000 })
      .catch(() => null);
    const text = last?.trim() ?? '';
    if (typeof expected === 'string' ? text === expected : expected.test(text))
      return;
    if (Date.now() > deadline) {
      throw new Error(`text is "${last}", expected ${expected}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
}

/** Marks the notification pop-ups read, which closes them. */
export async function dismissSnackbars(page: Page) {
  const buttons = page.getByRole('button', { name: 'mark as read' });
  for (let i = 0; i < 10 && (await buttons.count()) > 0; i++) {
    await buttons
      .first()
      .click({ timeout: 2_000 })
      .catch(() => undefined);
    await page.waitForTimeout(300);
  }
}

/** The request page's state. */
export const requestState = (page: Page) => page.getByTestId('request-state');

/** Create → the template's card → Choose: the template's form opens. */
export async function chooseTemplate(page: Page, title: string, name: string) {
  await page
    .getByRole('link', { name: /^Create/ })
    .first()
    .click();
  // the nearest card around the title (a section may hold several cards)
  const card = page
    .getByText(title, { exact: true })
    .first()
    .locator(
      'xpath=ancestor::*[self::article or contains(concat(" ", @class, " "), " MuiCard-root ")][1]',
    );
  await card.waitFor({ timeout: 30_000 });
  await card.getByRole('button', { name: 'Choose' }).click();
  await page.waitForURL(new RegExp(`/create/templates/default/${name}`));
}

/** Waits until the catalog has the entity (kind/default/name). */
export async function waitForCatalogEntity(
  baseUrl: string,
  token: string,
  kind: string,
  name: string,
  timeoutMs: number,
) {
  await eventually(async () => {
    const res = await fetch(
      `${baseUrl}/api/catalog/entities/by-name/${kind}/default/${name}`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    return res.ok ? true : undefined;
  }, timeoutMs);
}
