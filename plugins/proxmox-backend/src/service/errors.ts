import type { Finding, ProxmoxRequest } from '@mycopod/plugin-proxmox-common';
import { CustomErrorBase } from '@backstage/errors';

/** One invalid field of a request body or query. */
export interface FieldError {
  /** Dotted path, e.g. `spec.cloudInit.user`; empty for the whole body. */
  field: string;
  message: string;
}

/** Input that fails the schema: answered 400 with every field's message. */
export class RequestValidationError extends CustomErrorBase {
  name = 'InputError' as const;
  constructor(readonly fields: FieldError[]) {
    super(
      fields
        .map(f => (f.field ? `${f.field}: ${f.message}` : f.message))
        .join('; '),
    );
  }
}

/** A spec the policy refuses: answered 400 with the findings. */
export class PolicyViolationError extends CustomErrorBase {
  name = 'InputError' as const;
  constructor(readonly findings: Finding[]) {
    super(
      `The request breaks policy: ${findings
        .filter(f => f.level === 'error')
        .map(f => f.message)
        .join('; ')}`,
    );
  }
}

/**
 * An approval that the policy re-check turned into a rejection (e.g. the
 * group's quota was taken by a concurrent approval): answered 409.
 */
export class ApprovalRefusedError extends CustomErrorBase {
  name = 'ConflictError' as const;
  constructor(readonly request: ProxmoxRequest) {
    super(
      `The request was rejected on approval: ${request.findings
        .filter(f => f.level === 'error')
        .map(f => f.message)
        .join('; ')}`,
    );
  }
}
