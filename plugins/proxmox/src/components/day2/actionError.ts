import { ProxmoxApiError, errorMessages } from '../../api';
import { formatClock } from '../entity/LiveParts';

/** An action's failure in words a person can act on. */
export interface ActionErrorText {
  title: string;
  messages: string[];
  /** The HTTP status, when the backend answered. */
  status?: number;
}

/** The backend's own messages, unless it only gave the generic one. */
function backendMessages(error: ProxmoxApiError, generic: string[]): string[] {
  return error.messages.filter(m => !generic.includes(m));
}

/**
 * What went wrong with `what` (e.g. "shut the guest down"): 409 says the
 * guest is busy or locked, 429 when to try again, 403 that the user may
 * not; anything else shows the backend's messages.
 */
export function describeActionError(
  error: unknown,
  what: string,
  now: number = Date.now(),
): ActionErrorText {
  if (!(error instanceof ProxmoxApiError)) {
    return { title: `Could not ${what}`, messages: errorMessages(error) };
  }
  const { status } = error;
  if (status === 409) {
    return {
      status,
      title: 'The guest is busy',
      messages: [
        ...backendMessages(error, ['The request changed in the meantime']),
        'Another task runs on it or it is locked (e.g. by a snapshot or a backup). Wait until that ends, then try again.',
      ],
    };
  }
  if (status === 429) {
    const wait = error.retryAfterSeconds;
    return {
      status,
      title: 'Too many actions in a short time',
      messages: [
        ...backendMessages(error, ['Too many requests']),
        wait === undefined
          ? 'Try again in a moment.'
          : `Try again in ${wait} s (after ${formatClock(now + wait * 1000)}).`,
      ],
    };
  }
  if (status === 403) {
    return {
      status,
      title: `You may not ${what}`,
      messages: [
        ...backendMessages(error, ['You are not allowed to do this']),
        'Only members of the guest’s owner group (or the platform admins) may do this.',
      ],
    };
  }
  return { status, title: `Could not ${what}`, messages: error.messages };
}
