/*
 * The in-browser console in a real browser, on every database: the demo
 * backend process serving the built app, the PVE simulator behind it.
 *
 * A VM of team-a exists (filed by dev, approved by admin over the API).
 * Dev opens its Console tab and connects: noVNC draws the guest's screen
 * (its pixels are the simulator's console screen naming the VM and its
 * VMID), the desktop name is the VM's name, typed keys are echoed on the
 * guest's screen, Ctrl-Alt-Del reaches the guest, Disconnect ends the
 * session. Dev is refused on web-01 (a guest of platform-admins: not an
 * owner-group member), where the admin (an approver) connects.
 *
 * Screenshots go to artifacts/console/<database>/.
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  consoleLineBand,
  renderConsoleScreen,
  type ConsoleScreenModel,
  type RunningSimulator,
} from '@mycopod/pve-simulator';
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
  screenshots,
  waitForCatalogEntity,
} from './lib/journeySteps';
import { labVmSpec, provisionOverApi } from './lib/requestSteps';
import {
  proxmoxApi as api,
  QUICK_EXECUTOR,
  simulatorClusterConfig,
  startDemoSimulator,
} from './lib/simulator';

jest.setTimeout(240_000);

const VIEWPORT = { width: 1280, height: 1000 };

/**
 * The RGB pixels of console line `index` on noVNC's canvas (the canvas
 * holds the framebuffer at its own size; scaling is CSS).
 */
async function canvasLine(page: Page, index: number): Promise<Buffer> {
  const band = consoleLineBand(index);
  const rgba = await page.evaluate(({ y, height }) => {
    const canvas = document.querySelector<HTMLCanvasElement>(
      '[data-testid="console-screen"] canvas',
    );
    if (!canvas || canvas.width === 0) return '';
    const data = canvas
      .getContext('2d')!
      .getImageData(0, y, canvas.width, height).data;
    let s = '';
    for (let i = 0; i < data.length; i++) s += String.fromCharCode(data[i]);
    return btoa(s);
  }, band);
  const bytes = Buffer.from(rgba, 'base64');
  const rgb = Buffer.alloc((bytes.length / 4) * 3);
  for (let i = 0, o = 0; i < bytes.length; i += 4, o += 3) {
    rgb[o] = bytes[i];
    rgb[o + 1] = bytes[i + 1];
    rgb[o + 2] = bytes[i + 2];
  }
  return rgb;
}

/** The same line as the simulator draws it. */
function expectedLine(model: ConsoleScreenModel, index: number): Buffer {
  const img = renderConsoleScreen(model);
  const band = consoleLineBand(index);
  return Buffer.from(
    img.rgb.subarray(
      band.y * img.width * 3,
      (band.y + band.height) * img.width * 3,
    ),
  );
}

/** Waits until console line `index` on the canvas shows `model`'s. */
async function expectLine(
  page: Page,
  model: ConsoleScreenModel,
  index: number,
  timeoutMs = 20_000,
) {
  const want = expectedLine(model, index);
  await eventually(
    async () =>
      (await canvasLine(page, index)).equals(want) ? true : undefined,
    timeoutMs,
  );
}

