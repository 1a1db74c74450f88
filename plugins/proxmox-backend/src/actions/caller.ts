import type {
  BackstageCredentials,
  BackstageUserPrincipal,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { DraftRateLimitError, LlmError } from '../llm/errors';
import { callerOf } from '../router/caller';
import { RequestValidationError } from '../service/errors';
import type { Caller } from '../service/RequestService';

/**
 * The signed-in user an action runs for. Actions act for users only: a
 * service principal (e.g. a static MCP token) bypasses the permission
 * policy, so it is refused here rather than given a user's powers.
 */
export async function actionCaller(
  userInfo: UserInfoService,
  credentials: BackstageCredentials,
): Promise<Caller> {
  const principal = credentials.principal as
    | BackstageUserPrincipal
    | { type: 'service' | 'none' };
  if (principal.type !== 'user') {
    throw new NotAllowedError(
      'MycoPod actions act for a signed-in user; connect the MCP client as a user (auth.clientIdMetadataDocuments), not with a service token',
    );
  }
  return callerOf(
    userInfo,
    credentials as BackstageCredentials<BackstageUserPrincipal>,
  );
}

/**
 * Errors of the services as the actions registry answers them: @backstage
 * errors keep their status; the model failing (or not configured)
 * becomes 503,
 * field errors an InputError that lists them.
 */
export async function asActionError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof LlmError) {
      throw new ServiceUnavailableError(e.message);
    }
    if (e instanceof DraftRateLimitError) {
      throw new ServiceUnavailableError(e.message);
    }
    if (e instanceof RequestValidationError) {
      throw new InputError(e.message);
    }
    throw e;
  }
}
