import {
  useCallback,
  useEffect,
  useRef,
  useState,
  type RefObject,
} from 'react';
import type RFB from '@novnc/novnc';
import { discoveryApiRef, useApi } from '@backstage/frontend-plugin-api';
import { ProxmoxApiError, errorMessages, proxmoxApiRef } from '../../api';
import {
  FORBIDDEN_TEXT,
  NOT_RUNNING_TEXT,
  closeNotice,
  consoleSocketUrl,
  keysymsOf,
  type ConsoleNotice,
} from './consoleSession';

/** Where the console is. */
export type ConsoleState =
  | { phase: 'idle'; notice?: ConsoleNotice }
  | { phase: 'connecting' }
  | { phase: 'connected'; desktopName?: string };

export interface ConsoleControls {
  state: ConsoleState;
  scale: boolean;
  connect(): void;
  disconnect(): void;
  setScale(scale: boolean): void;
  ctrlAltDel(): void;
  /** Types `text` into the guest (and offers it as its clipboard). */
  paste(text: string): void;
  fullScreen(): void;
}

/** What a failed ticket request means for the user. */
function ticketNotice(error: unknown): ConsoleNotice {
  if (error instanceof ProxmoxApiError) {
    if (error.status === 403)
      return { kind: 'forbidden', text: FORBIDDEN_TEXT };
    if (error.status === 409 && /not running/i.test(error.message)) {
      return { kind: 'stopped', text: NOT_RUNNING_TEXT };
    }
  }
  return {
    kind: 'error',
    text: `Could not open the console: ${errorMessages(error).join(' ')}`,
  };
}

/**
 * A noVNC console of one guest in `screen`: a ticket from the backend
 * (fetch API, the user's token), then the console WebSocket (URL from
 * discovery) handed to noVNC, which is loaded only now (an ES module of
 * its own). The socket is opened here so its close code and reason (why
 * the backend ended the session) are known.
 */
export function useConsole(
  target: { cluster: string; vmid: number } | undefined,
  screen: RefObject<HTMLDivElement>,
): ConsoleControls {
  const api = useApi(proxmoxApiRef);
  const discoveryApi = useApi(discoveryApiRef);
  const [state, setState] = useState<ConsoleState>({ phase: 'idle' });
  const [scale, setScaleState] = useState(true);
  /** The open session: its noVNC object, and whether the user ended it. */
  const session = useRef<{ rfb: RFB; userEnded: boolean }>();
  const scaleRef = useRef(scale);
  const mounted = useRef(true);
  const cluster = target?.cluster;
  const vmid = target?.vmid;

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      session.current?.rfb.disconnect();
      session.current = undefined;
    };
  }, []);

  const update = useCallback((s: ConsoleState) => {
    if (mounted.current) setState(s);
  }, []);

  const connect = useCallback(async () => {
    if (!cluster || !vmid || session.current || !screen.current) return;
    update({ phase: 'connecting' });
    let rfb: RFB;
    let name: string | undefined;
    try {
      const ticket = await api.createConsoleTicket(cluster, vmid);
      name = ticket.guest.name;
      const url = await consoleSocketUrl(discoveryApi, ticket);
      const { default: NoVnc } = await import('@novnc/novnc');
      if (!mounted.current || !screen.current) return;
      const ws = new WebSocket(url, ['binary']);
      let closed: { code: number; reason: string } | undefined;
      ws.addEventListener('close', e => {
        closed = { code: e.code, reason: e.reason };
      });
      rfb = new NoVnc(screen.current, ws, { shared: true });
      rfb.scaleViewport = scaleRef.current;
      rfb.background = '#1e1e1e';
      const current = { rfb, userEnded: false };
      session.current = current;
      let connected = false;
      rfb.addEventListener('connect', () => {
        connected = true;
        update({ phase: 'connected', desktopName: name });
        rfb.focus();
      });
      rfb.addEventListener('desktopname', e => {
        name = (e as CustomEvent<{ name: string }>).detail.name;
        if (connected) update({ phase: 'connected', desktopName: name });
      });
      rfb.addEventListener('disconnect', () => {
        if (session.current === current) session.current = undefined;
        let notice: ConsoleNotice;
        if (current.userEnded)
          notice = { kind: 'ended', text: 'Session ended.' };
        else if (!connected && (!closed || closed.code === 1006)) {
          notice = {
            kind: 'error',
            text: 'Could not open the console connection. Try again.',
          };
        } else notice = closeNotice(closed?.code ?? 1006, closed?.reason ?? '');
        update({ phase: 'idle', notice });
      });
      rfb.addEventListener('securityfailure', () => {
        update({
          phase: 'idle',
          notice: {
            kind: 'error',
            text: 'The console refused the connection.',
          },
        });
      });
    } catch (e) {
      update({ phase: 'idle', notice: ticketNotice(e) });
    }
  }, [api, discoveryApi, cluster, vmid, screen, update]);

  const disconnect = useCallback(() => {
    const current = session.current;
    if (!current) return;
    current.userEnded = true;
    current.rfb.disconnect();
  }, []);

  const setScale = useCallback((value: boolean) => {
    scaleRef.current = value;
    setScaleState(value);
    if (session.current) session.current.rfb.scaleViewport = value;
  }, []);

  const ctrlAltDel = useCallback(
    () => session.current?.rfb.sendCtrlAltDel(),
    [],
  );

  const paste = useCallback((text: string) => {
    const rfb = session.current?.rfb;
    if (!rfb || !text) return;
    rfb.clipboardPasteFrom(text);
    for (const keysym of keysymsOf(text)) {
      rfb.sendKey(keysym, null, true);
      rfb.sendKey(keysym, null, false);
    }
    rfb.focus();
  }, []);

  const fullScreen = useCallback(() => {
    void screen.current?.requestFullscreen?.().catch(() => undefined);
  }, [screen]);

  return {
    state,
    scale,
    connect: () => void connect(),
    disconnect,
    setScale,
    ctrlAltDel,
    paste,
    fullScreen,
  };
}
