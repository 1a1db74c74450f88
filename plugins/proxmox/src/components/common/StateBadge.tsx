import type { RequestState } from '@mycopod/plugin-proxmox-common';

const COLORS: Record<RequestState, { fg: string; bg: string }> = {
  draft: { fg: '#555', bg: '#eee' },
  pending: { fg: '#7a4b00', bg: '#fff1d6' },
  approved: { fg: '#0b4f8a', bg: '#dcecfb' },
  provisioning: { fg: '#0b4f8a', bg: '#dcecfb' },
  ready: { fg: '#176b2c', bg: '#dcf5e3' },
  rejected: { fg: '#8a1c1c', bg: '#fbe0e0' },
  cancelled: { fg: '#555', bg: '#eee' },
  failed: { fg: '#8a1c1c', bg: '#fbe0e0' },
  expired: { fg: '#555', bg: '#eee' },
  decommissioned: { fg: '#555', bg: '#eee' },
};

/** A request state as a small coloured label; its text is the state. */
export function StateBadge(props: {
  state: RequestState;
  'data-testid'?: string;
}) {
  const c = COLORS[props.state] ?? COLORS.draft;
  return (
    <span
      data-testid={props['data-testid']}
      data-state={props.state}
      style={{
        display: 'inline-block',
        padding: '2px 8px',
        borderRadius: 10,
        fontSize: '0.85em',
        fontWeight: 600,
        color: c.fg,
        background: c.bg,
      }}
    >
      {props.state}
    </span>
  );
}
