import { ProxmoxApiError } from '../errors';

/** Awaits a call that must fail with a ProxmoxApiError and returns the error. */
export async function failure(p: Promise<unknown>): Promise<ProxmoxApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProxmoxApiError) return e;
    throw e;
  }
  throw new Error('expected a ProxmoxApiError');
}
