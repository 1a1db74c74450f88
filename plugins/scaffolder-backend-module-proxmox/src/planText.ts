import type {
  Finding,
  PlanOperation,
  ProxmoxPlan,
} from '@mycopod/plugin-proxmox-common';

/** The app path of a request's page. */
const requestPath = (id: string) => `/proxmox/requests/${id}`;

function findingLine(f: Finding): string {
  return `${f.level}${f.field ? ` [${f.field}]` : ''}: ${f.message}`;
}

function operationLine(op: PlanOperation): string {
  const state = op.request
    ? ` — ${op.request.state} ([request](${requestPath(op.request.id)}))`
    : '';
  const action =
    op.mode === 'action'
      ? ` — immediate action${
          op.actionResult ? `: ${op.actionResult.status}` : ''
        }`
      : '';
  const invalid = op.mode === 'invalid' ? ' — cannot be submitted' : '';
  return `- ${op.summary}${state}${action}${invalid}`;
}

/** A plan in Markdown: its operations with state and findings. */
export function planSummary(plan: ProxmoxPlan): string {
  const lines = [
    `Plan ${plan.id} (${plan.state}): ${plan.operations.length} operation${
      plan.operations.length === 1 ? '' : 's'
    }`,
    ...plan.operations.flatMap(op => [
      operationLine(op),
      ...op.findings.map(f => `  - ${findingLine(f)}`),
    ]),
    ...plan.findings.map(f => `- ${findingLine(f)}`),
  ];
  return lines.join('\n');
}

/**
 * The human-readable declaration of a plan: the developer's words, the
 * model's rationale and assumptions, and every operation with its spec or
 * change, request, state and findings — what a repository keeps.
 */
export function planDeclaration(plan: ProxmoxPlan) {
  return {
    apiVersion: 'mycopod.dev/v1alpha1',
    kind: 'ProxmoxPlan',
    metadata: {
      name: `plan-${plan.id}`,
      requester: plan.requester,
      state: plan.state,
      createdAt: plan.createdAt,
      draftedBy: `${plan.model.provider} ${plan.model.model}`,
    },
    spec: {
      text: plan.text,
      rationale: plan.rationale,
      assumptions: plan.assumptions,
      operations: plan.operations.map(op => ({
        kind: op.kind,
        mode: op.mode,
        summary: op.summary,
        ...(op.target ? { target: op.target } : {}),
        ...(op.request?.kind === 'create' ? { spec: op.request.spec } : {}),
        ...(op.request?.kind !== 'create' && op.change
          ? { change: op.change }
          : {}),
        ...(op.action ? { action: op.action } : {}),
        ...(op.request
          ? {
              request: {
                id: op.request.id,
                state: op.request.state,
                url: requestPath(op.request.id),
              },
            }
          : {}),
        ...(op.actionResult ? { actionResult: op.actionResult } : {}),
        ...(op.findings.length ? { findings: op.findings } : {}),
      })),
      ...(plan.findings.length ? { findings: plan.findings } : {}),
    },
  };
}
