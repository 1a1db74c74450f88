import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  guestEntityRef,
  type ProxmoxRequestDetails,
} from '@mycopod/plugin-proxmox-common';
import { ProxmoxRequestsClient } from '../client';
import { poll, PollAbortedError, PollTimeoutError } from '../poll';
import { requestUrl } from './request';

/** Where the wait ends. */
export const FINAL_STATES = [
  'ready',
  'failed',
  'rejected',
  'cancelled',
  'expired',
  'decommissioned',
] as const;

const DEFAULT_TIMEOUT_MINUTES = 10;

/**
 * `proxmox:vm:await`: waits (bounded, cancellable) until a request is ready,
 * failed, rejected or cancelled and logs its progress into the task log.
 */
export function createVmAwaitAction(options: {
  auth: AuthService;
  discovery: DiscoveryService;
  config: Config;
  /** Pause between looks; default 2 s (tests make it shorter). */
  pollIntervalMs?: number;
}) {
  const client = new ProxmoxRequestsClient(options);
  const timeoutMinutes =
    options.config.getOptionalNumber(
      'proxmox.scaffolder.awaitTimeoutMinutes',
    ) ?? DEFAULT_TIMEOUT_MINUTES;
  if (!(timeoutMinutes > 0)) {
    throw new Error(
      `proxmox.scaffolder.awaitTimeoutMinutes must be a positive number, got ${timeoutMinutes}`,
    );
  }
  return createTemplateAction({
    id: 'proxmox:vm:await',
    description: `Optional: waits until a MycoPod VM request is ready, failed, rejected or cancelled (at most proxmox.scaffolder.awaitTimeoutMinutes, default ${DEFAULT_TIMEOUT_MINUTES}), logging its state and provisioning steps. Not needed for approval: proxmox:vm:request finishes as soon as the request is filed.`,
    examples: [
      {
        description: 'Wait for an auto-approved request to be provisioned',
        example: `steps:
  - id: request
    action: proxmox:vm:request
    input:
      spec: \${{ parameters.spec }}
  - id: await
    name: Wait for the VM
    if: \${{ steps['request'].output.state === 'approved' }}
    action: proxmox:vm:await
    input:
      requestId: \${{ steps['request'].output.requestId }}
output:
  links:
    - title: VM
      entityRef: \${{ steps['await'].output.entityRef }}`,
      },
    ],
    supportsDryRun: true,
    schema: {
      input: {
        requestId: z => z.string().min(1).describe('Id of the request'),
        failUnlessReady: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Fail the step when the request ends failed, rejected, cancelled or expired. Default true; false outputs the state instead.',
            ),
      },
      output: {
        state: z =>
          z
            .enum(FINAL_STATES)
            .describe('ready, failed, rejected, cancelled, …'),
        entityRef: z =>
          z
            .string()
            .optional()
            .describe("Catalog entity ref of the VM's Resource (when ready)"),
        ipAddresses: z =>
          z.array(z.string()).describe('IP addresses the guest agent reported'),
      },
    },
    async handler(ctx) {
      const { requestId } = ctx.input;
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would wait up to ${timeoutMinutes} minutes for request ${requestId}`,
        );
        ctx.output('state', 'ready');
        ctx.output('entityRef', 'resource:default/dry-run');
        ctx.output('ipAddresses', []);
        return;
      }
      const credentials = await ctx.getInitiatorCredentials();
      let last: ProxmoxRequestDetails | undefined;
      let lastSeen = '';
      const final = await poll<ProxmoxRequestDetails>({
        intervalMs: options.pollIntervalMs,
        timeoutMs: timeoutMinutes * 60_000,
        signal: ctx.signal,
        isFatal: e =>
          e instanceof NotFoundError || e instanceof NotAllowedError,
        onError: (e, retryInMs) =>
          ctx.logger.warn(
            `Could not read request ${requestId}: ${
              (e as Error)?.message ?? e
            }; trying again in ${Math.round(retryInMs / 1000)} s`,
          ),
        timeoutMessage: () =>
          `Request ${requestId} is still ${
            last?.state ?? 'unknown'
          } after ${timeoutMinutes} minutes; it goes on without this task, see ${requestUrl(
            requestId,
          )}`,
        check: async () => {
          const details = await client.get(credentials, requestId, ctx.signal);
          last = details;
          const step = details.progress?.step;
          const seen = `${details.state}/${step ?? ''}`;
          if (seen !== lastSeen) {
            lastSeen = seen;
            ctx.logger.info(
              `Request ${requestId} is ${details.state}${
                step && details.state === 'provisioning'
                  ? ` (step ${step})`
                  : ''
              }`,
            );
          }
          return (FINAL_STATES as readonly string[]).includes(details.state)
            ? details
            : undefined;
        },
      }).catch(e => {
        if (e instanceof PollAbortedError || ctx.signal?.aborted) {
          throw new Error(
            `Stopped waiting for request ${requestId}: the task was cancelled`,
          );
        }
        if (e instanceof PollTimeoutError) throw new Error(e.message);
        throw e;
      });

      const state = final.state as (typeof FINAL_STATES)[number];
      const ipAddresses = final.progress?.ipAddresses ?? [];
      const vmid = final.guest?.vmid;
      const entityRef =
        state === 'ready' && final.guest && vmid !== undefined
          ? guestEntityRef(final.guest.cluster, vmid)
          : undefined;
      if (state === 'ready') {
        ctx.logger.info(
          `Request ${requestId} is ready: ${entityRef ?? 'guest'}${
            ipAddresses.length ? `, ${ipAddresses.join(', ')}` : ''
          }`,
        );
      } else {
        const comment = [...(final.history ?? [])]
          .reverse()
          .find(h => h.toState === state)?.comment;
        const why = final.failureReason ?? comment;
        const message = `Request ${requestId} ended ${state}${
          why ? `: ${why}` : ''
        }`;
        if (ctx.input.failUnlessReady ?? true) throw new Error(message);
        ctx.logger.warn(message);
      }
      ctx.output('state', state);
      if (entityRef) ctx.output('entityRef', entityRef);
      ctx.output('ipAddresses', ipAddresses);
    },
  });
}
