import { z } from 'zod';
import { REQUEST_STATES } from './request';
import { GROUP_REF, vmSpecSchema } from './spec';

/** `POST /requests`. */
export const createRequestBodySchema = z.strictObject({
  kind: z.literal('create').default('create'),
  spec: vmSpecSchema,
  /** false keeps the request as a `draft` the requester submits later. */
  submit: z.boolean().default(true),
});
export type CreateRequestBody = z.input<typeof createRequestBodySchema>;

/** `POST /requests/validate`. */
export const validateRequestBodySchema = z.strictObject({
  kind: z.literal('create').default('create'),
  spec: vmSpecSchema,
});

/** `POST /requests/:id/approve` and `/cancel`. */
export const decisionBodySchema = z.strictObject({
  comment: z.string().trim().max(2000).optional(),
});

/** `POST /requests/:id/reject`: the requester is told why. */
export const rejectBodySchema = z.strictObject({
  comment: z
    .string()
    .trim()
    .min(1, { message: 'say why the request is rejected' })
    .max(2000),
});

export const REQUEST_VIEWS = ['mine', 'awaiting-me', 'all'] as const;
export type RequestView = (typeof REQUEST_VIEWS)[number];

/** `GET /requests` query. */
export const listRequestsQuerySchema = z.strictObject({
  view: z.enum(REQUEST_VIEWS).default('mine'),
  /** One state or several, comma separated. */
  state: z
    .string()
    .transform(s => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(REQUEST_STATES)).max(REQUEST_STATES.length))
    .optional(),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, { message: 'must be a cursor' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListRequestsQuery = z.output<typeof listRequestsQuerySchema>;

/** `GET /options` query. */
export const optionsQuerySchema = z.strictObject({
  cluster: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, {
      message: 'must be a cluster name',
    })
    .optional(),
  /** Filter choices by what policy allows this owner group. */
  owner: z
    .string()
    .regex(GROUP_REF, { message: 'must be a group entity ref' })
    .optional(),
});

/** A request id in a path. */
export const requestIdSchema = z.uuid({ message: 'must be a request id' });
