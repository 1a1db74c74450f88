/** An error with PVE API semantics (status + message [+ per-parameter errors]). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

/** A plain `die "...\n"` in PVE API code → HTTP 500 with the text as reason phrase. */
export function die(message: string): ApiError {
  return new ApiError(500, message.endsWith('\n') ? message : `${message}\n`);
}

/** PVE::Exception::raise_param_exc */
export function paramError(errors: Record<string, string>): ApiError {
  return new ApiError(400, 'Parameter verification failed.\n', errors);
}

/** PVE::Exception::raise_perm_exc */
export function permError(what?: string): ApiError {
  return new ApiError(
    403,
    `Permission check failed${what ? ` (${what})` : ''}\n`,
  );
}

/** Raised to answer with a bare status line and an empty body (595 etc.). */
export class RawStatus extends Error {
  constructor(readonly status: number, readonly reason: string) {
    super(reason);
  }
}
