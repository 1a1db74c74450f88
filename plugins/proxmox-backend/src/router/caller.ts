import type {
  BackstageCredentials,
  BackstageUserPrincipal,
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type { Request } from 'express';
import type { Caller } from '../service/RequestService';

/** A user's credentials as a {@link Caller}: their entity ref and ownership. */
export async function callerOf(
  userInfo: UserInfoService,
  credentials: BackstageCredentials<BackstageUserPrincipal>,
): Promise<Caller> {
  const info = await userInfo.getUserInfo(credentials);
  return {
    credentials,
    userRef: info.userEntityRef,
    ownership: info.ownershipEntityRefs,
  };
}

/**
 * The signed-in user a request is made for. User credentials only: a
 * service principal has no requests or plans, and is refused (401).
 */
export async function requestCaller(
  deps: { httpAuth: HttpAuthService; userInfo: UserInfoService },
  req: Request,
): Promise<Caller> {
  const credentials = await deps.httpAuth.credentials(req, { allow: ['user'] });
  return callerOf(deps.userInfo, credentials);
}
