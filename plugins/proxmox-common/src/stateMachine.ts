import type { RequestState } from './request';

/** What happens to a request. */
export type RequestEventName =
  | 'submit'
  | 'approve'
  | 'auto-approve'
  | 'reject'
  | 'cancel'
  | 'start'
  | 'succeed'
  | 'fail'
  | 'expire'
  | 'renew'
  | 'decommission';

/** Who may cause a transition. */
export type TransitionActor = 'requester' | 'approver' | 'system';

export interface Transition {
  event: RequestEventName;
  from: RequestState;
  to: RequestState;
  by: TransitionActor[];
}

/**
 * Every allowed state change of a request, in one table. The backend guards
 * each change with it (compare-and-set on `from`) and the UI uses it to show
 * the actions a state admits.
 */
export const TRANSITIONS: readonly Transition[] = [
  { event: 'submit', from: 'draft', to: 'pending', by: ['requester'] },
  { event: 'cancel', from: 'draft', to: 'cancelled', by: ['requester'] },
  { event: 'approve', from: 'pending', to: 'approved', by: ['approver'] },
  { event: 'auto-approve', from: 'pending', to: 'approved', by: ['system'] },
  {
    event: 'reject',
    from: 'pending',
    to: 'rejected',
    by: ['approver', 'system'],
  },
  {
    event: 'cancel',
    from: 'pending',
    to: 'cancelled',
    by: ['requester', 'approver'],
  },
  {
    event: 'cancel',
    from: 'approved',
    to: 'cancelled',
    by: ['requester', 'approver'],
  },
  { event: 'start', from: 'approved', to: 'provisioning', by: ['system'] },
  { event: 'fail', from: 'approved', to: 'failed', by: ['system'] },
  { event: 'succeed', from: 'provisioning', to: 'ready', by: ['system'] },
  { event: 'fail', from: 'provisioning', to: 'failed', by: ['system'] },
  { event: 'expire', from: 'ready', to: 'expired', by: ['system'] },
  // the lease of an expired guest was extended past now: it is ready again
  { event: 'renew', from: 'expired', to: 'ready', by: ['system'] },
  {
    event: 'decommission',
    from: 'ready',
    to: 'decommissioned',
    by: ['system'],
  },
  {
    event: 'decommission',
    from: 'expired',
    to: 'decommissioned',
    by: ['system'],
  },
];

/** States no transition leaves. */
export const TERMINAL_STATES: readonly RequestState[] = [
  'rejected',
  'cancelled',
  'failed',
  'decommissioned',
];

/** The transition an event causes from a state, or undefined if not allowed. */
export function findTransition(
  from: RequestState,
  event: RequestEventName,
  actor?: TransitionActor,
): Transition | undefined {
  return TRANSITIONS.find(
    t =>
      t.from === from &&
      t.event === event &&
      (actor === undefined || t.by.includes(actor)),
  );
}

/** The events an actor may cause from a state. */
export function eventsFrom(
  from: RequestState,
  actor: TransitionActor,
): RequestEventName[] {
  return [
    ...new Set(
      TRANSITIONS.filter(t => t.from === from && t.by.includes(actor)).map(
        t => t.event,
      ),
    ),
  ];
}

/** True when no transition leaves the state. */
export function isTerminalState(state: RequestState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** The states that count against a group's quota. */
export const QUOTA_STATES: readonly RequestState[] = [
  'pending',
  'approved',
  'provisioning',
  'ready',
];
