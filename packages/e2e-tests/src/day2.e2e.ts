/*
 * Day 2 in a real browser, on every database: the demo backend process
 * serving the built app, the PVE simulator behind it.
 *
 * A VM of team-a exists (filed by dev, approved by admin over the API).
 * Dev opens its Proxmox tab, stops it (after the confirmation) and starts it
 * again, following each task live; takes a snapshot and rolls back to it;
 * requests a resize (more memory, a bigger disk: the filed request says a
 * reboot applies the memory) and the admin approves it: the disk grows at
 * once, the memory after dev reboots the VM. Dev then requests the
 * decommission, the admin approves it, the request page shows stop →
 * destroy → release, and the VM's entity leaves the catalog.
 *
 * Screenshots of every step go to artifacts/day2/<database>/. With
 * MYCOPOD_UPDATE_WALKTHROUGH=1 the SQLite run also refreshes the README's
 * day-2 walkthrough images in docs/walkthrough/ (tests leave tracked files
 * alone otherwise).
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningSimulator } from '@mycopod/pve-simulator';
import {
  ARTIFACTS_DIR,
  databases,
  eventually,
  RunningBackend,
  signIn,
  startBackend,
} from './lib/backend';
import { launchBrowser, prepareBrowserRun, signInAs } from './lib/browser';
import {
  dismissSnackbars,
  expectAttribute,
  expectText,
  recorder,
  requestState as state,
  screenshots,
  waitForCatalogEntity,
  walkthroughDir,
} from './lib/journeySteps';
import {
  approveUntilReady,
  labVmSpec,
  provisionOverApi,
} from './lib/requestSteps';
import {
  QUICK_EXECUTOR,
  proxmoxApi as api,
  simulatorClusterConfig,
  startDemoSimulator,
} from './lib/simulator';

jest.setTimeout(240_000);

const VIEWPORT = { width: 1280, height: 1000 };

type Locator = ReturnType<Page['locator']>;

/**
 * Presses what `act` presses in `card` and waits for the task it starts
 * (a new UPID in the card's progress) to end ok.
 */
async function runTask(
  card: Locator,
  act: () => Promise<void>,
  timeoutMs = 30_000,
): Promise<string> {
  const progress = card.getByTestId('guest-task');
  const before =
    (await progress.count()) > 0
      ? await progress.first().getAttribute('data-upid')
      : null;
  await act();
  const upid = await eventually(async () => {
    const now = await progress.first().getAttribute('data-upid', {
      timeout: 1_000,
    });
    return now && now !== before ? now : undefined;
  }, timeoutMs);
  await expectAttribute(progress, 'data-status', 'ok', timeoutMs);
  return upid;
}

