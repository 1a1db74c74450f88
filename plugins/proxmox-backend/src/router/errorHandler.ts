import type { ErrorRequestHandler, Response } from 'express';
import {
  ApprovalRefusedError,
  PolicyViolationError,
  RequestValidationError,
} from '../service/errors';

/** Answers the error in Backstage's error body with `extra` fields beside it. */
export type SendError = (
  status: number,
  extra?: Record<string, unknown>,
) => void;

/**
 * An error handler for the errors whose status or body Backstage's error
 * handler does not know: `answer` sends the ones it knows (in Backstage's
 * error body, `{error: {name, message}, response: {statusCode}}`, with more
 * fields beside it) and returns true; the rest go on to the next handler.
 */
export function answerErrors(
  answer: (error: any, send: SendError, res: Response) => boolean,
): ErrorRequestHandler {
  return (error, _req, res, next) => {
    const send: SendError = (status, extra = {}) =>
      res.status(status).json({
        error: { name: error.name, message: error.message },
        response: { statusCode: status },
        ...extra,
      });
    if (res.headersSent || !answer(error, send, res)) next(error);
  };
}

/**
 * Answers the errors whose body carries more than a message: field errors
 * and policy findings. Everything else goes on to Backstage's error handler
 * (InputError 400, NotAllowedError 403, NotFoundError 404, ConflictError 409).
 */
export const proxmoxErrorHandler = answerErrors((error, send, res) => {
  if (error instanceof RequestValidationError) {
    send(400, { fields: error.fields });
  } else if (error instanceof PolicyViolationError) {
    send(400, { findings: error.findings });
  } else if (error instanceof ApprovalRefusedError) {
    send(409, { request: error.request, findings: error.request.findings });
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
    return false;
  }
  return true;
});
