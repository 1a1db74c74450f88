/*
 * templates/vm-from-template through the REAL scaffolder backend (dry run):
 * its rendering keeps numbers, arrays and objects, the step input is the
 * spec vmSpecFromForm makes of the same form, and the proxmox backend
 * validates it.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  vmSpecFromForm,
  type VmFormValues,
} from '@mycopod/plugin-proxmox-common';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import { deepWithoutEmpty } from './spec';
import {
  DEV,
  labSpec,
  startActionsBackend,
  type ActionsTestBackend,
} from './__testUtils__/testBackend';
import { DRY_RUN_REQUEST_ID } from './actions/request';

jest.setTimeout(120_000);

const template = parse(
  readFileSync(
    resolve(__dirname, '../../../templates/vm-from-template/template.yaml'),
    'utf8',
  ),
);

const KEY = labSpec().cloudInit.sshKeys[0];

/** A filled-in form, as the MycoPod fields produce it. */
function form(over: Partial<VmFormValues> = {}): VmFormValues {
  return {
    cluster: 'lab',
    template: 'ubuntu-24.04-cloudinit',
    node: 'pve-lab-1',
    size: { preset: 'small', cores: 2, memoryMiB: 2048, diskGiB: 40 },
    network: { bridge: 'vmbr0' },
    securityGroups: ['web', 'ssh'],
    name: 'tpl-01',
    user: 'ubuntu',
    sshKeys: [KEY],
    ipv4: { address: '10.10.0.42/24', gateway: '10.10.0.1' },
    owner: 'group:default/team-a',
    leaseDays: 14,
    justification: 'template test',
    ...over,
  };
}

let tb: ActionsTestBackend;

beforeAll(async () => {
  tb = await startActionsBackend({ scaffolder: true });
});
afterAll(async () => {
  await tb?.stop();
});

function dryRun(values: VmFormValues) {
  return request(tb.server)
    .post('/api/scaffolder/v2/dry-run')
    .set('Authorization', mockCredentials.user.header(DEV))
    .send({ template, values, directoryContents: [] });
}

/** A log message without colour codes and level prefix. */
function plain(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/\u001b\[\d+m/g, '').replace(/^\w+: /, '');
}

/** The step input the scaffolder rendered, from the dry run's log. */
function renderedInput(log: Array<{ body: { message: string } }>) {
  const prefix =
    'Running proxmox:vm:request in dry-run mode with inputs (secrets redacted): ';
  const line = log
    .map(l => plain(l.body.message))
    .find(m => m.startsWith(prefix));
  expect(line).toBeDefined();
  return JSON.parse(line!.slice(prefix.length));
}

describe('templates/vm-from-template', () => {
  it('is a Template named vm-from-template with recovery and the contract fields', () => {
    expect(template).toMatchObject({
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      kind: 'Template',
      metadata: {
        name: 'vm-from-template',
        title: 'Virtual machine from a Proxmox template',
      },
      spec: {
        owner: 'group:default/platform-admins',
        type: 'resource',
        EXPERIMENTAL_recovery: { EXPERIMENTAL_strategy: 'startOver' },
      },
    });
    const fields = Object.fromEntries(
      template.spec.parameters.flatMap((p: any) =>
        Object.entries(p.properties).map(([k, v]: [string, any]) => [
          k,
          v['ui:field'] ?? v.type,
        ]),
      ),
    );
    expect(fields).toEqual({
      cluster: 'ProxmoxClusterPicker',
      template: 'ProxmoxTemplatePicker',
      node: 'ProxmoxNodePicker',
      size: 'ProxmoxSizePicker',
      network: 'ProxmoxNetworkPicker',
      securityGroups: 'ProxmoxSecurityGroupsPicker',
      name: 'string',
      user: 'string',
      sshKeys: 'array',
      ipv4: 'ProxmoxIpv4Picker',
      owner: 'OwnerPicker',
      leaseDays: 'integer',
      justification: 'string',
      review: 'ProxmoxPolicyReview',
    });
    expect(template.spec.parameters.map((p: any) => p.title)).toEqual([
      'Where',
      'Size and network',
      'Access',
      'Ownership and lease',
      'Policy check',
    ]);
    // A field on a oneOf schema: without this flag rjsf renders its own
    // oneOf chooser, and the picker a second time, under the picker.
    const access = template.spec.parameters.find(
      (p: any) => p.title === 'Access',
    );
    expect(access.properties.ipv4['ui:fieldReplacesAnyOrOneOf']).toBe(true);
  });

  it('dry run: renders the spec vmSpecFromForm makes, typed, and the proxmox backend accepts it', async () => {
    const values = form();
    const res = await dryRun(values);
    expect(res.status).toBe(200);
    const input = renderedInput(res.body.log);
    // Whole-expression values keep their types.
    expect(input.spec.cores).toBe(2);
    expect(input.spec.leaseDays).toBe(14);
    expect(input.spec.securityGroups).toEqual(['web', 'ssh']);
    expect(input.spec.network).toEqual({ bridge: 'vmbr0' });
    expect(input.spec.cloudInit.ipv4).toEqual({
      address: '10.10.0.42/24',
      gateway: '10.10.0.1',
    });
    expect(deepWithoutEmpty(input.spec)).toEqual(vmSpecFromForm(values));

    expect(res.body.output.links).toEqual([
      { title: 'Request', url: `/proxmox/requests/${DRY_RUN_REQUEST_ID}` },
    ]);
    const messages = res.body.log.map((l: any) => l.body.message).join('\n');
    expect(messages).toContain('passes the policy');
    // A dry run files nothing.
    const mine = await request(tb.server)
      .get('/api/proxmox/requests?view=mine')
      .set('Authorization', mockCredentials.user.header(DEV));
    expect(mine.body.items).toEqual([]);
  });

  it('dry run: unset optional fields (node, lease, justification) and DHCP', async () => {
    const values = form({
      node: undefined,
      leaseDays: undefined,
      justification: undefined,
      ipv4: 'dhcp',
      securityGroups: [],
    });
    const res = await dryRun(values);
    expect(res.status).toBe(200);
    const input = renderedInput(res.body.log);
    expect(deepWithoutEmpty(input.spec)).toEqual(vmSpecFromForm(values));
    expect(input.spec.cloudInit.ipv4).toBe('dhcp');
  });

  it('dry run: a name of digits stays a string', async () => {
    const res = await dryRun(form({ name: '1234' }));
    const input = renderedInput(res.body.log);
    expect(input.spec.name).toBe('1234');
    expect(res.status).toBe(200);
  });

  it('dry run: fails with the policy findings of a spec the policy refuses', async () => {
    const res = await dryRun(
      form({ size: { cores: 64, memoryMiB: 2048, diskGiB: 40 } }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /The VM request breaks policy: error \[cores\]/,
    );
  });
});
