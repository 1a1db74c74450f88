import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  ProxmoxRequest,
  RequestEventName,
  RequestState,
  TransitionActor,
  findTransition,
} from '@mycopod/plugin-proxmox-common';
import type { Knex } from 'knex';
import type { RequestPatch, RequestStore } from '../database/RequestStore';
import type { RequestNotifier } from './RequestNotifier';

export interface TransitionInput {
  id: string;
  event: RequestEventName;
  /** Entity ref of who causes it, or `system`. */
  actor: string;
  role: TransitionActor;
  comment?: string;
  patch?: RequestPatch;
  /**
   * Runs in the transaction once the request is read, before the state
   * changes. It may veto with an error, or turn the transition into another
   * one (e.g. an approval that fails the quota becomes a rejection).
   */
  guard?: (
    trx: Knex.Transaction,
    request: ProxmoxRequest,
  ) => Promise<void | Omit<TransitionInput, 'id' | 'guard' | 'within'>>;
  /** Runs in the same transaction after the state changed (e.g. enqueue a job). */
  within?: (trx: Knex.Transaction, request: ProxmoxRequest) => Promise<void>;
}

/** Told of every transition, in its transaction (after `within`). */
export type TransitionListener = (
  trx: Knex.Transaction,
  change: { request: ProxmoxRequest; from: RequestState },
) => Promise<void>;

export interface TransitionOutcome {
  request: ProxmoxRequest;
  from: RequestState;
  event: RequestEventName;
}

/**
 * The request lifecycle. Every state change is one database transaction:
 * read, check the transition table of proxmox-common, compare-and-set on the
 * state read, write the history row, then (after commit) notify and signal.
 */
export class RequestStateMachine {
  readonly #listeners: TransitionListener[] = [];

  constructor(
    private readonly store: RequestStore,
    private readonly notifier: RequestNotifier,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Adds a listener of every transition (e.g. IP pools freeing an address). */
  onTransition(listener: TransitionListener): void {
    this.#listeners.push(listener);
  }

  async apply(input: TransitionInput): Promise<TransitionOutcome> {
    const outcome = await this.store.knex.transaction(async trx => {
      const current = await this.store.get(input.id, trx);
      if (!current) throw new NotFoundError(`No request ${input.id}`);
      const effective = {
        ...input,
        ...((await input.guard?.(trx, current)) ?? {}),
      };
      const transition = findTransition(
        current.state,
        effective.event,
        effective.role,
      );
      if (!transition) {
        throw new ConflictError(
          `Cannot ${effective.event} request ${input.id}: it is ${current.state}`,
        );
      }
      const now = this.clock();
      const changed = await this.store.transition(
        trx,
        {
          id: input.id,
          from: current.state,
          to: transition.to,
          event: effective.event,
          actor: effective.actor,
          comment: effective.comment,
          patch: effective.patch,
        },
        now,
      );
      if (!changed) {
        throw new ConflictError(
          `Request ${input.id} changed while it was being ${effective.event}d; reload it`,
        );
      }
      const request = (await this.store.get(input.id, trx))!;
      await input.within?.(trx, request);
      for (const listener of this.#listeners) {
        await listener(trx, { request, from: current.state });
      }
      return {
        request,
        from: current.state,
        event: effective.event,
        comment: effective.comment,
        actor: effective.actor,
      };
    });
    await this.notifier.onStateChange({
      request: outcome.request,
      from: outcome.from,
      to: outcome.request.state,
      event: outcome.event,
      actor: outcome.actor,
      comment: outcome.comment,
    });
    return {
      request: outcome.request,
      from: outcome.from,
      event: outcome.event,
    };
  }
}