describe.each(databases)('guest console on %s', database => {
  const shots = path.join(ARTIFACTS_DIR, 'console', database);
  const vmName = 'console-web-01';
  let sim: RunningSimulator | undefined;
  let backend: RunningBackend | undefined;
  let browser: Browser | undefined;
  let devToken: string;
  let devContext: BrowserContext;
  let adminContext: BrowserContext;
  let dev: Page;
  let admin: Page;
  let vmid = 0;
  let node = '';
  let startedAt = 0;

  const shot = screenshots(shots);
  const recording = recorder(shots, () => [
    ['dev', dev],
    ['admin', admin],
  ]);
  const base = () => backend!.baseUrl;
  const consoleTab = (entity: string) =>
    `${base()}/catalog/default/resource/${entity}/console`;
  const status = (page: Page) => page.getByTestId('console-status');

  beforeAll(async () => {
    startedAt = Date.now();
    prepareBrowserRun(shots);

    sim = await startDemoSimulator(13);
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
    const adminToken = (await eventually(() => signIn(base(), 'admin'))).token;

    // The VM of team-a: filed and approved over the API.
    const ready = await provisionOverApi({
      baseUrl: base(),
      devToken,
      adminToken,
      spec: labVmSpec(vmName, { justification: 'Console test' }),
      comment: 'for the console test',
      timeoutMs: 90_000,
    });
    vmid = ready.guest.vmid;
    node = ready.guest.node;
    await waitForCatalogEntity(
      base(),
      devToken,
      'resource',
      `lab-${vmid}`,
      60_000,
    );
    await waitForCatalogEntity(base(), devToken, 'resource', 'lab-100', 60_000);
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
      `console on ${database}: ${((Date.now() - startedAt) / 1000).toFixed(
        1,
      )} s, backend start and teardown included`,
    );
  });

  it("dev opens the Console tab of team-a's VM: the canvas shows the guest, keys are echoed", async () => {
    if (!vmid) throw new Error('no VM: creating it failed');
    ({ context: devContext, page: dev } = await signInAs(
      browser!,
      base(),
      'Developer',
      VIEWPORT,
    ));
    const page = dev;
    const model: ConsoleScreenModel = {
      type: 'qemu',
      vmid,
      name: vmName,
      node,
      cluster: 'lab',
      typed: '',
    };
    await recording('connect', async () => {
      await page.goto(consoleTab(`lab-${vmid}`));
      await dismissSnackbars(page);
      await page.getByTestId('guest-console').waitFor({ timeout: 30_000 });
      await page
        .getByRole('button', { name: 'Connect' })
        .click({ timeout: 30_000 });
      await expectAttribute(status(page), 'data-state', 'connected', 30_000);
      await expectText(page.getByTestId('console-desktop-name'), vmName);
      // line 1 names the guest: "VM <vmid> <name>", drawn by its VNC server
      await expectLine(page, model, 1);
      await expectLine(page, model, 2);
      await shot(page, 'connected');
    });

    await recording('keys', async () => {
      await page.locator('[data-testid="console-screen"] canvas').click();
      await page.keyboard.type('hello mycopod');
      await expectLine(page, { ...model, typed: 'hello mycopod' }, 4);
      await page.keyboard.press('Enter');
      await expectLine(
        page,
        { ...model, typed: '', entered: 'hello mycopod' },
        5,
      );
      await page.getByRole('button', { name: 'Ctrl-Alt-Del' }).click();
      await expectLine(page, { ...model, notice: 'Ctrl-Alt-Del received' }, 6);
      await shot(page, 'keys-echoed');
    });

    await recording('disconnect', async () => {
      await page.getByRole('button', { name: 'Disconnect' }).click();
      await expectText(status(page), 'Session ended.');
      await expectAttribute(status(page), 'data-state', 'ended');
      await shot(page, 'disconnected');
    });

    // the backend audited the session at open and close, with its bytes
    const audit = await eventually(async () => {
      const lines = backend!
        .output()
        // eslint-disable-next-line no-control-regex -- ANSI colours of the log
        .replace(/\x1b\[[0-9;]*m/g, '')
        .split('\n')
        .filter(
          l =>
            l.includes('eventId="proxmox-console-session"') &&
            l.includes(`"vmid":${vmid}`),
        );
      return lines.some(l => l.includes('status="succeeded"'))
        ? lines
        : undefined;
    }, 15_000);
    expect(audit[0]).toContain('status="initiated"');
    const closed = audit.find(l => l.includes('status="succeeded"'))!;
    expect(closed).toContain('"actor":"user:default/dev"');
    expect(closed).toMatch(/"bytesToGuest":\d{2,}/);
    expect(closed).toMatch(/"bytesFromGuest":\d{6,}/);
    expect(closed).toContain('"endedBy":"browser"');
  });

  it('dev is refused on a guest of another group; an approver connects there', async () => {
    const page = dev;
    await recording('refused', async () => {
      await page.goto(consoleTab('lab-100'));
      await expectAttribute(status(page), 'data-state', 'forbidden', 30_000);
      await expectText(status(page), /You may not open this guest's console/);
      expect(
        await page.getByRole('button', { name: 'Connect' }).isDisabled(),
      ).toBe(true);
      await shot(page, 'refused');
    });
    // the backend refuses too
    const res = await api(base(), devToken, 'POST', '/guests/lab/100/console');
    expect(res.status).toBe(403);

    ({ context: adminContext, page: admin } = await signInAs(
      browser!,
      base(),
      'Admin',
      VIEWPORT,
    ));
    await recording('approver', async () => {
      await admin.goto(consoleTab('lab-100'));
      await dismissSnackbars(admin);
      await admin
        .getByRole('button', { name: 'Connect' })
        .click({ timeout: 30_000 });
      await expectAttribute(status(admin), 'data-state', 'connected', 30_000);
      await expectText(admin.getByTestId('console-desktop-name'), 'web-01');
      await shot(admin, 'approver-connected');
    });
  });
});
