/**
 * The console screen of one guest, shared by every VNC client connected to
 * it (like a real display): what was typed stays until the guest's console
 * state is dropped with the simulator.
 */
import type { ClusterState, Guest } from '../state/types';
import { guestName } from '../state/views';
import {
  ConsoleImage,
  ConsoleScreenModel,
  renderConsoleScreen,
} from './screen';

export class GuestConsole {
  #model: ConsoleScreenModel;
  #image?: ConsoleImage;
  readonly #listeners = new Set<() => void>();

  constructor(model: ConsoleScreenModel) {
    this.#model = model;
  }

  model(): ConsoleScreenModel {
    return this.#model;
  }

  image(): ConsoleImage {
    this.#image ??= renderConsoleScreen(this.#model);
    return this.#image;
  }

  update(change: Partial<ConsoleScreenModel>) {
    this.#model = { ...this.#model, ...change };
    this.#image = undefined;
    for (const l of [...this.#listeners]) l();
  }

  subscribe(listener: () => void) {
    this.#listeners.add(listener);
  }

  unsubscribe(listener: () => void) {
    this.#listeners.delete(listener);
  }
}

const CONSOLES = new WeakMap<Guest, GuestConsole>();

/** The console of `g`, its header refreshed (name, node). */
export function guestConsole(cluster: ClusterState, g: Guest): GuestConsole {
  const header = {
    type: g.type,
    vmid: g.vmid,
    name: guestName(g),
    node: g.node,
    cluster: cluster.name,
  };
  let c = CONSOLES.get(g);
  if (!c) {
    c = new GuestConsole({ ...header, typed: '' });
    CONSOLES.set(g, c);
  } else {
    const m = c.model();
    if (
      m.name !== header.name ||
      m.node !== header.node ||
      m.cluster !== header.cluster
    ) {
      c.update(header);
    }
  }
  return c;
}
