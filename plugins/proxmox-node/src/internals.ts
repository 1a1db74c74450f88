import type { Dispatcher } from 'undici';
import type { ProxmoxClusterConfig } from './config';
import type { PveHttp } from './http';
import type { KeyedSemaphore, VmidClaims } from './vmidClaims';

/** State of one client shared with its helper modules (never exported). */
export interface ClientInternals {
  http: PveHttp;
  config: ProxmoxClusterConfig;
  claims: VmidClaims;
  cloneLimiter: KeyedSemaphore;
  dispatcher: Dispatcher;
  ownsDispatcher: boolean;
  /**
   * Status polls in flight, by UPID: a second wait for the same task (e.g.
   * the caller's wait next to `cloneTo`'s own) joins it instead of polling
   * the same task again.
   */
  taskWatches: Map<string, Promise<unknown>>;
}

const INTERNALS = new WeakMap<object, ClientInternals>();

export function setInternals(client: object, value: ClientInternals) {
  INTERNALS.set(client, value);
}

export function internals(client: object): ClientInternals {
  const i = INTERNALS.get(client);
  if (!i) throw new TypeError('not a ProxmoxClient');
  return i;
}
