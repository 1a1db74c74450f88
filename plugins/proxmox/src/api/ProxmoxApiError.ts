import type { Finding, ProxmoxRequest } from '@mycopod/plugin-proxmox-common';

/** One invalid input field, as the backend reports it. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * An error answer of the MycoPod backend, with what its body says: the
 * invalid fields (400), the policy findings (400, 409) and, for a refused
 * approval, the request as it is now (409).
 */
export class ProxmoxApiError extends Error {
  readonly name = 'ProxmoxApiError';

  constructor(
    message: string,
    readonly status: number,
    readonly fields: FieldError[] = [],
    readonly findings: Finding[] = [],
    readonly request?: ProxmoxRequest,
    /** 429: how long to wait before trying again, when the answer says so. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** Every message a person should read, most specific first. */
  get messages(): string[] {
    const lines = [
      ...this.fields.map(f =>
        f.field ? `${f.field}: ${f.message}` : f.message,
      ),
      ...this.findings.map(f => f.message),
    ];
    return lines.length ? lines : [this.message];
  }

  /** Reads a non-2xx response into an error. */
  static async fromResponse(res: Response): Promise<ProxmoxApiError> {
    let body: any;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    const fallback: Record<number, string> = {
      400: 'The request is not valid',
      401: 'You are not signed in',
      403: 'You are not allowed to do this',
      404: 'Not found, or you may not see it',
      409: 'The request changed in the meantime',
      429: 'Too many requests',
    };
    const message =
      (typeof body?.error === 'string' ? body.error : body?.error?.message) ??
      fallback[res.status] ??
      `The Proxmox backend answered ${res.status} ${res.statusText}`.trim();
    const fields: FieldError[] = Array.isArray(body?.fields)
      ? body.fields
          .filter((f: any) => f && typeof f.message === 'string')
          .map((f: any) => ({
            field: String(f.field ?? ''),
            message: f.message,
          }))
      : [];
    const findings: Finding[] = Array.isArray(body?.findings)
      ? body.findings.filter((f: any) => f && typeof f.message === 'string')
      : [];
    return new ProxmoxApiError(
      String(message),
      res.status,
      fields,
      findings,
      body?.request,
      retryAfter(res, body),
    );
  }
}

/**
 * Seconds until a retry, from the `Retry-After` header (seconds or an HTTP
 * date) or the body's `retryAfterSeconds` / `retryAfterMs`.
 */
function retryAfter(res: Response, body: any): number | undefined {
  const fromBody = body?.retryAfterSeconds ?? body?.error?.retryAfterSeconds;
  if (typeof fromBody === 'number' && fromBody >= 0) return Math.ceil(fromBody);
  const ms = body?.retryAfterMs ?? body?.error?.retryAfterMs;
  if (typeof ms === 'number' && ms >= 0) return Math.ceil(ms / 1000);
  const header = res.headers?.get?.('Retry-After')?.trim();
  if (!header) return undefined;
  if (/^\d+$/.test(header)) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at)
    ? undefined
    : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** The messages of any error, for display. */
export function errorMessages(error: unknown): string[] {
  if (error instanceof ProxmoxApiError) return error.messages;
  if (error instanceof Error) return [error.message];
  return [String(error)];
}
