import { useEffect, useState, type CSSProperties, type ReactNode } from 'react';
import { RouterLink } from '@backstage/frontend-plugin-api';
import { Card, CardBody, CardHeader, Flex, Text } from '@backstage/ui';
import {
  stepsOf,
  type Finding,
  type ProvisioningStep,
  type ProxmoxOptions,
  type ProxmoxRequestDetails,
} from '@mycopod/plugin-proxmox-common';
import {
  formatMiB,
  formatTime,
  guestCatalogPath,
  shortRef,
  sshKeyFingerprint,
  summarizeSshKey,
} from '../common/format';
import { StateBadge } from '../common/StateBadge';

/** A titled card of the request page. */
export function Section(props: {
  title: string;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <Card data-testid={props.testId}>
      <CardHeader>
        <Text as="h2" variant="title-small">
          {props.title}
        </Text>
      </CardHeader>
      <CardBody>{props.children}</CardBody>
    </Card>
  );
}

const dt: CSSProperties = { fontWeight: 600, paddingRight: 16 };

function Row(props: { label: string; children: ReactNode }) {
  return (
    <tr>
      <th
        scope="row"
        style={{ ...dt, textAlign: 'left', verticalAlign: 'top' }}
      >
        {props.label}
      </th>
      <td style={{ paddingBottom: 6 }}>{props.children}</td>
    </tr>
  );
}

function SshKeys(props: { keys: string[] }) {
  const [prints, setPrints] = useState<Record<number, string | undefined>>({});
  useEffect(() => {
    let alive = true;
    Promise.all(props.keys.map(k => sshKeyFingerprint(k))).then(all => {
      if (alive) setPrints(Object.fromEntries(all.map((f, i) => [i, f])));
    });
    return () => {
      alive = false;
    };
  }, [props.keys]);
  if (props.keys.length === 0) return <>none</>;
  return (
    <ul style={{ margin: 0, paddingLeft: 18 }} data-testid="ssh-keys">
      {props.keys.map((k, i) => {
        const s = summarizeSshKey(k);
        return (
          <li key={i}>
            <code>{s.type}</code> {prints[i] ?? s.short}
            {s.comment ? ` (${s.comment})` : ''}
          </li>
        );
      })}
    </ul>
  );
}

/** DHCP, a static address, or an IP pool (with its address once allocated). */
function ipv4Text(
  ipv4: ProxmoxRequestDetails['spec']['cloudInit']['ipv4'],
  allocation: ProxmoxRequestDetails['ipv4Allocation'],
): string {
  if (ipv4 === 'dhcp') return 'DHCP';
  if ('pool' in ipv4) {
    return allocation
      ? `${allocation.address} via ${allocation.gateway} (IP pool ${ipv4.pool})`
      : `From IP pool ${ipv4.pool} (allocated on approval)`;
  }
  return `${ipv4.address} via ${ipv4.gateway}`;
}

/** The spec and its people, as a readable summary. */
export function SpecSummary(props: {
  request: ProxmoxRequestDetails;
  defaultLeaseDays?: number;
  /** Default "Specification". */
  title?: string;
}) {
  const { spec } = props.request;
  const ci = spec.cloudInit;
  const network =
    'bridge' in spec.network
      ? `bridge ${spec.network.bridge}`
      : `SDN vnet ${spec.network.vnet}`;
  const ipv4 = ipv4Text(ci.ipv4, props.request.ipv4Allocation);
  let ipv6: string | undefined;
  if (ci.ipv6) {
    ipv6 =
      typeof ci.ipv6 === 'string'
        ? ci.ipv6.toUpperCase()
        : `${ci.ipv6.address} via ${ci.ipv6.gateway}`;
  }
  const lease = spec.leaseDays
    ? `${spec.leaseDays} days`
    : `policy default${
        props.defaultLeaseDays ? ` (${props.defaultLeaseDays} days)` : ''
      }`;
  return (
    <Section title={props.title ?? 'Specification'} testId="request-summary">
      <table>
        <tbody>
          <Row label="Name">{spec.name}</Row>
          <Row label="Cluster">{spec.cluster}</Row>
          <Row label="Node">{spec.node ?? 'Automatic placement'}</Row>
          <Row label="Template">{String(spec.template)}</Row>
          <Row label="Cores">{spec.cores} vCPU</Row>
          <Row label="Memory">{formatMiB(spec.memoryMiB)}</Row>
          <Row label="Disk">
            {spec.diskGiB} GiB{spec.storage ? ` on ${spec.storage}` : ''}
          </Row>
          <Row label="Network">
            {network}
            {spec.vlan ? `, VLAN ${spec.vlan}` : ''}
          </Row>
          <Row label="Security groups">
            {spec.securityGroups.length
              ? spec.securityGroups.join(', ')
              : 'none'}
          </Row>
          <Row label="Cloud-init user">{ci.user}</Row>
          <Row label="SSH keys">
            <SshKeys keys={ci.sshKeys} />
          </Row>
          <Row label="IPv4">{ipv4}</Row>
          {ipv6 ? <Row label="IPv6">{ipv6}</Row> : null}
          <Row label="Owner">{spec.owner}</Row>
          <Row label="Requester">{props.request.requester}</Row>
          <Row label="Lease">{lease}</Row>
          {spec.system ? <Row label="System">{spec.system}</Row> : null}
          {spec.tags.length ? (
            <Row label="Tags">{spec.tags.join(', ')}</Row>
          ) : null}
          <Row label="Justification">{spec.justification || '–'}</Row>
          {spec.description ? (
            <Row label="Description">{spec.description}</Row>
          ) : null}
        </tbody>
      </table>
    </Section>
  );
}

