import { useCallback, useEffect, useRef, useState } from 'react';
import {
  RouterLink,
  useApi,
  useRouteRef,
  useRouteRefParams,
} from '@backstage/frontend-plugin-api';
import { Button, Flex, Grid, Text } from '@backstage/ui';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  proxmoxRequestApprovePermission,
  proxmoxRequestCancelPermission,
  type ProxmoxOptions,
  type ProxmoxRequestDetails,
  type RequestState,
} from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../../api';
import { requestRouteRef, requestsRouteRef } from '../../routes';
import { ErrorPanel } from '../common/ErrorPanel';
import { StateBadge } from '../common/StateBadge';
import { formatTime } from '../common/format';
import { useLiveRefresh } from '../common/useLiveRefresh';
import { KIND_LABELS, isDay2Kind } from '../day2/kinds';
import { RequestChangeSection } from '../day2/RequestChangeSection';
import { DecisionDialog, type Decision } from './DecisionDialog';
import {
  CapacitySection,
  FindingsList,
  GuestSection,
  HistoryTimeline,
  ProvisioningSection,
  Section,
} from './Sections';
import { SpecSummary } from './Sections';

/** States in which the request changes without anyone acting. */
const MOVING: RequestState[] = ['approved', 'provisioning'];

function useRequest(id: string) {
  const api = useApi(proxmoxApiRef);
  const [request, setRequest] = useState<ProxmoxRequestDetails>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const gen = useRef(0);
  const refresh = useCallback(async () => {
    const g = ++gen.current;
    try {
      const r = await api.getRequest(id);
      if (g !== gen.current) return;
      setRequest(r);
      setError(undefined);
    } catch (e) {
      if (g === gen.current) setError(e);
    } finally {
      if (g === gen.current) setLoading(false);
    }
  }, [api, id]);
  useEffect(() => {
    setLoading(true);
    setRequest(undefined);
    refresh();
  }, [refresh]);
  return { request, error, loading, refresh };
}

function useClusterOptions(cluster: string | undefined) {
  const api = useApi(proxmoxApiRef);
  const [options, setOptions] = useState<ProxmoxOptions>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (!cluster) return undefined;
    let alive = true;
    api.getOptions(cluster).then(
      o => alive && setOptions(o),
      e => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [api, cluster]);
  return { options, error };
}

function Actions(props: {
  request: ProxmoxRequestDetails;
  onChanged: () => void;
}) {
  const { request } = props;
  const api = useApi(proxmoxApiRef);
  const approve = usePermission({
    permission: proxmoxRequestApprovePermission,
    resourceRef: request.id,
  });
  const cancel = usePermission({
    permission: proxmoxRequestCancelPermission,
    resourceRef: request.id,
  });
  const [decision, setDecision] = useState<Decision>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const perm = (d: Decision) => (d === 'cancel' ? cancel : approve);
  // Shown when the backend offers it and the permission does not deny it;
  // enabled once the permission allows it.
  const shown = (d: Decision) =>
    request.allowedActions.includes(d) && (perm(d).loading || perm(d).allowed);
  const enabled = (d: Decision) => perm(d).allowed && !busy;

  const confirm = async (d: Decision, comment: string) => {
    setBusy(true);
    setError(undefined);
    try {
      if (d === 'approve') await api.approve(request.id, comment);
      else if (d === 'reject') await api.reject(request.id, comment);
      else await api.cancel(request.id, comment);
      setDecision(undefined);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      props.onChanged();
    }
  };

  const open = (d: Decision) => {
    setError(undefined);
    setDecision(d);
  };

  const buttons = (['approve', 'reject', 'cancel'] as Decision[]).filter(shown);
  return (
    <>
      {buttons.length ? (
        <Flex gap="2" data-testid="request-actions">
          {shown('approve') ? (
            <Button
              variant="primary"
              isDisabled={!enabled('approve')}
              onPress={() => open('approve')}
            >
              Approve
            </Button>
          ) : null}
          {shown('reject') ? (
            <Button
              variant="secondary"
              destructive
              isDisabled={!enabled('reject')}
              onPress={() => open('reject')}
            >
              Reject
            </Button>
          ) : null}
          {shown('cancel') ? (
            <Button
              variant="tertiary"
              isDisabled={!enabled('cancel')}
              onPress={() => open('cancel')}
            >
              Cancel request
            </Button>
          ) : null}
        </Flex>
      ) : null}
      {error && !decision ? (
        <ErrorPanel error={error} title="The backend refused" />
      ) : null}
      <DecisionDialog
        decision={decision}
        busy={busy}
        error={error}
        onConfirm={confirm}
        onClose={() => setDecision(undefined)}
      />
    </>
  );
}

