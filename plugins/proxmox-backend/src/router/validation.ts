import type { z } from 'zod';
import { RequestValidationError } from '../service/errors';

/**
 * Parses input with a proxmox-common schema at the edge of the API; throws
 * a {@link RequestValidationError} that lists every invalid field.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix?: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new RequestValidationError(
    result.error.issues.map(issue => ({
      field: [...(prefix ? [prefix] : []), ...issue.path.map(String)].join('.'),
      message: issue.message,
    })),
  );
}
