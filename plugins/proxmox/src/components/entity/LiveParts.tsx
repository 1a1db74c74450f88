import type { CSSProperties, ReactNode } from 'react';
import { Card, CardBody, CardHeader, Flex, Text } from '@backstage/ui';
import { ProxmoxApiError, errorMessages } from '../../api';
import { ErrorPanel } from '../common/ErrorPanel';
import { MissingAnnotationError } from './annotations';

/** A titled card of an entity page; `testId` marks its body. */
export function LiveCard(props: {
  title: string;
  subtitle?: ReactNode;
  testId?: string;
  /** `loading`, `ready` or `error`, as `data-state` next to the test id. */
  state?: 'loading' | 'ready' | 'error';
  children: ReactNode;
}) {
  return (
    <Card>
      <CardHeader>
        <Flex direction="column" gap="1">
          <Text as="h2" variant="title-small">
            {props.title}
          </Text>
          {props.subtitle ? (
            <Text variant="body-small" color="secondary">
              {props.subtitle}
            </Text>
          ) : null}
        </Flex>
      </CardHeader>
      <CardBody>
        <div data-testid={props.testId} data-state={props.state}>
          {props.children}
        </div>
      </CardBody>
    </Card>
  );
}

/** What the 403 and 404 of a live read mean for one kind of object. */
export interface LiveErrorTexts {
  forbidden: string;
  notFound: string;
}

/** True for answers that will not change by polling again soon. */
export function isFinalError(error: unknown): boolean {
  return (
    error instanceof MissingAnnotationError ||
    (error instanceof ProxmoxApiError &&
      (error.status === 403 || error.status === 404))
  );
}

/**
 * An error of a live read as a message: 403 and 404 in plain words, a
 * missing annotation as such, anything else with the backend's messages.
 */
export function LiveError(props: { error: unknown; texts: LiveErrorTexts }) {
  const { error, texts } = props;
  let title: string;
  let detail: string[] = [];
  if (error instanceof MissingAnnotationError) {
    title = 'Not a Proxmox object MycoPod can look up';
    detail = [error.message];
  } else if (error instanceof ProxmoxApiError && error.status === 403) {
    title = texts.forbidden;
  } else if (error instanceof ProxmoxApiError && error.status === 404) {
    title = texts.notFound;
  } else {
    return <ErrorPanel error={error} title="Could not load the live status" />;
  }
  return (
    <div
      role="status"
      data-testid="live-error"
      style={{
        padding: '8px 12px',
        borderRadius: 4,
        background: 'var(--bui-warning-bg-subdued, #fff4e5)',
        color: 'var(--bui-warning-fg-subdued, #663c00)',
      }}
    >
      <Text as="p" weight="bold">
        {title}
      </Text>
      {detail.map((d, i) => (
        <Text as="p" variant="body-small" key={i}>
          {d}
        </Text>
      ))}
    </div>
  );
}

/** A failed refresh under a stale answer. */
export function StaleNotice(props: { error: unknown; updatedAt?: number }) {
  return (
    <Text
      as="p"
      variant="body-small"
      color="danger"
      data-testid="live-refresh-error"
    >
      Could not refresh ({errorMessages(props.error).join('; ')}); showing the
      status of {formatClock(props.updatedAt)}.
    </Text>
  );
}

/** 0.25 → "25 %"; undefined → "–". */
export function formatPercent(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return '–';
  const pct = ratio * 100;
  return `${pct < 10 && pct > 0 ? pct.toFixed(1) : Math.round(pct)} %`;
}

/** 273900 → "3d 4h 5m"; 59 → "59s". */
export function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) {
    return '–';
  }
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (!d && !h && !m) return `${Math.floor(seconds)}s`;
  return [d ? `${d}d` : '', d || h ? `${h}h` : '', `${m}m`]
    .filter(Boolean)
    .join(' ');
}

/** A time of day, e.g. "10:04:05". */
export function formatClock(ms: number | undefined): string {
  return ms === undefined ? '–' : new Date(ms).toLocaleTimeString();
}

/** 1.5 → "1.5 GiB", 2048 → "2 TiB". */
export function formatGiB(gib: number | undefined): string {
  if (gib === undefined || !Number.isFinite(gib)) return '–';
  if (gib >= 1024) {
    const tib = gib / 1024;
    return `${Number.isInteger(tib) ? tib : tib.toFixed(1)} TiB`;
  }
  return `${Number.isInteger(gib) ? gib : gib.toFixed(1)} GiB`;
}

