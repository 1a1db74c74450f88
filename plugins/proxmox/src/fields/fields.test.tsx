import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { ProxmoxApiError, proxmoxApiRef } from '../api';
import { OPTIONS, fakeApi } from '../testUtils/fixtures';
import { FieldHarness, validate } from '../testUtils/fieldHarness';
import {
  clusterPickerField,
  ipv4PickerField,
  networkPickerField,
  nodePickerField,
  securityGroupsPickerField,
  sizePickerField,
  templatePickerField,
} from './pickers';
import { policyReviewField } from './PolicyReview';

function holder(api: unknown) {
  return { get: (ref: any) => (ref === proxmoxApiRef ? api : undefined) };
}

describe('Proxmox form fields', () => {
  it.each([
    ['ProxmoxSizePicker', sizePickerField, 'Size'],
    ['ProxmoxSecurityGroupsPicker', securityGroupsPickerField, 'Groups'],
    ['ProxmoxIpv4Picker', ipv4PickerField, 'IPv4'],
    ['ProxmoxTemplatePicker', templatePickerField, 'Template'],
    ['ProxmoxNetworkPicker', networkPickerField, 'Network'],
  ] as const)(
    '%s marks its errors but leaves their text to the field template',
    async (_name, field, title) => {
      renderInTestApp(
        <FieldHarness
          field={field}
          title={title}
          form={{ cluster: 'pve1' }}
          onValue={jest.fn()}
          rawErrors={['Policy allows at most 16 vCPU']}
        />,
        { apis: [[proxmoxApiRef, fakeApi()]] },
      );
      await waitFor(() =>
        expect(document.querySelector('.Mui-error')).not.toBeNull(),
      );
      // Let the live choices settle, then look for a second copy.
      await act(async () => {});
      expect(screen.queryByText(/at most 16 vCPU/)).toBeNull();
    },
  );

  it('ProxmoxClusterPicker lists clusters and defaults to the default cluster', async () => {
    const api = fakeApi();
    const onValue = jest.fn();
    renderInTestApp(
      <FieldHarness
        field={clusterPickerField}
        title="Cluster"
        onValue={onValue}
      />,
      { apis: [[proxmoxApiRef, api]] },
    );
    await waitFor(() => expect(onValue).toHaveBeenCalledWith('pve1'));
    const select = screen.getByLabelText(/^Cluster/);
    expect(
      within(select).getByRole('option', { name: 'pve1 (default)' }),
    ).toBeInTheDocument();
    await userEvent.selectOptions(select, 'pve2');
    expect(onValue).toHaveBeenLastCalledWith('pve2');
    expect(api.getOptions).toHaveBeenCalledWith(undefined);
  });

  /** A `vm-template` Resource as catalog-backend-module-proxmox emits it. */
  function templateEntity(cluster: string, vmid: number, name: string) {
    return {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: `${cluster}-template-${vmid}`,
        title: `${name} (${cluster})`,
        annotations: {
          'proxmox.com/cluster': cluster,
          'proxmox.com/vmid': String(vmid),
          'proxmox.com/node': 'n1',
        },
      },
      spec: { type: 'vm-template', owner: 'group:default/platform-admins' },
    };
  }

  function fakeCatalog(items: unknown[] | Error) {
    return {
      getEntities: jest.fn(async () => {
        if (items instanceof Error) throw items;
        return { items };
      }),
    };
  }

  it("ProxmoxTemplatePicker lists the catalog's templates of the chosen cluster with their disk sizes and emits the template name", async () => {
    const api = fakeApi();
    // 9001 is in the catalog and allowed; 9005 is in the catalog only (policy
    // does not allow it); 9000 is allowed but not ingested yet.
    const catalog = fakeCatalog([
      templateEntity('pve2', 9005, 'windows-2022'),
      templateEntity('pve2', 9001, 'ubuntu-24'),
    ]);
    const onValue = jest.fn();
    renderInTestApp(
      <FieldHarness
        field={templatePickerField}
        title="Template"
        form={{ cluster: 'pve2' }}
        onValue={onValue}
      />,
      {
        apis: [
          [proxmoxApiRef, api],
          [catalogApiRef, catalog as any],
        ],
      },
    );
    const select = screen.getByLabelText(/^Template/);
    expect(
      await within(select).findByRole('option', {
        name: 'ubuntu-24 (pve2) — 40 GiB disk (VMID 9001 on n1)',
      }),
    ).toHaveValue('ubuntu-24');
    expect(catalog.getEntities).toHaveBeenCalledWith(
      expect.objectContaining({
        filter: {
          kind: 'resource',
          'spec.type': 'vm-template',
          'metadata.annotations.proxmox.com/cluster': 'pve2',
        },
      }),
    );
    expect(api.getOptions).toHaveBeenCalledWith('pve2');
    expect(
      within(select).getByRole('option', {
        name: 'windows-2022 (pve2) — not allowed by policy here (VMID 9005)',
      }),
    ).toBeDisabled();
    expect(
      within(select).getByRole('option', {
        name: 'debian-12 — 20 GiB disk (VMID 9000 on n1) — not in the catalog yet',
      }),
    ).toHaveValue('debian-12');
    expect(screen.getByTestId('template-picker')).toHaveAttribute(
      'data-source',
      'catalog',
    );
    await userEvent.selectOptions(select, 'ubuntu-24');
    expect(onValue).toHaveBeenLastCalledWith('ubuntu-24');
    expect(
      screen.getByText(
        /Disk of ubuntu-24: 40 GiB, the smallest disk the VM can have\. Catalog entity: pve2-template-9001\./,
      ),
    ).toBeInTheDocument();
    expect(
      await validate(templatePickerField, 'nope', {
        apiHolder: holder(api),
        formData: { cluster: 'pve2' },
      }),
    ).toEqual(['nope is not a template policy allows here']);
    expect(
      await validate(templatePickerField, '9001', {
        apiHolder: holder(api),
        formData: { cluster: 'pve2' },
      }),
    ).toEqual([]);
  });

  it('ProxmoxTemplatePicker asks the catalog for the default cluster while none is chosen', async () => {
    const catalog = fakeCatalog([templateEntity('pve1', 9000, 'debian-12')]);
    renderInTestApp(
      <FieldHarness
        field={templatePickerField}
        title="Template"
        onValue={jest.fn()}
      />,
      {
        apis: [
          [proxmoxApiRef, fakeApi()],
          [catalogApiRef, catalog as any],
        ],
      },
    );
    const select = screen.getByLabelText(/^Template/);
    await within(select).findByRole('option', {
      name: 'debian-12 (pve1) — 20 GiB disk (VMID 9000 on n1)',
    });
    expect(catalog.getEntities).toHaveBeenCalledWith(
      expect.objectContaining({
        filter: expect.objectContaining({
          'metadata.annotations.proxmox.com/cluster': 'pve1',
        }),
      }),
    );
  });

  it.each([
    [
      'has not ingested the templates yet',
      [] as unknown[],
      'The catalog lists no templates of pve2 yet (it ingests them within minutes): these are the live templates of Proxmox.',
    ],
    [
      'cannot be read',
      new Error('catalog down'),
      "Could not read the catalog's templates (catalog down): these are the live templates of Proxmox.",
    ],
  ])(
    'ProxmoxTemplatePicker falls back to the live templates when the catalog %s',
    async (_case, items, message) => {
      const onValue = jest.fn();
      renderInTestApp(
        <FieldHarness
          field={templatePickerField}
          title="Template"
          form={{ cluster: 'pve2' }}
          onValue={onValue}
        />,
        {
          apis: [
            [proxmoxApiRef, fakeApi()],
            [catalogApiRef, fakeCatalog(items as any) as any],
          ],
        },
      );
      const select = screen.getByLabelText(/^Template/);
      await within(select).findByRole('option', {
        name: 'ubuntu-24 — 40 GiB disk (VMID 9001 on n1)',
      });
      expect(
        await screen.findByTestId('template-picker-source'),
      ).toHaveTextContent(message);
      expect(screen.getByTestId('template-picker')).toHaveAttribute(
        'data-source',
        'live',
      );
      await userEvent.selectOptions(select, 'ubuntu-24');
      expect(onValue).toHaveBeenLastCalledWith('ubuntu-24');
      expect(screen.getByText(/Disk of ubuntu-24: 40 GiB/)).toBeInTheDocument();
    },
  );

  it('ProxmoxNodePicker offers automatic placement and free capacity per node', async () => {
    const onValue = jest.fn();
    renderInTestApp(
      <FieldHarness
        field={nodePickerField}
        title="Node"
        form={{ cluster: 'pve1' }}
        onValue={onValue}
      />,
      { apis: [[proxmoxApiRef, fakeApi()]] },
    );
    const select = screen.getByLabelText(/^Node/);
    expect(select).toHaveValue('');
    expect(
      within(select).getByRole('option', { name: 'Automatic placement' }),
    ).toBeInTheDocument();
    expect(
      await within(select).findByRole('option', {
        name: 'n1 — 12 free cores, 32 GiB free of 64 GiB',
      }),
    ).toBeInTheDocument();
    await userEvent.selectOptions(select, 'n2');
    expect(onValue).toHaveBeenLastCalledWith('n2');
    await userEvent.selectOptions(select, '');
    expect(onValue).toHaveBeenLastCalledWith(undefined);
  });

  it('ProxmoxSizePicker offers presets and custom sizes within the limits', async () => {
    const api = fakeApi();
    const onValue = jest.fn();
    renderInTestApp(
      <FieldHarness
        field={sizePickerField}
        title="Size"
        form={{ cluster: 'pve1', template: 'ubuntu-24' }}
        onValue={onValue}
      />,
      { apis: [[proxmoxApiRef, api]] },
    );
    // The small preset's 20 GiB disk is raised to the template's 40 GiB.
    const small = await screen.findByRole('radio', {
      name: /small — 1 vCPU, 2 GiB memory, 40 GiB disk/,
    });
    expect(screen.getByTestId('size-limits')).toHaveTextContent(
      "Policy allows up to 16 vCPU, 64 GiB memory and 500 GiB disk per VM; the disk is at least the template's 40 GiB.",
    );
    await userEvent.click(small);
    expect(onValue).toHaveBeenLastCalledWith({
      preset: 'small',
      cores: 1,
      memoryMiB: 2048,
      diskGiB: 40,
    });
    await userEvent.click(screen.getByRole('radio', { name: 'Custom' }));
    const cores = screen.getByLabelText('Cores');
    await userEvent.clear(cores);
    await userEvent.type(cores, '8');
    expect(onValue).toHaveBeenLastCalledWith({
      cores: 8,
      memoryMiB: 2048,
      diskGiB: 40,
    });

    const ctx = {
      apiHolder: holder(api),
      formData: { cluster: 'pve1', template: 'ubuntu-24' },
    };
    expect(
      await validate(
        sizePickerField,
        { cores: 8, memoryMiB: 2048, diskGiB: 40 },
        ctx,
      ),
    ).toEqual([]);
    expect(
      await validate(
        sizePickerField,
        { cores: 32, memoryMiB: 2048, diskGiB: 20 },
        ctx,
      ),
    ).toEqual([
      'Policy allows at most 16 vCPU',
      "The disk cannot be smaller than the template's 40 GiB",
    ]);
  });

  it('ProxmoxNetworkPicker emits a bridge or a vnet', async () => {
    const onValue = jest.fn();
    renderInTestApp(
      <FieldHarness
        field={networkPickerField}
        title="Network"
        form={{ cluster: 'pve1' }}
        onValue={onValue}
      />,
      { apis: [[proxmoxApiRef, fakeApi()]] },
    );
    const select = screen.getByLabelText(/^Network/);
    await within(select).findByRole('option', { name: 'vmbr1 (bridge)' });
    await userEvent.selectOptions(select, 'bridge:vmbr1');
    expect(onValue).toHaveBeenLastCalledWith({ bridge: 'vmbr1' });
    await userEvent.selectOptions(select, 'vnet:prod');
    expect(onValue).toHaveBeenLastCalledWith({ vnet: 'prod' });
  });

  it('ProxmoxSecurityGroupsPicker emits the checked groups', async () => {
    const onValue = jest.fn();
    renderInTestApp(
      <FieldHarness
        field={securityGroupsPickerField}
        title="Security groups"
        form={{ cluster: 'pve1' }}
        onValue={onValue}
      />,
      { apis: [[proxmoxApiRef, fakeApi()]] },
    );
    await userEvent.click(await screen.findByRole('checkbox', { name: 'ssh' }));
    expect(onValue).toHaveBeenLastCalledWith(['ssh']);
    await userEvent.click(screen.getByRole('checkbox', { name: 'web' }));
    expect(onValue).toHaveBeenLastCalledWith(['web', 'ssh']);
    await userEvent.click(screen.getByRole('checkbox', { name: 'ssh' }));
    expect(onValue).toHaveBeenLastCalledWith(['web']);
  });

  it('ProxmoxIpv4Picker emits dhcp or a static address, and validates it', async () => {
    const onValue = jest.fn();
    renderInTestApp(
      <FieldHarness field={ipv4PickerField} title="IPv4" onValue={onValue} />,
      { apis: [[proxmoxApiRef, fakeApi()]] },
    );
    await waitFor(() => expect(onValue).toHaveBeenCalledWith('dhcp'));
    await userEvent.click(
      screen.getByRole('radio', { name: 'Static address' }),
    );
    await userEvent.type(
      screen.getByLabelText('Address (CIDR)'),
      '10.0.0.5/24',
    );
    await userEvent.type(screen.getByLabelText('Gateway'), '10.0.0.1');
    expect(onValue).toHaveBeenLastCalledWith({
      address: '10.0.0.5/24',
      gateway: '10.0.0.1',
    });
    const ctx = { apiHolder: holder(undefined), formData: {} };
    expect(await validate(ipv4PickerField, 'dhcp', ctx)).toEqual([]);
    expect(
      await validate(
        ipv4PickerField,
        { address: '10.0.0.5', gateway: '10.0.0.1' },
        ctx,
      ),
    ).toEqual([
      'must be an IPv4 address with a prefix length, e.g. 10.0.0.5/24',
    ]);
  });

  const FORM = {
    name: 'web-1',
    cluster: 'pve1',
    template: 'debian-12',
    size: { cores: 32, memoryMiB: 4096, diskGiB: 40 },
    network: { bridge: 'vmbr0' },
    securityGroups: ['web'],
    user: 'alice',
    ipv4: 'dhcp',
    owner: 'group:default/team-a',
  };

  it('ProxmoxPolicyReview shows the findings of the whole form and fails validation on errors', async () => {
    const findings = [
      {
        level: 'error' as const,
        field: 'cores',
        message: 'At most 16 vCPU per VM',
      },
      { level: 'warning' as const, message: 'Lease is long' },
    ];
    const api = fakeApi({
      validate: jest.fn(async () => ({
        findings,
        allowed: false,
        autoApprove: false,
      })),
    });
    const onValue = jest.fn();
    renderInTestApp(
      <FieldHarness
        field={policyReviewField}
        title="Policy review"
        form={FORM}
        onValue={onValue}
        uiOptions={{ debounceMs: 0 }}
      />,
      { apis: [[proxmoxApiRef, api]] },
    );
    expect(
      await screen.findByText(/At most 16 vCPU per VM/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('list', { name: 'Policy warnings' }),
    ).toHaveTextContent('Lease is long');
    expect(api.validate).toHaveBeenCalledWith(
      expect.objectContaining({
        name: 'web-1',
        cores: 32,
        cloudInit: { user: 'alice', ipv4: 'dhcp' },
      }),
    );
    await waitFor(() => expect(onValue).toHaveBeenLastCalledWith('errors'));
    expect(
      await validate(policyReviewField, 'errors', {
        apiHolder: holder(api),
        formData: FORM,
      }),
    ).toEqual(['At most 16 vCPU per VM']);
  });

  it('ProxmoxPolicyReview says "Within policy" when clean, and validation passes', async () => {
    const api = fakeApi();
    const onValue = jest.fn();
    renderInTestApp(
      <FieldHarness
        field={policyReviewField}
        title="Policy review"
        form={{ ...FORM, size: { cores: 2, memoryMiB: 4096, diskGiB: 40 } }}
        onValue={onValue}
        uiOptions={{ debounceMs: 0 }}
      />,
      { apis: [[proxmoxApiRef, api]] },
    );
    expect(await screen.findByText('Within policy')).toBeInTheDocument();
    await waitFor(() =>
      expect(onValue).toHaveBeenLastCalledWith('within-policy'),
    );
    expect(
      await validate(policyReviewField, 'within-policy', {
        apiHolder: holder(api),
        formData: FORM,
      }),
    ).toEqual([]);
  });

  it('ProxmoxPolicyReview lists the field messages of an incomplete form, debounced', async () => {
    jest.useFakeTimers();
    try {
      const api = fakeApi({
        validate: jest.fn(async () => {
          throw new ProxmoxApiError('Invalid', 400, [
            { field: 'spec.owner', message: 'must be a group entity ref' },
          ]);
        }),
      });
      const onValue = jest.fn();
      renderInTestApp(
        <FieldHarness
          field={policyReviewField}
          title="Policy review"
          form={{ name: 'x' }}
          onValue={onValue}
        />,
        { apis: [[proxmoxApiRef, api]] },
      );
      expect(api.validate).not.toHaveBeenCalled();
      await act(async () => {
        jest.advanceTimersByTime(500);
      });
      jest.useRealTimers();
      expect(
        await screen.findByText('spec.owner: must be a group entity ref'),
      ).toBeInTheDocument();
      expect(api.validate).toHaveBeenCalledTimes(1);
      await waitFor(() =>
        expect(onValue).toHaveBeenLastCalledWith('incomplete'),
      );
    } finally {
      jest.useRealTimers();
    }
  });

  it('the review validation trusts the value when there is no API', async () => {
    expect(
      await validate(policyReviewField, 'errors', {
        apiHolder: holder(undefined),
        formData: {},
      }),
    ).toEqual(['The request breaks policy: see the findings']);
  });

  it('pickers show why live choices are missing', async () => {
    const api = fakeApi({
      getOptions: jest.fn(async () => {
        throw new ProxmoxApiError('Bad', 400, [
          { field: 'cluster', message: 'must be a cluster name' },
        ]);
      }),
    });
    renderInTestApp(
      <FieldHarness
        field={templatePickerField}
        title="Template"
        form={{ cluster: '??' }}
        onValue={jest.fn()}
      />,
      { apis: [[proxmoxApiRef, api]] },
    );
    expect(
      await screen.findByText(
        /Could not load the live choices: cluster: must be a cluster name/,
      ),
    ).toBeInTheDocument();
  });
});

// Keep the fixture import used for type inference of OPTIONS in editors.
void OPTIONS;
