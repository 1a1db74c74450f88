import type { DiscoveryApi } from '@backstage/frontend-plugin-api';
import {
  CONSOLE_CLOSE_CODES,
  type ConsoleTicket,
} from '@mycopod/plugin-proxmox-common';

/**
 * The console WebSocket URL: the proxmox backend's base URL from discovery
 * (asked every time, as Backstage recommends) with `http` → `ws`, the
 * ticket's socket path and the ticket.
 */
export async function consoleSocketUrl(
  discoveryApi: DiscoveryApi,
  ticket: Pick<ConsoleTicket, 'socketPath' | 'ticket'>,
): Promise<string> {
  const base = (await discoveryApi.getBaseUrl('proxmox')).replace(/\/+$/, '');
  const url = new URL(`${base}${ticket.socketPath}`, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('ticket', ticket.ticket);
  return url.toString();
}

/** Why a console is not (or no longer) open, in words for the user. */
export interface ConsoleNotice {
  kind: 'ended' | 'stopped' | 'forbidden' | 'error';
  text: string;
}

export const NOT_RUNNING_TEXT =
  'The guest is not running. Start it, then connect to its console.';
export const FORBIDDEN_TEXT =
  "You may not open this guest's console: only members of its owner group and approvers may.";

/** What the end of the console socket means (its close code and reason). */
export function closeNotice(code: number, reason: string): ConsoleNotice {
  const c = CONSOLE_CLOSE_CODES;
  if (code === c.guestStopped)
    return { kind: 'stopped', text: NOT_RUNNING_TEXT };
  if (code === c.normal) return { kind: 'ended', text: 'Session ended.' };
  if (code === c.upstreamFailed || code === c.protocolError) {
    return {
      kind: 'error',
      text: reason || 'The console could not be opened.',
    };
  }
  if (code === 1006 || !reason) {
    return {
      kind: 'ended',
      text: 'Session ended: the connection to the console was lost.',
    };
  }
  return { kind: 'ended', text: reason };
}

/** X11 keysyms for typing text (Latin-1 as is, other characters as Unicode). */
export function keysymsOf(text: string): number[] {
  const out: number[] = [];
  for (const ch of text.replace(/\r\n?/g, '\n')) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\n') out.push(0xff0d);
    else if (ch === '\t') out.push(0xff09);
    else if (cp >= 0x20 && cp <= 0xff && cp !== 0x7f) out.push(cp);
    else if (cp > 0xff) out.push(0x01000000 + cp);
  }
  return out;
}
