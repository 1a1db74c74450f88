/*
 * The portal journey in a real browser, on every database: the demo backend
 * process serving the built app, the PVE simulator behind it.
 *
 * Dev signs in → Create → "Virtual machine from a Proxmox template" → fills
 * the form with live choices → an over-quota size shows the policy finding on
 * the "Policy check" step and blocks the review → a size that fits → Create →
 * the task's "Request" link → the request page says pending. Dev cannot
 * approve it (no button, 403). Admin signs in → the "awaits approval"
 * notification and the awaiting badge → the request → approves with a
 * comment → the page moves live through provisioning to ready, no reload.
 * Dev sees ready and the IP, opens the VM in the catalog (owned by team-a,
 * depends on its node, running with its IP on the Proxmox card; in the
 * catalog within 15 s of ready) and finds the demo fleet in the Resource
 * list. Admin rejects a second request with a comment;
 * dev sees why.
 *
 * Screenshots of every step go to artifacts/journey/<database>/. With
 * MYCOPOD_UPDATE_WALKTHROUGH=1 the SQLite run also refreshes the README's
 * walkthrough images in docs/walkthrough/ (tests leave tracked files alone
 * otherwise).
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
  chooseTemplate,
  dismissSnackbars,
  expectAttribute,
  expectText,
  recorder,
  requestState as state,
  screenshots,
  waitForCatalogEntity,
  walkthroughDir,
} from './lib/journeySteps';
import { SSH_KEY, decideRequest, labVmSpec } from './lib/requestSteps';
import {
  QUICK_EXECUTOR,
  proxmoxApi as api,
  simulatorClusterConfig,
  startDemoSimulator,
} from './lib/simulator';

jest.setTimeout(240_000);

const TEMPLATE_TITLE = 'Virtual machine from a Proxmox template';
const VIEWPORT = { width: 1280, height: 800 };

describe.each(databases)('portal journey on %s', database => {
  const shots = path.join(ARTIFACTS_DIR, 'journey', database);
  // Each database has its own backend and simulator: the same name fits both.
  const vmName = 'checkout-ci-01';
  let sim: RunningSimulator | undefined;
  let backend: RunningBackend | undefined;
  let browser: Browser | undefined;
  let devToken: string;
  let devContext: BrowserContext;
  let adminContext: BrowserContext;
  let dev: Page;
  let admin: Page;
  let requestId: string;
  let startedAt = 0;
  /** When the admin's page showed ready. */
  let readyAt = 0;

  /** A screenshot of this step into artifacts/, and the walkthrough one. */
  const shot = screenshots(shots, walkthroughDir(database));
  /** Runs a step; on failure leaves a screenshot of every open page. */
  const recording = recorder(shots, () => [
    ['dev', dev],
    ['admin', admin],
  ]);
  /** The steps after the form need its request. */
  const needRequest = () => {
    if (!requestId) throw new Error('no request: filing it in the form failed');
  };

  beforeAll(async () => {
    startedAt = Date.now();
    prepareBrowserRun(shots);

    // Quick, but slow enough to watch: clone 1.5 s, other tasks 0.3 s.
    sim = await startDemoSimulator(11, {
      cloneMs: 1500,
      agentIpDelayMs: 1000,
    });
    backend = await startBackend({
      database,
      readyTimeoutMs: 150_000,
      logFile: path.join(shots, 'backend.log'),
      config: {
        proxmox: {
          clusters: simulatorClusterConfig(sim),
          executor: { ...QUICK_EXECUTOR, ipWait: 'required' },
          policy: {
            // The "large" preset (8 GiB) is over team-a's memory quota,
            // "small" (2 GiB) fits, twice.
            groups: [
              {
                group: 'group:default/team-a',
                quota: { count: 10, memoryMiB: 6144 },
              },
            ],
          },
        },
      },
    });
    // Persona sign-in resolves the catalog user: wait for the ingestion,
    // and for the template.
    devToken = (await eventually(() => signIn(backend!.baseUrl, 'dev'))).token;
    await eventually(() => signIn(backend!.baseUrl, 'admin'));
    await waitForCatalogEntity(
      backend!.baseUrl,
      devToken,
      'template',
      'vm-from-template',
      90_000,
    );
    // The template picker lists the catalog's vm-template entities: wait
    // for the provider's first full refresh (initial delay 15 s).
    await waitForCatalogEntity(
      backend!.baseUrl,
      devToken,
      'resource',
      'lab-template-9000',
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
      `journey on ${database}: ${((Date.now() - startedAt) / 1000).toFixed(
        1,
      )} s, backend start and teardown included`,
    );
  });

  it('dev fills the form; the policy check blocks an over-quota size; a size that fits files a pending request', async () => {
    ({ context: devContext, page: dev } = await signInAs(
      browser!,
      backend!.baseUrl,
      'Developer',
      VIEWPORT,
    ));
    const page = dev;
    await recording('form', async () => {
      // Create → the template's card → Choose
      await chooseTemplate(page, TEMPLATE_TITLE, 'vm-from-template');

      // Where: the pickers load the live choices of the simulator.
      const cluster = page.getByLabel('Cluster');
      await page
        .locator('select option[value="lab"]')
        .first()
        .waitFor({ state: 'attached', timeout: 30_000 });
      await cluster.selectOption('lab');
      const template = page.getByLabel('Template', { exact: false }).first();
      await page
        .locator('select option[value="ubuntu-24.04-cloudinit"]')
        .waitFor({ state: 'attached', timeout: 30_000 });
      // The choices are the catalog's vm-template entities of lab.
      await expectAttribute(
        page.getByTestId('template-picker'),
        'data-source',
        'catalog',
      );
      await template.selectOption('ubuntu-24.04-cloudinit');
      await page
        .getByText(/Disk of ubuntu-24\.04-cloudinit.*lab-template-9000/)
        .waitFor();
      await shot(page, 'where');
      await page.getByRole('button', { name: 'Next' }).click();

      // Size and network: "large" (over the quota), a bridge, a group.
      await page.getByRole('radio', { name: /^large/ }).check();
      await page
        .locator('select option[value="bridge:vmbr0"]')
        .waitFor({ state: 'attached' });
      await page.getByLabel('Network').selectOption('bridge:vmbr0');
      await page.getByRole('checkbox', { name: 'ssh' }).check();
      await shot(page, 'size-and-network', 'form');
      await page.getByRole('button', { name: 'Next' }).click();

      // Access: name, SSH key, DHCP.
      await page.getByLabel('VM name').fill(vmName);
      await page.getByLabel('SSH public key').first().fill(SSH_KEY);
      await page.getByRole('radio', { name: 'DHCP' }).check();
      await shot(page, 'access');
      await page.getByRole('button', { name: 'Next' }).click();

      // Ownership: team-a (OwnerPicker), a justification.
      const owner = page.getByLabel('Owner').first();
      await owner.click();
      await owner.fill('team-a');
      await page
        .getByRole('option', { name: /team-a/ })
        .first()
        .click();
      await page
        .getByLabel('Justification')
        .fill('Integration tests of the checkout service');
      await shot(page, 'ownership');
      await page.getByRole('button', { name: 'Next' }).click();
    });

    await recording('policy-check', async () => {
      // Policy check: the quota finding, and the review is blocked.
      const review = page.getByTestId('policy-review');
      await expectAttribute(review, 'data-outcome', 'errors');
      const errors = page.getByRole('list', { name: 'Policy errors' });
      await errors.getByText(/quota/i).first().waitFor();
      await shot(page, 'policy-check-over-quota', 'policy-check');
      await page.getByRole('button', { name: 'Review' }).click();
      // Still on the policy check, with the error: no Create button.
      await page.getByText(/quota/i).first().waitFor();
      await page.waitForTimeout(500);
      expect(await page.getByRole('button', { name: 'Create' }).count()).toBe(
        0,
      );
      await shot(page, 'policy-check-blocked');

      // Back to the size: "small" fits.
      await page.getByRole('button', { name: 'Back' }).click();
      await page.getByRole('button', { name: 'Back' }).click();
      await page.getByRole('button', { name: 'Back' }).click();
      await page.getByRole('radio', { name: /^small/ }).check();
      for (let i = 0; i < 3; i++) {
        await page.getByRole('button', { name: 'Next' }).click();
      }
      await expectAttribute(
        page.getByTestId('policy-review'),
        'data-outcome',
        'within-policy',
      );
      await page.getByText('Within policy').waitFor();
      await shot(page, 'policy-check-within-policy');
      await page.getByRole('button', { name: 'Review' }).click();
      await page.getByRole('button', { name: 'Create' }).waitFor();
      await shot(page, 'review');
    });

    await recording('submit', async () => {
      await page.getByRole('button', { name: 'Create' }).click();
      await page.waitForURL(/\/create\/tasks\//, { timeout: 30_000 });
      const link = page.getByRole('link', { name: 'Request', exact: true });
      await link.waitFor({ timeout: 60_000 });
      await shot(page, 'task-finished');
      await link.click();
      await page.waitForURL(/\/proxmox\/requests\/[0-9a-f-]{36}$/);
      requestId = new URL(page.url()).pathname.split('/').pop()!;
      await expectText(state(page), 'pending');
      await page.getByText(vmName).first().waitFor();
      await shot(page, 'request-pending', 'pending-request');
    });
  });

  it('dev cannot approve own request: no Approve button, and the API answers 403', async () => {
    needRequest();
    await recording('dev-cannot-approve', async () => {
      // The page offers dev the cancel action only.
      await dev.getByRole('button', { name: 'Cancel request' }).waitFor();
      expect(await dev.getByRole('button', { name: 'Approve' }).count()).toBe(
        0,
      );
      expect(await dev.getByRole('button', { name: 'Reject' }).count()).toBe(0);
      const res = await api(
        backend!.baseUrl,
        devToken,
        'POST',
        `/requests/${requestId}/approve`,
        { comment: 'self-approval' },
      );
      expect(res.status).toBe(403);
      const after = await api(
        backend!.baseUrl,
        devToken,
        'GET',
        `/requests/${requestId}`,
      );
      expect(after.body.state).toBe('pending');
    });
  });

  it('admin sees the notification and the badge, approves, and the page moves live to ready', async () => {
    needRequest();
    ({ context: adminContext, page: admin } = await signInAs(
      browser!,
      backend!.baseUrl,
      'Admin',
      VIEWPORT,
    ));
    const page = admin;
    await recording('admin-notification', async () => {
      // The sidebar counts the request awaiting the admin.
      await page
        .getByRole('link', { name: /VM requests \(1\)/ })
        .first()
        .waitFor({ timeout: 30_000 });
      // The notification, linking to the request.
      await page.goto(`${backend!.baseUrl}/notifications`);
      const title = `VM ${vmName} awaits approval`;
      await page.getByText(title).first().waitFor({ timeout: 30_000 });
      await shot(page, 'admin-notifications');
      await page.getByRole('link', { name: title }).first().click();
      await page.waitForURL(new RegExp(`/proxmox/requests/${requestId}$`));
      await expectText(state(page), 'pending');
      // The header action of the plugin's pages: the awaiting count.
      await expectText(
        page.getByTestId('awaiting-approval-badge'),
        '1 awaiting my approval',
      );
      await shot(page, 'admin-request-pending');
    });

    await recording('admin-approves', async () => {
      // Record every state and current step the page shows, from now on,
      // in a window variable: it survives only without a reload.
      await page.evaluate(() => {
        const w = window as any;
        w.__journey = { marker: 'before-approval', seen: [] as string[] };
        w.__journeyTimer = setInterval(() => {
          const s = document
            .querySelector('[data-testid="request-state"]')
            ?.textContent?.trim();
          const cur = document
            .querySelector(
              '[data-testid="provisioning-steps"] li[aria-current="step"]',
            )
            ?.getAttribute('data-step');
          const entry = cur ? `${s}:${cur}` : `${s}`;
          const seen: string[] = w.__journey.seen;
          if (seen[seen.length - 1] !== entry) seen.push(entry);
        }, 40);
      });
      let navigations = 0;
      page.on('framenavigated', f => {
        if (f === page.mainFrame()) navigations++;
      });

      await decideRequest(page, 'approve', 'Approved for the Q3 tests', () =>
        shot(page, 'admin-approving', 'admin-approving'),
      );

      await page
        .locator('[data-testid="provisioning-steps"] li[aria-current="step"]')
        .first()
        .waitFor({ timeout: 30_000 });
      await shot(page, 'admin-provisioning');
      await expectText(state(page), 'ready', 60_000);
      readyAt = Date.now();
      await dismissSnackbars(page);
      await shot(page, 'admin-ready');

      const journey = await page.evaluate(() => {
        const w = window as any;
        clearInterval(w.__journeyTimer);
        return w.__journey as { marker: string; seen: string[] };
      });
      // No reload, no navigation: the marker survived.
      expect(journey?.marker).toBe('before-approval');
      expect(navigations).toBe(0);
      const seen = journey.seen;
      expect(seen[0]).toBe('pending');
      expect(seen[seen.length - 1]).toBe('ready');
      // At least one intermediate state before ready.
      expect(seen.some(s => s.startsWith('provisioning'))).toBe(true);
      expect(seen.indexOf('ready')).toBeGreaterThan(
        seen.findIndex(s => s.startsWith('provisioning')),
      );
      // eslint-disable-next-line no-console
      console.log(`${database}: the admin's page showed ${seen.join(' → ')}`);
      // Every step done.
      const steps = await page
        .locator('[data-testid="provisioning-steps"] li')
        .evaluateAll(lis => lis.map(li => li.getAttribute('data-status')));
      expect(steps.every(s => s === 'done')).toBe(true);
    });
  });

  it('dev sees ready and the IP address of the VM', async () => {
    needRequest();
    const page = dev;
    await recording('dev-ready', async () => {
      // The dev's page was left open on the pending request: it moves too.
      await expectText(state(page), 'ready', 30_000);
      const guest = page.getByTestId('guest');
      const ipRow = guest.locator('tr', { hasText: 'IP addresses' });
      await expectText(ipRow, /\d+\.\d+\.\d+\.\d+/, 15_000);
      await page.getByTestId('catalog-link').waitFor();
      // The notification pop-ups ("approved", "ready") cover the guest.
      await dismissSnackbars(page);
      await page.getByTestId('guest').scrollIntoViewIfNeeded();
      await shot(page, 'dev-ready', 'ready');
      const details = await api(
        backend!.baseUrl,
        devToken,
        'GET',
        `/requests/${requestId}`,
      );
      const ips: string[] = details.body.progress?.ipAddresses ?? [];
      expect(ips.length).toBeGreaterThan(0);
      expect(await ipRow.textContent()).toContain(ips[0]);
    });
  });

  it('dev opens the VM in the catalog: owned by team-a, on its node, running with its IP; the Resource list shows the demo fleet', async () => {
    needRequest();
    const page = dev;
    await recording('vm-in-catalog', async () => {
      // The request page links the VM's entity, <cluster>-<vmid>.
      const link = page.getByTestId('catalog-link');
      const href = (await link.getAttribute('href'))!;
      const entityName = href.split('/').pop()!;
      expect(href).toMatch(/\/catalog\/default\/resource\/lab-\d+$/);

      // The provider applies a delta on proxmox.guest.created: the entity
      // is in the catalog within seconds of ready.
      const deadline = Math.max(readyAt + 15_000, Date.now() + 2_000);
      let entity: any;
      for (;;) {
        const res = await fetch(
          `${
            backend!.baseUrl
          }/api/catalog/entities/by-name/resource/default/${entityName}`,
          { headers: { Authorization: `Bearer ${devToken}` } },
        );
        if (res.ok) {
          entity = await res.json();
          break;
        }
        if (Date.now() > deadline) {
          throw new Error(
            `${entityName} is not in the catalog 15 s after ready (last answer ${res.status})`,
          );
        }
        await new Promise(r => setTimeout(r, 250));
      }
      // eslint-disable-next-line no-console
      console.log(
        `${database}: ${entityName} in the catalog ${(
          (Date.now() - readyAt) /
          1000
        ).toFixed(1)} s after the admin's page showed ready`,
      );
      const node: string = entity.metadata.annotations['proxmox.com/node'];
      const nodeRef = `resource:default/lab-${node}`;
      expect(entity.spec).toMatchObject({
        type: 'virtual-machine',
        owner: 'group:default/team-a',
      });
      expect(entity.relations).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: 'ownedBy',
            targetRef: 'group:default/team-a',
          }),
          expect.objectContaining({ type: 'dependsOn', targetRef: nodeRef }),
        ]),
      );

      // The entity page, from the request page's link.
      await dismissSnackbars(page);
      await link.click();
      await page.waitForURL(new RegExp(`${href}$`));
      await page.getByText(`${vmName} (lab)`).first().waitFor();
      // About card: owned by team-a.
      await page
        .locator('a[href$="/catalog/default/group/team-a"]')
        .first()
        .waitFor();
      // Relations: depends on its node (the relations graph and the
      // Proxmox card both link the node entity).
      await page
        .locator(`a[href$="/catalog/default/resource/lab-${node}"]`)
        .first()
        .waitFor();
      await page.getByText(`${node} (lab)`).first().waitFor();
      // The Proxmox card: running, with the IP the request reported.
      const power = page.getByTestId('guest-power-state');
      await expectText(power, 'running', 30_000);
      const details = await api(
        backend!.baseUrl,
        devToken,
        'GET',
        `/requests/${requestId}`,
      );
      const ips: string[] = details.body.progress?.ipAddresses ?? [];
      expect(ips.length).toBeGreaterThan(0);
      await expectText(
        page.getByTestId('guest-ip-addresses'),
        new RegExp(ips[0].replace(/\./g, '\\.')),
        30_000,
      );
      await dismissSnackbars(page);
      await shot(page, 'vm-in-catalog', 'vm-in-catalog');

      // The catalog's Resource list (all owners): the demo fleet. The
      // catalog index is the landing page (`/`, app-config), entity pages
      // stay under /catalog.
      await page.goto(
        `${backend!.baseUrl}/?filters[kind]=resource&filters[user]=all`,
      );
      await page
        .locator('table a[href*="/catalog/default/resource/"]')
        .first()
        .waitFor({ timeout: 30_000 });
      const heading = page.getByText(/^All Resources \(\d+\)$/).first();
      await heading.waitFor({ timeout: 30_000 });
      const total = Number((await heading.textContent())!.match(/\d+/)![0]);
      // Clusters, nodes, templates, groups and guests of both clusters.
      expect(total).toBeGreaterThanOrEqual(10);
      const search = page.getByPlaceholder('Search').first();
      for (const name of [
        'lab',
        'lab-pve1',
        'lab-template-9000',
        'lab-100',
        entityName,
      ]) {
        const row = page.locator(
          `table a[href$="/catalog/default/resource/${name}"]`,
        );
        if ((await row.count()) === 0) {
          // The list is paged: look the entity up with its search box.
          await search.fill(name);
          await row.first().waitFor({ timeout: 20_000 });
          await search.fill('');
          await expectText(heading, `All Resources (${total})`);
        }
      }
      await shot(page, 'catalog-resources');
    });
  });

  it('admin rejects another request with a comment; dev sees why', async () => {
    const created = await api(backend!.baseUrl, devToken, 'POST', '/requests', {
      spec: labVmSpec(`${vmName}-2`, {
        justification: 'A second one, just in case',
      }),
    });
    expect(created.status).toBe(201);
    expect(created.body.state).toBe('pending');
    const id = created.body.id as string;
    const reason = 'One VM per team for the Q3 tests, use the first one';

    await recording('admin-rejects', async () => {
      await admin.goto(`${backend!.baseUrl}/proxmox/requests/${id}`);
      await expectText(state(admin), 'pending');
      await decideRequest(admin, 'reject', reason);
      await expectText(state(admin), 'rejected');
      await shot(admin, 'admin-rejected');
    });

    await recording('dev-sees-rejection', async () => {
      await dev.goto(`${backend!.baseUrl}/proxmox/requests/${id}`);
      await expectText(state(dev), 'rejected');
      const history = dev.getByTestId('history');
      await history.getByText(reason).waitFor();
      const rejection = history.locator('li', { hasText: reason });
      expect(await rejection.textContent()).toMatch(/admin/);
      // The notification tells dev too.
      await dev.goto(`${backend!.baseUrl}/notifications`);
      await dev
        .getByText(`VM ${vmName}-2 was rejected`)
        .first()
        .waitFor({ timeout: 30_000 });
      await dev.getByText(reason).first().waitFor();
      await shot(dev, 'dev-notifications');
    });
  });
});
