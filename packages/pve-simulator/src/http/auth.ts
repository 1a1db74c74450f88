/** Authentication (API tokens, tickets + CSRF) and schema permission checks. */
import type { IncomingMessage } from 'node:http';
import {
  AuthInfo,
  hasPriv,
  SimContext,
  verifyCsrfToken,
  verifyTicket,
} from '../context';
import type { RouteDef } from '../routes/types';
import { permError } from './errors';

function extractAuthValue(
  header: string | undefined,
  name: string,
): string | undefined {
  if (!header) return undefined;
  const m = new RegExp(`(?:^|\\s)${name}(?:=| )([^;]*)`).exec(header);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

function extractCookie(
  header: string | undefined,
  name: string,
): string | undefined {
  if (!header) return undefined;
  const m = new RegExp(`(?:^|\\s|;)${name}=([^;]*)`).exec(header);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

type AuthResult = { ok: true; auth: AuthInfo } | { ok: false; reason: string };

export function authenticate(
  sim: SimContext,
  req: IncomingMessage,
  method: string,
): AuthResult {
  const authHeader = req.headers.authorization;
  const ticket =
    extractCookie(req.headers.cookie, 'PVEAuthCookie') ??
    extractAuthValue(authHeader, 'PVEAuthCookie');
  if (ticket) {
    const userid = verifyTicket(sim.ticketSecret, ticket);
    const user = userid ? sim.users.get(userid) : undefined;
    if (!userid || !user)
      return { ok: false, reason: 'Authentication failed!' };
    if (method !== 'GET') {
      const csrf = req.headers.csrfpreventiontoken;
      if (
        !verifyCsrfToken(
          sim.ticketSecret,
          userid,
          Array.isArray(csrf) ? csrf[0] : csrf,
        )
      ) {
        return { ok: false, reason: 'Permission denied - invalid csrf token' };
      }
    }
    return {
      ok: true,
      auth: { userid, isToken: false, privileges: user.privileges ?? 'admin' },
    };
  }
  const token = extractAuthValue(authHeader, 'PVEAPIToken');
  if (!token) return { ok: false, reason: 'No ticket' };
  const m = /^(.*)=(.*)$/.exec(token);
  if (!m) return { ok: false, reason: 'Authentication failed!' };
  const def = sim.tokens.get(m[1]);
  if (
    !def ||
    def.secret !== m[2] ||
    !/^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/.test(m[1])
  ) {
    return { ok: false, reason: 'Authentication failed!' };
  }
  return {
    ok: true,
    auth: {
      userid: def.tokenId,
      isToken: true,
      privileges: def.privileges ?? 'admin',
      ...(def.acl ? { acl: def.acl } : {}),
    },
  };
}

/** RPCEnvironment::exec_api2_perm_check (perm / and / or with any + require_param). */
function permCheck(
  auth: AuthInfo,
  check: ReadonlyArray<unknown>,
  params: Record<string, unknown>,
  noerr: boolean,
): boolean {
  const [test, ...rest] = check;
  if (test === 'and') {
    for (const sub of rest) permCheck(auth, sub as unknown[], params, false);
    return true;
  }
  if (test === 'or') {
    for (const sub of rest)
      if (permCheck(auth, sub as unknown[], params, true)) return true;
    if (noerr) return false;
    throw permError();
  }
  if (test === 'perm') {
    const [tmpl, privs, ...optList] = rest as [string, string[], ...unknown[]];
    const options: Record<string, unknown> = {};
    for (let i = 0; i + 1 < optList.length; i += 2)
      options[String(optList[i])] = optList[i + 1];
    const req = options.require_param as string | undefined;
    if (req && (params[req] === undefined || params[req] === null)) {
      if (noerr) return false;
      throw permError();
    }
    const path = tmpl.replace(/\{([^}]+)\}/g, (_m, k: string) =>
      String(params[k] ?? ''),
    );
    if (options.any) {
      if (privs.some(p => hasPriv(auth, p, path))) return true;
      if (noerr) return false;
      throw permError(`${path}, ${privs.join('|')}`);
    }
    for (const p of privs) {
      if (!hasPriv(auth, p, path)) {
        if (noerr) return false;
        throw permError(`${path}, ${p}`);
      }
    }
    return true;
  }
  throw new Error(`unknown permission test ${String(test)}`);
}

export function checkPermissions(
  auth: AuthInfo,
  route: RouteDef,
  params: Record<string, unknown>,
) {
  const perm = route.permissions;
  if (perm.user === 'world') return;
  if (auth.userid === 'root@pam') return;
  if (perm.user === 'all') return;
  if (perm.check) {
    permCheck(auth, perm.check, params, false);
    return;
  }
  throw permError();
}