/** One request: summary, findings, capacity, history, provisioning, guest, actions. */
export function RequestDetails(props: { id: string }) {
  const { request, error, loading, refresh } = useRequest(props.id);
  const moving = !!request && MOVING.includes(request.state);
  const { live } = useLiveRefresh(`proxmox:request:${props.id}`, refresh, {
    pollMs: moving ? 3_000 : 15_000,
    safetyPollMs: moving ? 10_000 : undefined,
  });
  const { options, error: optionsError } = useClusterOptions(
    request?.spec.cluster,
  );
  const listRoute = useRouteRef(requestsRouteRef);

  if (loading && !request) {
    return (
      <Flex p="4">
        <Text as="p">Loading the request…</Text>
      </Flex>
    );
  }
  if (!request) {
    return (
      <Flex direction="column" gap="3" p="4">
        <ErrorPanel error={error} title="Could not load the request" />
        <RouterLink href={listRoute ? listRoute() : '/proxmox/requests'}>
          Back to the requests
        </RouterLink>
      </Flex>
    );
  }

  const day2 = isDay2Kind(request.kind);
  return (
    <Flex direction="column" gap="4" p="4">
      <Flex justify="between" align="center" gap="4">
        <Flex direction="column" gap="1">
          <Text as="h1" variant="title-medium">
            {day2 ? `${KIND_LABELS[request.kind]} ` : ''}
            {request.spec.name}{' '}
            <StateBadge state={request.state} data-testid="request-state" />
          </Text>
          <Text variant="body-small" color="secondary">
            Requested by {request.requester} on {formatTime(request.createdAt)}
            {' · '}updated {formatTime(request.updatedAt)}
            {live ? ' · live' : ''}
          </Text>
        </Flex>
        <Actions request={request} onChanged={refresh} />
      </Flex>
      {error ? (
        <ErrorPanel error={error} title="Could not refresh the request" />
      ) : null}
      {request.state === 'failed' && request.failureReason ? (
        <ErrorPanel
          error={new Error(request.failureReason)}
          title={day2 ? 'The change failed' : 'Provisioning failed'}
        />
      ) : null}
      <Grid.Root columns={{ initial: '1', md: '2' }} gap="4">
        <Flex direction="column" gap="4">
          {day2 ? <RequestChangeSection request={request} /> : null}
          <SpecSummary
            request={request}
            defaultLeaseDays={options?.lease.defaultDays}
            title={day2 ? 'Declared specification' : undefined}
          />
        </Flex>
        <Flex direction="column" gap="4">
          <Section title="Policy findings">
            <FindingsList findings={request.findings} testId="findings" />
          </Section>
          {day2 ? null : (
            <CapacitySection
              request={request}
              options={options}
              error={optionsError}
            />
          )}
          <ProvisioningSection request={request} />
          {day2 ? null : <GuestSection request={request} />}
          <HistoryTimeline request={request} />
        </Flex>
      </Grid.Root>
    </Flex>
  );
}

/** `/proxmox/requests/:id`. */
export function RequestPage() {
  const { id } = useRouteRefParams(requestRouteRef);
  return <RequestDetails id={id} />;
}
