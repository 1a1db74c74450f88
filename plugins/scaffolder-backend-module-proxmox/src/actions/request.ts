import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { describeFinding, ProxmoxRequestsClient } from '../client';
import { parseSpec } from '../spec';

/** App path of a request's page in the MycoPod frontend. */
export function requestUrl(id: string): string {
  return `/proxmox/requests/${id}`;
}

/** What a dry run outputs instead of a request id. */
export const DRY_RUN_REQUEST_ID = '00000000-0000-0000-0000-000000000000';

const examples = [
  {
    description: 'File a VM request with the values of the form',
    example: `steps:
  - id: request
    name: File the VM request
    action: proxmox:vm:request
    input:
      spec:
        name: \${{ parameters.name }}
        cluster: \${{ parameters.cluster }}
        template: \${{ parameters.template }}
        cores: \${{ parameters.size.cores }}
        memoryMiB: \${{ parameters.size.memoryMiB }}
        diskGiB: \${{ parameters.size.diskGiB }}
        network: \${{ parameters.network }}
        securityGroups: \${{ parameters.securityGroups }}
        cloudInit:
          user: \${{ parameters.user }}
          sshKeys: \${{ parameters.sshKeys }}
          ipv4: \${{ parameters.ipv4 }}
        owner: \${{ parameters.owner }}
        justification: \${{ parameters.justification }}
output:
  links:
    - title: Request
      url: /proxmox/requests/\${{ steps['request'].output.requestId }}`,
  },
  {
    description: 'Keep the request as a draft the requester submits later',
    example: `steps:
  - id: request
    action: proxmox:vm:request
    input:
      submit: false
      spec:
        name: web-01
        cluster: lab
        template: ubuntu-24.04-cloudinit
        cores: 2
        memoryMiB: 2048
        diskGiB: 40
        network: { bridge: vmbr0 }
        cloudInit:
          user: ubuntu
          sshKeys: ['ssh-ed25519 AAAA... me@example.com']
          ipv4: dhcp
        owner: group:default/team-a`,
  },
];

/**
 * `proxmox:vm:request`: files a `create` request in the proxmox backend as
 * the user who started the task, exactly once per step (checkpointed).
 */
export function createVmRequestAction(options: {
  auth: AuthService;
  discovery: DiscoveryService;
}) {
  const client = new ProxmoxRequestsClient(options);
  return createTemplateAction({
    id: 'proxmox:vm:request',
    description:
      'Files a request for a Proxmox VM in MycoPod as the user running the template. The request then waits for approval (or is auto-approved); the step does not wait for it. Dry run: checks the spec against the policy only.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        spec: z =>
          z
            .record(z.unknown())
            .describe(
              'The VM spec (vmSpecSchema of @mycopod/plugin-proxmox-common): name, cluster, node?, template, cores, memoryMiB, diskGiB, storage?, network {bridge}|{vnet}, vlan?, securityGroups, cloudInit {user, sshKeys, ipv4}, tags, description?, owner, leaseDays?, system?, justification?. Empty optional values are dropped.',
            ),
        submit: z =>
          z
            .boolean()
            .optional()
            .describe(
              'false keeps the request as a draft the requester submits later. Default true.',
            ),
      },
      output: {
        requestId: z => z.string().describe('Id of the filed request'),
        url: z =>
          z
            .string()
            .describe('App path of the request, /proxmox/requests/<id>'),
        state: z =>
          z
            .enum(['draft', 'pending', 'approved'])
            .describe(
              'pending (awaits approval), approved (auto-approved) or draft (submit: false)',
            ),
      },
    },
    async handler(ctx) {
      const spec = parseSpec(ctx.input.spec);
      const submit = ctx.input.submit ?? true;

      if (ctx.isDryRun) {
        const credentials = await ctx.getInitiatorCredentials();
        const result = await client.validate(credentials, spec);
        for (const finding of result.findings) {
          const line = `Policy ${describeFinding(finding)}`;
          if (finding.level === 'error') ctx.logger.error(line);
          else ctx.logger.warn(line);
        }
        const errors = result.findings.filter(f => f.level === 'error');
        if (errors.length > 0 || !result.allowed) {
          throw new InputError(
            `The VM request breaks policy: ${errors
              .map(describeFinding)
              .join('; ')}`,
          );
        }
        ctx.logger.info(
          `Dry run: the spec of ${spec.name} passes the policy${
            result.autoApprove ? ' and would be approved at once' : ''
          }; no request filed`,
        );
        ctx.output('requestId', DRY_RUN_REQUEST_ID);
        ctx.output('url', requestUrl(DRY_RUN_REQUEST_ID));
        let state: 'draft' | 'pending' | 'approved' = 'pending';
        if (!submit) state = 'draft';
        else if (result.autoApprove) state = 'approved';
        ctx.output('state', state);
        return;
      }

      // A retried or recovered task finds the stored result and files nothing.
      const filed = await ctx.checkpoint({
        key: `create-request:${spec.cluster}/${spec.name}`,
        fn: async () => {
          const credentials = await ctx.getInitiatorCredentials();
          const created = await client.create(credentials, spec, submit);
          return { id: created.id, state: created.state };
        },
      });
      const state = filed.state as 'draft' | 'pending' | 'approved';
      ctx.logger.info(
        `Request ${filed.id} for VM ${spec.name} on ${
          spec.cluster
        } is ${state}${state === 'pending' ? ', waiting for approval' : ''}`,
      );
      ctx.output('requestId', filed.id);
      ctx.output('url', requestUrl(filed.id));
      ctx.output('state', state);
    },
  });
}
