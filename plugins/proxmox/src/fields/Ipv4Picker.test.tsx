import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { ProxmoxOptions } from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../api';
import { OPTIONS, fakeApi } from '../testUtils/fixtures';
import { FieldHarness, validate } from '../testUtils/fieldHarness';
import { ipv4PickerField } from './pickers';

// the first render of a test app is slow on a busy machine
jest.setTimeout(30_000);

const WITH_POOLS: ProxmoxOptions = {
  ...OPTIONS,
  ipPools: [
    {
      name: 'lab-vmbr0',
      network: { bridge: 'vmbr0' },
      cidr: '10.10.0.0/24',
      gateway: '10.10.0.1',
      size: 50,
      free: 48,
    },
    {
      name: 'lab-full',
      network: { bridge: 'vmbr0' },
      cidr: '10.11.0.0/24',
      gateway: '10.11.0.1',
      size: 4,
      free: 0,
    },
    {
      name: 'services',
      network: { vnet: 'prod' },
      cidr: '10.100.0.0/24',
      gateway: '10.100.0.1',
      size: 9,
      free: 9,
    },
  ],
};

function render(form: Record<string, unknown>, onValue = jest.fn()) {
  const api = fakeApi({ getOptions: jest.fn(async () => WITH_POOLS) });
  renderInTestApp(
    <FieldHarness
      field={ipv4PickerField}
      title="IPv4"
      form={form}
      onValue={onValue}
    />,
    { apis: [[proxmoxApiRef, api]] },
  );
  return { api, onValue };
}

describe('ProxmoxIpv4Picker with IP pools', () => {
  it("lists the chosen network's pools with free counts and emits { pool }", async () => {
    const { api, onValue } = render({
      cluster: 'pve1',
      network: { bridge: 'vmbr0' },
    });
    await waitFor(() => expect(onValue).toHaveBeenCalledWith('dhcp'));
    await userEvent.click(
      await screen.findByRole('radio', { name: 'From an IP pool' }),
    );
    // the first pool with a free address is chosen at once
    expect(onValue).toHaveBeenLastCalledWith({ pool: 'lab-vmbr0' });
    const select = screen.getByLabelText(/^IP pool/);
    const names = within(select)
      .getAllByRole('option')
      .map(o => o.textContent);
    expect(names).toEqual([
      'Choose an IP pool',
      'lab-vmbr0 — 10.10.0.0/24, 48 of 50 free',
      'lab-full — 10.11.0.0/24, full: no free address',
    ]);
    expect(
      within(select).getByRole('option', { name: /^lab-full/ }),
    ).toBeDisabled();
    expect(
      screen.getByText('Pools your group may use on the chosen network.'),
    ).toBeInTheDocument();
    expect(api.getOptions).toHaveBeenCalledWith('pve1');
    await userEvent.click(screen.getByRole('radio', { name: 'DHCP' }));
    expect(onValue).toHaveBeenLastCalledWith('dhcp');
  });

  it('shows every pool with its network until a network is chosen', async () => {
    const { onValue } = render({ cluster: 'pve1' });
    await userEvent.click(
      await screen.findByRole('radio', { name: 'From an IP pool' }),
    );
    const select = screen.getByLabelText(/^IP pool/);
    await userEvent.selectOptions(select, 'services');
    expect(onValue).toHaveBeenLastCalledWith({ pool: 'services' });
    expect(
      within(select).getByRole('option', {
        name: 'services on SDN vnet prod — 10.100.0.0/24, 9 of 9 free',
      }),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Choose a network to see its pools.'),
    ).toBeInTheDocument();
  });

  it('says so when no pool is open on the chosen network', async () => {
    render({ cluster: 'pve1', network: { bridge: 'vmbr1' } });
    await userEvent.click(
      await screen.findByRole('radio', { name: 'From an IP pool' }),
    );
    expect(
      screen.getByText('No IP pool on bridge vmbr1 is open to your group.'),
    ).toBeInTheDocument();
  });

  it('offers no pool choice when the options list no pool', async () => {
    const onValue = jest.fn();
    renderInTestApp(
      <FieldHarness
        field={ipv4PickerField}
        title="IPv4"
        form={{ cluster: 'pve1' }}
        onValue={onValue}
      />,
      { apis: [[proxmoxApiRef, fakeApi()]] },
    );
    await waitFor(() => expect(onValue).toHaveBeenCalledWith('dhcp'));
    expect(
      screen.getByRole('radio', { name: 'Static address' }),
    ).toBeInTheDocument();
    expect(screen.queryByRole('radio', { name: 'From an IP pool' })).toBeNull();
  });

  it('validates a pool choice', async () => {
    const ctx = {
      apiHolder: { get: () => undefined },
      formData: {},
    };
    expect(await validate(ipv4PickerField, { pool: '' }, ctx)).toEqual([
      'choose an IP pool',
    ]);
    expect(await validate(ipv4PickerField, { pool: 'lab-vmbr0' }, ctx)).toEqual(
      [],
    );
    expect(await validate(ipv4PickerField, { pool: 'no spaces' }, ctx)).toEqual(
      ['must be an IP pool name'],
    );
  });
});
