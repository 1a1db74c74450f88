import type { Page } from 'playwright-core';
import { eventually } from './backend';
import { dismissSnackbars, expectText, requestState } from './journeySteps';
import { proxmoxApi } from './simulator';

/** An SSH key of the demo developer for the specs of the tests. */
export const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx1cm5leS10ZXN0LWtleS1vZi1kYW5hLWRldmVs dana@laptop';

/**
 * A small Ubuntu VM of team-a on lab (1 vCPU, 2 GiB, 20 GiB, vmbr0, the
 * ssh security group, DHCP, {@link SSH_KEY}); `over` replaces fields.
 */
export function labVmSpec(
  name: string,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    cluster: 'lab',
    template: 'ubuntu-24.04-cloudinit',
    cores: 1,
    memoryMiB: 2048,
    diskGiB: 20,
    network: { bridge: 'vmbr0' },
    securityGroups: ['ssh'],
    cloudInit: { user: 'ubuntu', sshKeys: [SSH_KEY], ipv4: 'dhcp' },
    tags: [],
    owner: 'group:default/team-a',
    ...over,
  };
}

/**
 * A VM made over the API: dev files the spec, the admin approves it (with
 * `comment`, if given); resolves with the request once it is ready.
 */
export async function provisionOverApi(options: {
  baseUrl: string;
  devToken: string;
  adminToken: string;
  spec: Record<string, unknown>;
  comment?: string;
  timeoutMs: number;
}): Promise<any> {
  const { baseUrl, devToken, adminToken, spec } = options;
  const created = await proxmoxApi(baseUrl, devToken, 'POST', '/requests', {
    spec,
  });
  if (created.status !== 201) {
    throw new Error(
      `filing ${spec.name} failed: ${created.status} ${JSON.stringify(
        created.body,
      )}`,
    );
  }
  const id = created.body.id as string;
  const approved = await proxmoxApi(
    baseUrl,
    adminToken,
    'POST',
    `/requests/${id}/approve`,
    options.comment !== undefined ? { comment: options.comment } : {},
  );
  if (approved.status !== 200) {
    throw new Error(`approving ${spec.name} failed: ${approved.status}`);
  }
  return eventually(async () => {
    const r = await proxmoxApi(baseUrl, devToken, 'GET', `/requests/${id}`);
    if (r.body.state === 'failed') {
      throw new Error(`provisioning failed: ${r.body.failureReason}`);
    }
    return r.body.state === 'ready' ? r.body : undefined;
  }, options.timeoutMs);
}

/**
 * Approves or rejects the request open on the page: its button, the
 * comment, then the dialog's confirm (after `beforeConfirm`, e.g. a
 * screenshot); waits until the dialog closed.
 */
export async function decideRequest(
  page: Page,
  decision: 'approve' | 'reject',
  comment: string,
  beforeConfirm?: () => Promise<void>,
) {
  await page
    .getByRole('button', {
      name: decision === 'approve' ? 'Approve' : 'Reject',
    })
    .click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox').fill(comment);
  await beforeConfirm?.();
  await dialog
    .getByRole('button', {
      name: decision === 'approve' ? 'Confirm approval' : 'Confirm rejection',
    })
    .click();
  await dialog.waitFor({ state: 'hidden' });
}

/**
 * The admin opens a pending request's page, approves it with `comment`, and
 * waits until the page shows it ready (notification pop-ups closed).
 */
export async function approveUntilReady(
  page: Page,
  requestUrl: string,
  comment: string,
  readyTimeoutMs = 60_000,
) {
  await page.goto(requestUrl);
  await expectText(requestState(page), 'pending');
  await decideRequest(page, 'approve', comment);
  await expectText(requestState(page), 'ready', readyTimeoutMs);
  await dismissSnackbars(page);
}
