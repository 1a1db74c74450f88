import {
  resolveSafeChildPath,
  type AuthService,
  type DiscoveryService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { planIdSchema } from '@mycopod/plugin-proxmox-common';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { ProxmoxRequestsClient } from '../client';
import { planDeclaration } from '../planText';

/** Where the declaration goes in the workspace unless told. */
export const DEFAULT_DECLARATION_PATH = 'mycopod/plan.yaml';

/**
 * `proxmox:declaration:write`: writes a plan as a human-readable YAML
 * declaration (the developer's words, the operations, their requests and
 * findings) into the task workspace, for Backstage's publish actions.
 */
export function createDeclarationWriteAction(options: {
  auth: AuthService;
  discovery: DiscoveryService;
}) {
  const client = new ProxmoxRequestsClient(options);
  return createTemplateAction({
    id: 'proxmox:declaration:write',
    description:
      "Writes a MycoPod plan as a human-readable YAML declaration (the developer's original text, the model's rationale and assumptions, every operation with its spec or change, request and findings) into the workspace, so publish:github / publish:gitlab / … can put it in a repository. Reads the plan as the user running the template.",
    examples: [
      {
        description:
          'Write the declaration, then publish it (needs a Git integration)',
        example: `steps:
  - id: declaration
    action: proxmox:declaration:write
    input:
      planId: \${{ parameters.plan.planId }}
  - id: publish
    action: publish:github
    input:
      repoUrl: github.com?owner=acme&repo=infra-requests`,
      },
    ],
    supportsDryRun: true,
    schema: {
      input: {
        planId: z => z.string().describe('The plan id'),
        path: z =>
          z
            .string()
            .optional()
            .describe(
              `Path of the file in the workspace (default ${DEFAULT_DECLARATION_PATH})`,
            ),
      },
      output: {
        path: z => z.string().describe('The path written, in the workspace'),
      },
    },
    async handler(ctx) {
      const id = planIdSchema.safeParse(ctx.input.planId);
      if (!id.success) throw new InputError('planId: must be a plan id');
      const relative = ctx.input.path ?? DEFAULT_DECLARATION_PATH;
      if (!/\.ya?ml$/.test(relative)) {
        throw new InputError('path: must end in .yaml or .yml');
      }
      // refuses paths that leave the workspace
      const target = resolveSafeChildPath(ctx.workspacePath, relative);
      const plan = await client.getPlan(
        await ctx.getInitiatorCredentials(),
        id.data,
      );
      const yaml = `# MycoPod plan ${plan.id}: drafted from the text below by ${
        plan.model.provider
      } ${plan.model.model}, reviewed and ${
        plan.state === 'submitted' ? 'submitted' : `left ${plan.state}`
      } by ${plan.requester}.\n${stringify(planDeclaration(plan), {
        lineWidth: 100,
      })}`;
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, yaml, 'utf8');
      ctx.logger.info(
        `Wrote the declaration of plan ${plan.id} to ${relative}`,
      );
      ctx.output('path', relative);
    },
  });
}
