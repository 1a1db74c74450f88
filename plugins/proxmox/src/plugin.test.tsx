import type { ExtensionDefinition } from '@backstage/frontend-plugin-api';
import { screen } from '@testing-library/react';
import { mockApis, renderTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import plugin from './index';
import { proxmoxApiRef } from './api';
import { fakeApi, makeDetails, makeRequest } from './testUtils/fixtures';

describe('proxmox plugin', () => {
  it('declares its extensions under stable ids', () => {
    const ids = [
      'api:proxmox',
      'page:proxmox/requests',
      'page:proxmox/request',
      'plugin-header-action:proxmox/awaiting-approval',
      'scaffolder-form-field:proxmox/cluster-picker',
      'scaffolder-form-field:proxmox/template-picker',
      'scaffolder-form-field:proxmox/node-picker',
      'scaffolder-form-field:proxmox/size-picker',
      'scaffolder-form-field:proxmox/network-picker',
      'scaffolder-form-field:proxmox/security-groups-picker',
      'scaffolder-form-field:proxmox/ipv4-picker',
      'scaffolder-form-field:proxmox/policy-review',
      'scaffolder-form-field:proxmox/plan-review',
      'api:proxmox/plans',
      'entity-content:proxmox/guest',
      'entity-content:proxmox/console',
      'entity-card:proxmox/guest-status',
      'entity-card:proxmox/node-capacity',
      'entity-card:proxmox/cluster-summary',
    ] as const;
    for (const id of ids) {
      expect(plugin.getExtension(id)).toBeDefined();
    }
  });

  it('registers the form fields under the template contract names', async () => {
    const { formFieldExtensions } = await import('./fields/extensions');
    const { createExtensionTester } = await import(
      '@backstage/frontend-test-utils'
    );
    const { FormFieldBlueprint } = await import(
      '@backstage/plugin-scaffolder-react/alpha'
    );
    const names = await Promise.all(
      formFieldExtensions.map(async ext => {
        // One at a time: the tester takes no union of extension types.
        const one = ext as ExtensionDefinition<any>;
        const loader = createExtensionTester(one).get(
          FormFieldBlueprint.dataRefs.formFieldLoader,
        ) as () => Promise<unknown>;
        return ((await loader()) as unknown as { name: string }).name;
      }),
    );
    expect(names).toEqual([
      'ProxmoxClusterPicker',
      'ProxmoxTemplatePicker',
      'ProxmoxNodePicker',
      'ProxmoxSizePicker',
      'ProxmoxNetworkPicker',
      'ProxmoxSecurityGroupsPicker',
      'ProxmoxIpv4Picker',
      'ProxmoxPolicyReview',
      'ProxmoxPlanReview',
    ]);
  });

  it('routes /proxmox/requests to the list', async () => {
    const request = makeRequest({
      spec: { ...makeRequest().spec, name: 'routed-list' },
    });
    const api = fakeApi({
      listRequests: jest.fn(async ({ view }) =>
        view === 'mine' ? { items: [request] } : { items: [] },
      ),
    });
    renderTestApp({
      features: [plugin],
      apis: [[proxmoxApiRef, api], mockApis.permission()],
      initialRouteEntries: ['/proxmox/requests'],
    });
    expect(
      await screen.findByRole('link', { name: 'routed-list' }),
    ).toHaveAttribute('href', `/proxmox/requests/${request.id}`);
  });

  it('routes /proxmox/requests/:id to the request page', async () => {
    const details = makeDetails({ state: 'approved' });
    const api = fakeApi({ getRequest: jest.fn(async () => details) });
    renderTestApp({
      features: [plugin],
      apis: [
        [proxmoxApiRef, api],
        mockApis.permission({ authorize: AuthorizeResult.ALLOW }),
      ],
      initialRouteEntries: [`/proxmox/requests/${details.id}`],
    });
    expect(await screen.findByTestId('request-state')).toHaveTextContent(
      /^approved$/,
    );
    expect(api.getRequest).toHaveBeenCalledWith(details.id);
  });
});
