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

/** An immediate action on the guest (a task), or filing a request. */
export type ActionContext = 'task' | 'request';

const CONFLICT_HINTS: Record<ActionContext, { title: string; hint: string }> = {
  task: {
    title: 'The guest is busy',
    hint: 'Another task runs on it or it is locked (e.g. by a snapshot or a backup). Wait until that ends, then try again.',
  },
  request: {
    title: 'Not possible right now',
    hint: 'A guest takes one open request at a time: wait until the open one is done, or cancel it.',
  },
};

/**
 * What went wrong with `what` (e.g. "shut the guest down"): 409 says the
 * guest is busy or locked (an open request, for requests), 429 when to try
 * again, 403 that the user may not; anything else shows the backend's
 * messages.
 */
export function describeActionError(
  error: unknown,
  what: string,
  now: number = Date.now(),
  context: ActionContext = 'task',
): ActionErrorText {
  if (!(error instanceof ProxmoxApiError)) {
    return { title: `Could not ${what}`, messages: errorMessages(error) };
  }
  const { status } = error;
  if (status === 409) {
    const { title, hint } = CONFLICT_HINTS[context];
    return {
      status,
      title,
      messages: [
        ...backendMessages(error, ['The request changed in the meantime']),
        hint,
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
