import { useRef, useState } from 'react';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import { Button, Flex, Text, TextAreaField } from '@backstage/ui';
import {
  guestEntityRef,
  proxmoxGuestConsolePermission,
} from '@mycopod/plugin-proxmox-common';
import { guestAnnotations } from '../entity/annotations';
import { LiveCard, LiveError } from '../entity/LiveParts';
import { FORBIDDEN_TEXT, type ConsoleNotice } from './consoleSession';
import { useConsole, type ConsoleState } from './useConsole';

const NOTICE_COLORS: Record<ConsoleNotice['kind'], { fg: string; bg: string }> =
  {
    ended: { fg: '#333', bg: '#eee' },
    stopped: { fg: '#7a4b00', bg: '#fff1d6' },
    forbidden: { fg: '#8a1c1c', bg: '#fbe0e0' },
    error: { fg: '#8a1c1c', bg: '#fbe0e0' },
  };

function Status(props: { state: ConsoleState; notice?: ConsoleNotice }) {
  const { state, notice } = props;
  if (notice) {
    const c = NOTICE_COLORS[notice.kind];
    return (
      <div
        role="status"
        data-testid="console-status"
        data-state={notice.kind}
        style={{
          padding: '8px 12px',
          borderRadius: 4,
          color: c.fg,
          background: c.bg,
        }}
      >
        {notice.text}
      </div>
    );
  }
  if (state.phase === 'connected') {
    return (
      <Text as="p" data-testid="console-status" data-state="connected">
        Connected to{' '}
        <strong data-testid="console-desktop-name">
          {state.desktopName ?? 'the guest'}
        </strong>
        . Keys go to the guest while the screen has the focus.
      </Text>
    );
  }
  return (
    <Text
      as="p"
      color="secondary"
      data-testid="console-status"
      data-state={state.phase}
    >
      {state.phase === 'connecting'
        ? 'Connecting…'
        : 'Not connected. The session is recorded in the audit log.'}
    </Text>
  );
}

/**
 * `entity-content:proxmox/console`: the guest's screen in the browser
 * (noVNC) through the proxmox backend, with connect / disconnect, scale to
 * fit, full screen, Ctrl-Alt-Del and paste. Gated by
 * `proxmox.guest.console` on the guest (the backend checks it again).
 */
export function GuestConsoleContent() {
  const { entity } = useEntity();
  const where = guestAnnotations(entity);
  const target = where instanceof Error ? undefined : where;
  const screen = useRef<HTMLDivElement>(null);
  const c = useConsole(target, screen);
  const [text, setText] = useState('');
  const permission = usePermission({
    permission: proxmoxGuestConsolePermission,
    resourceRef: target ? guestEntityRef(target.cluster, target.vmid) : '',
  });
  const denied = !!target && !permission.loading && !permission.allowed;
  const connected = c.state.phase === 'connected';
  const busy = c.state.phase === 'connecting';
  let notice: ConsoleNotice | undefined;
  if (denied) notice = { kind: 'forbidden', text: FORBIDDEN_TEXT };
  else if (c.state.phase === 'idle') notice = c.state.notice;

  if (where instanceof Error) {
    return (
      <LiveCard title="Console" testId="guest-console" state="error">
        <LiveError error={where} texts={{ forbidden: '', notFound: '' }} />
      </LiveCard>
    );
  }
  return (
    <LiveCard
      title="Console"
      subtitle={`${where.cluster} · VMID ${where.vmid}`}
      testId="guest-console"
      state={connected ? 'ready' : 'loading'}
    >
      <Flex direction="column" gap="3">
        <Flex gap="2" align="center" style={{ flexWrap: 'wrap' }}>
          {connected || busy ? (
            <Button
              variant="secondary"
              onPress={c.disconnect}
              isDisabled={!connected}
            >
              Disconnect
            </Button>
          ) : (
            <Button
              variant="primary"
              onPress={c.connect}
              isDisabled={denied || permission.loading}
            >
              Connect
            </Button>
          )}
          <Button
            variant="secondary"
            aria-pressed={c.scale}
            onPress={() => c.setScale(!c.scale)}
          >
            {c.scale ? 'Scale to fit: on' : 'Scale to fit: off'}
          </Button>
          <Button
            variant="secondary"
            onPress={c.fullScreen}
            isDisabled={!connected}
          >
            Full screen
          </Button>
          <Button
            variant="secondary"
            onPress={c.ctrlAltDel}
            isDisabled={!connected}
          >
            Ctrl-Alt-Del
          </Button>
        </Flex>
        <Status state={c.state} notice={notice} />
        <div
          ref={screen}
          data-testid="console-screen"
          style={{
            width: '100%',
            height: '60vh',
            minHeight: 240,
            background: '#1e1e1e',
            display: connected || busy ? 'block' : 'none',
          }}
        />
        <Flex gap="2" align="end">
          <TextAreaField
            label="Text to paste"
            description="Typed into the guest key by key (and offered as its clipboard)"
            value={text}
            onChange={setText}
            isDisabled={!connected}
          />
          <Button
            variant="secondary"
            isDisabled={!connected || !text}
            onPress={() => {
              c.paste(text);
              setText('');
            }}
          >
            Paste into the guest
          </Button>
        </Flex>
      </Flex>
    </LiveCard>
  );
}
