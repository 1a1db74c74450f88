import { configure } from '@testing-library/react';
import { renderTestApp, mockApis } from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { signalApiRef } from '@backstage/plugin-signals-react';
import type { GuestLiveStatus } from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../../../api';
import { guestEntityContent } from '../../../entityExtensions';
import { fakeApi, makeGuest, type FakeApi } from '../../../testUtils/fixtures';

// The tab loads lazily and asks the permission API first: on a busy machine
// that takes more than the default second of findBy/waitFor.
configure({ asyncUtilTimeout: 10_000 });

/** A fake signal API: `emit` delivers a message to the channel's subscribers. */
export function fakeSignals() {
  const subs = new Map<string, Array<(m: any) => void>>();
  return {
    api: {
      subscribe: (channel: string, cb: (m: any) => void) => {
        subs.set(channel, [...(subs.get(channel) ?? []), cb]);
        return {
          unsubscribe: () =>
            subs.set(
              channel,
              (subs.get(channel) ?? []).filter(x => x !== cb),
            ),
        };
      },
    },
    emit: (channel: string, message: any = {}) =>
      (subs.get(channel) ?? []).forEach(cb => cb(message)),
    channels: () =>
      [...subs.entries()].filter(([, v]) => v.length).map(([k]) => k),
  };
}

// usePermission caches decisions per permission and resource ref across
// tests of a file: every render gets a guest of its own VMID.
let nextVmid = 500;

/**
 * Renders the Proxmox tab of a VM entity whose live status is `guest`
 * (a VMID of its own unless given), with the permission decisions and
 * signals given.
 */
export function renderGuestTab(
  guest: Partial<GuestLiveStatus> = {},
  opts: {
    api?: Partial<FakeApi>;
    /** ALLOW or DENY for all, or a decision per permission name. */
    allow?: boolean | ((permission: string, resourceRef?: string) => boolean);
    signals?: ReturnType<typeof fakeSignals>;
  } = {},
) {
  const vmid = guest.vmid ?? nextVmid++;
  let live = makeGuest({
    vmid,
    allowedActions: [
      'power',
      'snapshot',
      'console',
      'resize',
      'decommission',
      'extend-lease',
      'reconcile',
    ],
    ...guest,
  });
  const api = fakeApi({
    getGuest: jest.fn(async () => live),
    ...opts.api,
  });
  const allow = opts.allow ?? true;
  const entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: `${live.cluster}-${vmid}`,
      namespace: 'default',
      annotations: {
        'proxmox.com/cluster': live.cluster,
        'proxmox.com/vmid': String(vmid),
      },
    },
    spec: { type: 'virtual-machine', owner: 'group:default/team-a' },
  };
  renderTestApp({
    extensions: [createTestEntityPage({ entity }), guestEntityContent],
    apis: [
      [proxmoxApiRef, api],
      mockApis.permission({
        authorize: request => {
          const ok =
            typeof allow === 'function'
              ? allow(request.permission.name, request.resourceRef)
              : allow;
          return ok ? AuthorizeResult.ALLOW : AuthorizeResult.DENY;
        },
      }),
      ...(opts.signals ? [[signalApiRef, opts.signals.api] as const] : []),
    ],
  });
  return {
    api,
    vmid,
    /** Changes what the next `getGuest` answers. */
    setGuest: (patch: Partial<GuestLiveStatus>) => {
      live = { ...live, ...patch };
    },
  };
}
