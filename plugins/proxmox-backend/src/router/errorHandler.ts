import type { ErrorRequestHandler, Response } from 'express';
import {
  ApprovalRefusedError,
  PolicyViolationError,
  RequestValidationError,
} from '../service/errors';

/**
 * Answers an error in Backstage's error body (`{error: {name, message},
 * response: {statusCode}}`) with more fields beside it.
 */
export function sendError(
  res: Response,
  error: Error,
  status: number,
  extra: Record<string, unknown> = {},
): void {
  res.status(status).json({
    error: { name: error.name, message: error.message },
    response: { statusCode: status },
    ...extra,
  });
}

/**
 * Answers the errors whose body carries more than a message: field errors
 * and policy findings. Everything else goes on to Backstage's error handler
 * (InputError 400, NotAllowedError 403, NotFoundError 404, ConflictError 409).
 */
export const proxmoxErrorHandler: ErrorRequestHandler = (
  error,
  _req,
  res,
  next,
) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const body = (status: number, extra: Record<string, unknown>) =>
    sendError(res, error, status, extra);
  if (error instanceof RequestValidationError) {
    body(400, { fields: error.fields });
  } else if (error instanceof PolicyViolationError) {
    body(400, { findings: error.findings });
  } else if (error instanceof ApprovalRefusedError) {
    body(409, { request: error.request, findings: error.request.findings });
  } else if (error?.type === 'entity.parse.failed') {
    res.status(400).json({
      error: { name: 'InputError', message: 'The body is not valid JSON' },
      response: { statusCode: 400 },
      fields: [{ field: '', message: 'The body is not valid JSON' }],
    });
  } else if (error?.type === 'entity.too.large') {
    res.status(413).json({
      error: { name: 'InputError', message: 'The body is too large' },
      response: { statusCode: 413 },
    });
  } else {
    next(error);
  }
};
