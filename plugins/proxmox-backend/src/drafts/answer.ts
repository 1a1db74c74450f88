import {
  DraftOperation,
  DraftPlanAnswer,
  draftOperationSchema,
  draftPlanAnswerSchema,
  draftPlanEnvelopeSchema,
} from '@mycopod/plugin-proxmox-common';
import type { z } from 'zod';
import type { ParseOutcome } from '../llm/LlmClient';

/** Zod issues as `path: message` lines. */
export function issueLines(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map(i => {
    const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    return path ? `${path}: ${i.message}` : i.message;
  });
}

/**
 * Checks a model answer with the plan schema of proxmox-common (the same
 * `vmSpecSchema` as a form request) and the configured operation limit.
 */
export function parsePlanAnswer(
  json: unknown,
  maxOperations: number,
): ParseOutcome<DraftPlanAnswer> {
  const result = draftPlanAnswerSchema.safeParse(json);
  if (!result.success) {
    return { success: false, errors: issueLines(result.error) };
  }
  if (result.data.operations.length > maxOperations) {
    return {
      success: false,
      errors: [
        `operations: at most ${maxOperations} operations; write only the first ${maxOperations} and say in assumptions what was left out`,
      ],
    };
  }
  return { success: true, data: result.data };
}

/** One operation of a salvaged answer: understood, or not (with why). */
export type SalvagedOperation =
  | { ok: true; operation: DraftOperation }
  | { ok: false; proposed: unknown; errors: string[] };

/**
 * An answer that stayed invalid after the second try, operation by
 * operation: the valid ones are kept, the others become error findings.
 * Undefined when even the envelope (rationale, assumptions, an array of at
 * most `maxOperations` operations) is not there.
 */
export function salvagePlanAnswer(
  json: unknown,
  maxOperations: number,
):
  | {
      rationale: string;
      assumptions: string[];
      operations: SalvagedOperation[];
    }
  | undefined {
  const envelope = draftPlanEnvelopeSchema.safeParse(json);
  if (!envelope.success || envelope.data.operations.length > maxOperations) {
    return undefined;
  }
  return {
    rationale: envelope.data.rationale,
    assumptions: envelope.data.assumptions,
    operations: envelope.data.operations.map((proposed, i) => {
      const op = draftOperationSchema.safeParse(proposed);
      return op.success
        ? { ok: true as const, operation: op.data }
        : {
            ok: false as const,
            proposed,
            errors: issueLines(op.error, `operations.${i}`),
          };
    }),
  };
}