describe.each(databases)('day-2 operations on %s', database => {
  const shots = path.join(ARTIFACTS_DIR, 'day2', database);
  const vmName = 'day2-web-01';
  let sim: RunningSimulator | undefined;
  let backend: RunningBackend | undefined;
  let browser: Browser | undefined;
  let devToken: string;
  let adminToken: string;
  let devContext: BrowserContext;
  let adminContext: BrowserContext;
  let dev: Page;
  let admin: Page;
  let vmid = 0;
  let entityName = '';
  let startedAt = 0;

  const shot = screenshots(shots, walkthroughDir(database));
  const recording = recorder(shots, () => [
    ['dev', dev],
    ['admin', admin],
  ]);
  const needVm = () => {
    if (!vmid) throw new Error('no VM: creating it failed');
  };
  const base = () => backend!.baseUrl;
  const tabPath = () => `/catalog/default/resource/${entityName}/proxmox`;
  const liveGuest = async () =>
    (await api(base(), devToken, 'GET', `/guests/lab/${vmid}`)).body;

  /** The admin approves a request on its page; it ends ready. */
  const adminApproves = (requestId: string, comment: string) =>
    approveUntilReady(
      admin,
      `${base()}/proxmox/requests/${requestId}`,
      comment,
    );

  /** Dev opens the request a dialog filed, from its link; returns its id. */
  async function openFiledRequest(page: Page): Promise<string> {
    const filed = page.getByTestId('filed-request');
    await filed.getByRole('link', { name: 'Open the request' }).click();
    await page.waitForURL(/\/proxmox\/requests\/[0-9a-f-]{36}$/);
    await expectText(state(page), 'pending');
    return new URL(page.url()).pathname.split('/').pop()!;
  }

  beforeAll(async () => {
    startedAt = Date.now();
    prepareBrowserRun(shots);

    sim = await startDemoSimulator(12);
    backend = await startBackend({
      database,
      readyTimeoutMs: 150_000,
      logFile: path.join(shots, 'backend.log'),
      config: {
        proxmox: {
          clusters: simulatorClusterConfig(sim),
          executor: QUICK_EXECUTOR,
        },
      },
    });
    devToken = (await eventually(() => signIn(base(), 'dev'))).token;
    adminToken = (await eventually(() => signIn(base(), 'admin'))).token;

    // The VM of team-a that the day-2 steps act on: filed and approved over
    // the API (the portal journey covers doing that in the browser).
    const ready = await provisionOverApi({
      baseUrl: base(),
      devToken,
      adminToken,
      spec: labVmSpec(vmName, { justification: 'Day-2 walkthrough' }),
      comment: 'for the day-2 test',
      timeoutMs: 90_000,
    });
    vmid = ready.guest.vmid;
    entityName = `lab-${vmid}`;
    await waitForCatalogEntity(
      base(),
      devToken,
      'resource',
      entityName,
      60_000,
    );
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await devContext?.close().catch(() => undefined);
    await adminContext?.close().catch(() => undefined);
    await browser?.close();
    await backend?.stop();
    await sim?.stop();
    // eslint-disable-next-line no-console
    console.log(
      `day-2 on ${database}: ${((Date.now() - startedAt) / 1000).toFixed(
        1,
      )} s, backend start and teardown included`,
    );
  });

  it('dev stops the VM after a confirmation and starts it again from its Proxmox tab, live', async () => {
    needVm();
    ({ context: devContext, page: dev } = await signInAs(
      browser!,
      base(),
      'Developer',
      VIEWPORT,
    ));
    const page = dev;
    await recording('power', async () => {
      await page.goto(`${base()}${tabPath()}`);
      const power = page.getByTestId('guest-power-state');
      await expectText(power, 'running', 30_000);
      const card = page.getByTestId('guest-power');
      const stop = card.getByRole('button', { name: 'Stop', exact: true });
      await page.getByTestId('console-link').waitFor();
      await dismissSnackbars(page);
      await shot(page, 'proxmox-tab', 'day2-tab');

      await runTask(card, async () => {
        await stop.click();
        const dialog = page.getByRole('dialog');
        await dialog.getByText('like pulling the plug').waitFor();
        await shot(page, 'stop-confirmation');
        await dialog.getByRole('button', { name: 'Stop now' }).click();
        await dialog.waitFor({ state: 'hidden' });
      });
      await expectText(power, 'stopped', 30_000);
      expect((await liveGuest()).status).toBe('stopped');
      await shot(page, 'stopped');

      await runTask(card, () =>
        card.getByRole('button', { name: 'Start', exact: true }).click(),
      );
      await expectText(power, 'running', 30_000);
      expect((await liveGuest()).status).toBe('running');
      await shot(page, 'started');
    });
  });

  it('dev takes a snapshot and rolls back to it', async () => {
    needVm();
    const page = dev;
    await recording('snapshots', async () => {
      const card = page.getByTestId('guest-snapshots');
      await card.getByTestId('snapshots-empty').waitFor({ timeout: 30_000 });
      await runTask(card, async () => {
        await card.getByRole('button', { name: 'Take snapshot' }).click();
        const dialog = page.getByRole('dialog');
        await dialog.getByLabel('Snapshot name').fill('before-resize');
        await dialog
          .getByLabel('Description (optional)')
          .fill('As provisioned');
        await shot(page, 'snapshot-dialog');
        await dialog.getByRole('button', { name: 'Take snapshot' }).click();
        await dialog.waitFor({ state: 'hidden' });
      });
      const row = card.locator('tr[data-snapshot="before-resize"]');
      await row.waitFor({ timeout: 15_000 });
      expect(await row.textContent()).toContain('As provisioned');
      const listed = await api(
        base(),
        devToken,
        'GET',
        `/guests/lab/${vmid}/snapshots`,
      );
      expect(listed.body.items.map((s: any) => s.name)).toContain(
        'before-resize',
      );
      await card.scrollIntoViewIfNeeded();
      await shot(page, 'snapshot-taken', 'day2-snapshot');

      await runTask(card, async () => {
        await row
          .getByRole('button', { name: 'Roll back to before-resize' })
          .click();
        const dialog = page.getByRole('dialog');
        await dialog.getByText('everything written since is lost').waitFor();
        await dialog.getByRole('button', { name: 'Roll back' }).click();
        await dialog.waitFor({ state: 'hidden' });
      });
      // A snapshot without RAM leaves the VM stopped: start it again.
      const power = page.getByTestId('guest-power-state');
      await expectText(power, 'stopped', 30_000);
      await shot(page, 'rolled-back');
      await runTask(page.getByTestId('guest-power'), () =>
        page.getByRole('button', { name: 'Start', exact: true }).click(),
      );
      await expectText(power, 'running', 30_000);
    });
  });

  it('dev requests a resize; admin approves; the disk grows at once and the memory after a reboot', async () => {
    needVm();
    const page = dev;
    let requestId = '';
    const before = await liveGuest();
    const memory = (before.memoryMaxMiB as number) * 2;
    const disk = (before.diskMaxGiB as number) + 4;
    await recording('resize-request', async () => {
      await page.getByRole('button', { name: 'Resize…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Memory (MiB)').fill(String(memory));
      await dialog.getByLabel('Disk (GiB)').fill(String(disk));
      await dialog
        .getByLabel('Justification (optional)')
        .fill('More room for the cache');
      await shot(page, 'resize-dialog');
      await dialog.getByRole('button', { name: 'Request resize' }).click();
      await dialog.waitFor({ state: 'hidden' });
      const filed = page.getByTestId('filed-request');
      await expectText(
        filed,
        new RegExp(`Memory 2 GiB → ${memory / 1024} GiB`),
        15_000,
      );
      // The VM runs and its hotplug does not cover memory.
      await filed.getByTestId('reboot-required').waitFor();
      await shot(page, 'resize-filed');
      requestId = await openFiledRequest(page);
      const diff = page.getByTestId('change-diff');
      await expectText(
        diff.locator('tr[data-field="memoryMiB"]'),
        /2 GiB\s*→\s*4 GiB/,
      );
      await expectAttribute(
        page.getByTestId('target-link'),
        'href',
        `/catalog/default/resource/${entityName}`,
      );
      await shot(page, 'resize-request-pending', 'day2-resize-request');
    });

    ({ context: adminContext, page: admin } = await signInAs(
      browser!,
      base(),
      'Admin',
      VIEWPORT,
    ));
    await recording('resize-approved', async () => {
      await adminApproves(requestId, 'Fits the quota');
      const stepsDone = await admin
        .locator('[data-testid="provisioning-steps"] li')
        .evaluateAll(lis =>
          lis.map(li => [li.getAttribute('data-step'), li.dataset.status]),
        );
      expect(stepsDone).toEqual([
        ['apply-config', 'done'],
        ['resize-disk', 'done'],
        ['done', 'done'],
      ]);
      await shot(admin, 'resize-approved-ready');
    });

    await recording('resize-applied', async () => {
      // Dev's request page moved to ready on its own.
      await expectText(state(page), 'ready', 30_000);
      await page.getByTestId('target-link').click();
      await page.waitForURL(
        new RegExp(`/catalog/default/resource/${entityName}`),
      );
      await page.goto(`${base()}${tabPath()}`);
      // The disk grew at once.
      await expectText(page.getByTestId('guest-disk'), `${disk} GiB`, 30_000);
      expect((await liveGuest()).diskMaxGiB).toBe(disk);
      // The memory applies at the next reboot.
      await runTask(page.getByTestId('guest-power'), () =>
        page.getByRole('button', { name: 'Reboot', exact: true }).click(),
      );
      await expectText(
        page.getByTestId('guest-memory-text'),
        new RegExp(`of ${memory / 1024} GiB`),
        30_000,
      );
      expect((await liveGuest()).memoryMaxMiB).toBe(memory);
      await dismissSnackbars(page);
      await shot(page, 'resized', 'day2-resized');
    });
  });

  it('dev requests the decommission; admin approves; the VM is destroyed and its entity leaves the catalog', async () => {
    needVm();
    const page = dev;
    let requestId = '';
    await recording('decommission-request', async () => {
      await page.getByRole('button', { name: 'Decommission…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('This cannot be undone').waitFor();
      await dialog
        .getByLabel('Justification (optional)')
        .fill('The cache experiment is over');
      await shot(page, 'decommission-dialog', 'day2-decommission');
      await dialog
        .getByRole('button', { name: 'Request decommission' })
        .click();
      await dialog.waitFor({ state: 'hidden' });
      requestId = await openFiledRequest(page);
      await expectText(
        page.getByTestId('change-diff').locator('tr[data-field="status"]'),
        /running\s*→\s*destroyed/,
      );
    });

    await recording('decommission-approved', async () => {
      await adminApproves(requestId, 'Confirmed with team-a');
      const steps = await admin
        .locator('[data-testid="provisioning-steps"] li')
        .evaluateAll(lis =>
          lis.map(li => [li.getAttribute('data-step'), li.dataset.status]),
        );
      expect(steps).toEqual([
        ['stop', 'done'],
        ['destroy', 'done'],
        ['release', 'done'],
        ['done', 'done'],
      ]);
      await admin.getByTestId('request-target').getByText('removed').waitFor();
      await shot(admin, 'decommission-ready', 'day2-decommissioned');
      const gone = await api(base(), devToken, 'GET', `/guests/lab/${vmid}`);
      expect(gone.status).toBe(404);
    });

    await recording('entity-gone', async () => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const res = await fetch(
          `${base()}/api/catalog/entities/by-name/resource/default/${entityName}`,
          { headers: { Authorization: `Bearer ${devToken}` } },
        );
        if (res.status === 404) break;
        if (Date.now() > deadline) {
          throw new Error(
            `${entityName} is still in the catalog 30 s after the decommission (${res.status})`,
          );
        }
        await new Promise(r => setTimeout(r, 500));
      }
      await expectText(state(page), 'ready', 30_000);
      await page.goto(`${base()}/catalog/default/resource/${entityName}`);
      await page
        .getByText(/not found/i)
        .first()
        .waitFor({ timeout: 30_000 });
      await shot(page, 'entity-gone');
      // The requests list names both day-2 requests with their change.
      await page.goto(`${base()}/proxmox/requests`);
      await page.locator('tr[data-kind="decommission"]').first().waitFor();
      await expectText(
        page.locator('tr[data-kind="resize"]').first(),
        /Memory 2 GiB → 4 GiB/,
      );
      await shot(page, 'requests-list');
    });
  });
});
