import { InputError } from '@backstage/errors';
import { vmSpecSchema, type VmSpecInput } from '@mycopod/plugin-proxmox-common';

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/**
 * Drops the values an unfilled optional form field renders to (undefined,
 * null, empty strings) at every depth, also inside arrays (e.g. a blank SSH
 * key row), the way `withoutEmpty` of proxmox-common does for one level.
 */
export function deepWithoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter(v => !isEmpty(v)).map(deepWithoutEmpty);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => !isEmpty(v))
        .map(([k, v]) => [k, deepWithoutEmpty(v)]),
    );
  }
  return value;
}

/**
 * The spec of a step input, cleaned and checked with `vmSpecSchema`: throws
 * an InputError that names every invalid field.
 */
export function parseSpec(input: unknown): VmSpecInput {
  const result = vmSpecSchema.safeParse(deepWithoutEmpty(input));
  if (!result.success) {
    const fields = result.error.issues
      .map(i => `${i.path.length ? i.path.join('.') : 'spec'}: ${i.message}`)
      .join('; ');
    throw new InputError(`The VM spec is invalid: ${fields}`);
  }
  return result.data;
}