/** Policy findings, errors first. */
export function FindingsList(props: { findings: Finding[]; testId?: string }) {
  const errors = props.findings.filter(f => f.level === 'error');
  const warnings = props.findings.filter(f => f.level === 'warning');
  if (props.findings.length === 0) {
    return (
      <Text as="p" color="success" data-testid={props.testId}>
        Within policy
      </Text>
    );
  }
  const item = (f: Finding, i: number) => (
    <li key={i} data-level={f.level}>
      {f.message}
      {f.field ? (
        <Text variant="body-small" color="secondary">
          {' '}
          ({f.field})
        </Text>
      ) : null}
    </li>
  );
  return (
    <Flex direction="column" gap="2" data-testid={props.testId}>
      {errors.length ? (
        <div>
          <Text as="h3" variant="body-medium" weight="bold" color="danger">
            {errors.length === 1 ? '1 error' : `${errors.length} errors`}
          </Text>
          <ul aria-label="Policy errors" style={{ margin: 0, paddingLeft: 18 }}>
            {errors.map(item)}
          </ul>
        </div>
      ) : null}
      {warnings.length ? (
        <div>
          <Text as="h3" variant="body-medium" weight="bold" color="warning">
            {warnings.length === 1
              ? '1 warning'
              : `${warnings.length} warnings`}
          </Text>
          <ul
            aria-label="Policy warnings"
            style={{ margin: 0, paddingLeft: 18 }}
          >
            {warnings.map(item)}
          </ul>
        </div>
      ) : null}
    </Flex>
  );
}