function barColor(ratio: number): string {
  if (ratio >= 0.9) return 'var(--bui-negative-bg, #c62828)';
  if (ratio >= 0.7) return 'var(--bui-warning-bg, #ed6c02)';
  return 'var(--bui-positive-bg, #2e7d32)';
}

const track: CSSProperties = {
  height: 8,
  borderRadius: 4,
  background: 'var(--bui-bg-neutral-2, rgba(0, 0, 0, 0.08))',
  overflow: 'hidden',
};

/**
 * One use-versus-total line: label, "used of total (pct)", and a bar with
 * role progressbar (aria-valuenow is the percentage).
 */
export function UsageBar(props: {
  label: string;
  used?: number;
  total?: number;
  /** How used and total read, e.g. formatMiB. */
  format: (n: number | undefined) => string;
  /** Overrides the "used of total" text. */
  text?: string;
  testId?: string;
}) {
  const { used, total } = props;
  const known =
    used !== undefined &&
    total !== undefined &&
    Number.isFinite(used) &&
    total > 0;
  const ratio = known ? Math.min(Math.max(used / total, 0), 1) : undefined;
  const text =
    props.text ??
    (known
      ? `${props.format(used)} of ${props.format(total)} (${formatPercent(
          used / total,
        )})`
      : 'unknown');
  return (
    <div data-testid={props.testId} style={{ margin: '6px 0' }}>
      <Flex justify="between" gap="2">
        <Text variant="body-small" weight="bold">
          {props.label}
        </Text>
        <Text
          variant="body-small"
          data-testid={props.testId && `${props.testId}-text`}
        >
          {text}
        </Text>
      </Flex>
      <div
        role="progressbar"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={
          ratio === undefined ? undefined : Math.round(ratio * 100)
        }
        aria-valuetext={text}
        style={track}
      >
        {ratio !== undefined ? (
          <div
            style={{
              width: `${ratio * 100}%`,
              height: '100%',
              background: barColor(ratio),
            }}
          />
        ) : null}
      </div>
    </div>
  );
}

/** A definition list of label/value rows. */
export function Facts(props: {
  rows: Array<[label: string, value: ReactNode, testId?: string]>;
}) {
  return (
    <dl
      style={{
        display: 'grid',
        gridTemplateColumns: 'max-content 1fr',
        columnGap: 16,
        rowGap: 4,
        margin: 0,
      }}
    >
      {props.rows.map(([label, value, testId]) => (
        <div key={label} style={{ display: 'contents' }}>
          <dt style={{ fontWeight: 600 }}>{label}</dt>
          <dd style={{ margin: 0 }} data-testid={testId}>
            {value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** What a live card shows: an error, loading, or a (maybe stale) value. */
export type LiveView<T> =
  | { kind: 'error'; error: unknown }
  | { kind: 'loading' }
  | { kind: 'ready'; value: T; staleError?: unknown };

/** Which of error, loading and value a live card shows. */
export function liveView<T>(
  where: unknown,
  state: { value?: T; error?: unknown },
): LiveView<T> {
  if (where instanceof Error) return { kind: 'error', error: where };
  if (state.error && (!state.value || isFinalError(state.error))) {
    return { kind: 'error', error: state.error };
  }
  if (!state.value) return { kind: 'loading' };
  return { kind: 'ready', value: state.value, staleError: state.error };
}

/**
 * The body of a live card: the error, a loading line, or the value's view
 * with a notice under it when the last refresh failed.
 */
export function LiveBody<T>(props: {
  view: LiveView<T>;
  texts: LiveErrorTexts;
  loadingText: string;
  updatedAt?: number;
  children: (value: T) => ReactNode;
}) {
  const { view } = props;
  if (view.kind === 'error') {
    return <LiveError error={view.error} texts={props.texts} />;
  }
  if (view.kind === 'loading') {
    return (
      <Text as="p" color="secondary">
        {props.loadingText}
      </Text>
    );
  }
  return (
    <>
      {props.children(view.value)}
      {view.staleError ? (
        <StaleNotice error={view.staleError} updatedAt={props.updatedAt} />
      ) : null}
    </>
  );
}
