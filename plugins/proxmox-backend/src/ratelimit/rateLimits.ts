import type { HttpAuthService } from '@backstage/backend-plugin-api';
import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { RateLimit, RateLimitsConfig } from './config';

/** The methods the `writes` limiter counts. */
export const WRITE_METHODS: ReadonlySet<string> = new Set([
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
]);

const KEY = 'mycopodRateLimitKey';

/**
 * Who a request counts against: the user entity ref, or `service:<subject>`
 * for a service principal; undefined without (valid) credentials — such a
 * request is refused by its route (401) and counts against nobody.
 */
async function callerKey(
  httpAuth: HttpAuthService,
  req: Request,
  res: Response,
): Promise<string | undefined> {
  if (KEY in res.locals) return res.locals[KEY];
  let key: string | undefined;
  try {
    const { principal } = (await httpAuth.credentials(req)) as {
      principal: { type: string; userEntityRef?: string; subject?: string };
    };
    if (principal.type === 'user') key = principal.userEntityRef;
    else if (principal.type === 'service') key = `service:${principal.subject}`;
  } catch {
    key = undefined; // invalid token: the route answers 401
  }
  res.locals[KEY] = key;
  return key;
}

export interface RateLimiters {
  /** Counts every POST/PUT/PATCH/DELETE (mount once, before the routes). */
  writes: RequestHandler;
  /** Counts the requests of the routes it is put on (guest actions). */
  actions: RequestHandler;
}

/**
 * Per-caller fixed-window limits (express-rate-limit, in-memory: each
 * backend replica counts on its own). Over the limit: 429 with `Retry-After`
 * (seconds) and a JSON error in Backstage's shape.
 */
export function createRateLimiters(options: {
  config: RateLimitsConfig;
  httpAuth: HttpAuthService;
  /** Told about every request answered 429 (metrics). */
  onLimited?: (limiter: keyof RateLimitsConfig) => void;
}): RateLimiters {
  const { config, httpAuth, onLimited } = options;

  function limiter(
    name: keyof RateLimitsConfig,
    { limit, windowSeconds }: RateLimit,
    what: string,
    counts: (req: Request) => boolean,
  ): RequestHandler {
    if (limit === 0) return (_req, _res, next) => next();
    const limited = rateLimit({
      windowMs: windowSeconds * 1000,
      limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      keyGenerator: (_req, res) => res.locals[KEY],
      skip: (req, res) => !res.locals[KEY] || !counts(req),
      handler: (_req, res) => {
        onLimited?.(name);
        const retryAfter =
          Number(res.getHeader('Retry-After')) || windowSeconds;
        res.status(429).json({
          error: {
            name: 'TooManyRequestsError',
            message: `Too many ${what}: at most ${limit} in ${windowSeconds} seconds per user. Try again in ${retryAfter} seconds.`,
          },
          response: { statusCode: 429 },
          retryAfterSeconds: retryAfter,
        });
      },
    });
    return (req, res, next) => {
      if (!counts(req)) {
        next();
        return;
      }
      callerKey(httpAuth, req, res).then(() => limited(req, res, next), next);
    };
  }

  return {
    writes: limiter('writes', config.writes, 'changes', req =>
      WRITE_METHODS.has(req.method),
    ),
    actions: limiter('actions', config.actions, 'guest actions', () => true),
  };
}