/** Free capacity of the target node (or of every node, with automatic placement). */
export function CapacitySection(props: {
  request: ProxmoxRequestDetails;
  options?: ProxmoxOptions;
  error?: unknown;
}) {
  const { request, options } = props;
  const target = request.guest?.node ?? request.spec.node;
  let body: ReactNode;
  if (props.error) {
    body = (
      <Text as="p" color="secondary">
        Capacity of {request.spec.cluster} is unavailable right now.
      </Text>
    );
  } else if (!options) {
    body = <Text as="p">Loading capacity…</Text>;
  } else {
    const nodes = target
      ? options.nodes.filter(n => n.name === target)
      : options.nodes;
    body =
      nodes.length === 0 ? (
        <Text as="p" color="secondary">
          Node {target} is not known on {request.spec.cluster}.
        </Text>
      ) : (
        <>
          {!target ? (
            <Text as="p" variant="body-small" color="secondary">
              Automatic placement: the online node with the most free memory.
            </Text>
          ) : null}
          <ul style={{ margin: 0, paddingLeft: 18 }}>
            {nodes.map(n => {
              const short =
                n.freeCores < request.spec.cores ||
                n.freeMemoryMiB < request.spec.memoryMiB;
              return (
                <li key={n.name} data-testid={`capacity-${n.name}`}>
                  <strong>{n.name}</strong>
                  {n.online ? '' : ' (offline)'}: {n.freeCores} free cores,{' '}
                  {formatMiB(n.freeMemoryMiB)} free of{' '}
                  {formatMiB(n.maxMemoryMiB)} memory
                  {short ? (
                    <Text color="warning"> — less than this request asks</Text>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </>
      );
  }
  return (
    <Section title="Target capacity" testId="capacity">
      {body}
    </Section>
  );
}

/** Who changed the state, when, and why. */
export function HistoryTimeline(props: { request: ProxmoxRequestDetails }) {
  const events = [...props.request.history].sort((a, b) =>
    a.createdAt.localeCompare(b.createdAt),
  );
  return (
    <Section title="History">
      <ol data-testid="history" style={{ margin: 0, paddingLeft: 18 }}>
        {events.map(e => (
          <li key={e.id} style={{ marginBottom: 6 }}>
            <Text variant="body-small" color="secondary">
              {formatTime(e.createdAt)}
            </Text>{' '}
            <strong>
              {e.actor === 'system' ? 'system' : shortRef(e.actor)}
            </strong>
            {': '}
            {e.fromState ? (
              <>
                <StateBadge state={e.fromState} /> →{' '}
              </>
            ) : null}
            <StateBadge state={e.toState} />
            {e.comment ? <q style={{ marginLeft: 8 }}>{e.comment}</q> : null}
          </li>
        ))}
      </ol>
    </Section>
  );
}

const STEP_LABELS: Record<ProvisioningStep, string> = {
  'allocate-vmid': 'Allocate a VMID',
  clone: 'Clone the template',
  'wait-clone': 'Wait for the clone',
  configure: 'Configure (cloud-init, CPU, memory)',
  'resize-disk': 'Resize the disk',
  firewall: 'Firewall and security groups',
  start: 'Start the VM',
  'wait-ip': 'Wait for an IP address',
  'apply-config': 'Apply CPU and memory',
  stop: 'Stop the guest',
  destroy: 'Destroy the guest and its disks',
  release: 'Release its VMID and address',
  'extend-lease': 'Extend the lease',
  done: 'Done',
};

type StepStatus = 'done' | 'current' | 'failed' | 'pending';

/**
 * Progress by step (the steps of the request's kind: provisioning for a
 * create, e.g. stop → destroy → release for a decommission), with the
 * Proxmox task log tail.
 */
export function ProvisioningSection(props: { request: ProxmoxRequestDetails }) {
  const { request } = props;
  const progress = request.progress;
  const completed = new Set(progress?.completed ?? []);
  // Attempts and the task UPID matter only while provisioning runs.
  const inFlight =
    request.state === 'approved' || request.state === 'provisioning';
  const statusOf = (step: ProvisioningStep): StepStatus => {
    if (request.state === 'ready' || completed.has(step)) return 'done';
    if (progress?.step === step) {
      return request.state === 'failed' ? 'failed' : 'current';
    }
    return 'pending';
  };
  const mark: Record<StepStatus, string> = {
    done: '✓',
    current: '▶',
    failed: '✗',
    pending: '○',
  };
  const create = request.kind === 'create';
  return (
    <Section title={create ? 'Provisioning' : 'Progress'} testId="provisioning">
      {!progress && request.state !== 'ready' ? (
        <Text as="p" color="secondary">
          {request.state === 'pending' || request.state === 'draft'
            ? `${
                create ? 'Provisioning starts' : 'MycoPod carries it out'
              } once the request is approved.`
            : `No ${create ? 'provisioning ' : ''}job.`}
        </Text>
      ) : null}
      <ol
        data-testid="provisioning-steps"
        style={{ margin: 0, paddingLeft: 0, listStyle: 'none' }}
      >
        {stepsOf(request.kind).map(step => {
          const status = statusOf(step);
          const active = status === 'current' || status === 'failed';
          return (
            <li
              key={step}
              data-step={step}
              data-status={status}
              aria-current={status === 'current' ? 'step' : undefined}
              style={{
                padding: '2px 6px',
                fontWeight: active ? 700 : 400,
                background: active ? 'rgba(30, 120, 220, 0.12)' : undefined,
                opacity: status === 'pending' ? 0.6 : 1,
              }}
            >
              <span aria-hidden>{mark[status]}</span> {STEP_LABELS[step]}{' '}
              <Text variant="body-x-small" color="secondary">
                ({step}
                {active && inFlight && progress && progress.attempts > 1
                  ? `, attempt ${progress.attempts}`
                  : ''}
                )
              </Text>
            </li>
          );
        })}
      </ol>
      {progress && inFlight ? (
        <Text
          as="p"
          variant="body-small"
          color="secondary"
          data-testid="provisioning-attempts"
        >
          Attempts of the current step: {progress.attempts}
          {progress.upid ? ` · task ${progress.upid}` : ''}
        </Text>
      ) : null}
      {progress?.error || request.failureReason ? (
        <Text as="p" color="danger" data-testid="provisioning-error">
          {request.failureReason ?? progress?.error}
        </Text>
      ) : null}
      {progress?.taskLogTail?.length ? (
        <details open={request.state === 'failed'}>
          <summary>Proxmox task log (last lines)</summary>
          <pre
            data-testid="task-log"
            style={{ maxHeight: 240, overflow: 'auto', fontSize: 12 }}
          >
            {progress.taskLogTail.join('\n')}
          </pre>
        </details>
      ) : null}
    </Section>
  );
}

/** Where the guest lives, its IPs, and its catalog entity once ready. */
export function GuestSection(props: { request: ProxmoxRequestDetails }) {
  const { request } = props;
  const guest = request.guest;
  const ips = request.progress?.ipAddresses ?? [];
  if (!guest && ips.length === 0) return null;
  return (
    <Section title="Guest" testId="guest">
      <table>
        <tbody>
          <Row label="Cluster">{guest?.cluster ?? request.spec.cluster}</Row>
          <Row label="Node">{guest?.node ?? '–'}</Row>
          <Row label="VMID">{guest?.vmid ?? '–'}</Row>
          <Row label="IP addresses">{ips.length ? ips.join(', ') : '–'}</Row>
        </tbody>
      </table>
      {request.state === 'ready' && guest?.vmid !== undefined ? (
        <RouterLink
          href={guestCatalogPath(guest.cluster, guest.vmid)}
          data-testid="catalog-link"
        >
          Open in the catalog
        </RouterLink>
      ) : null}
    </Section>
  );
}
