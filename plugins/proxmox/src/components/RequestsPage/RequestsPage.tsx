import { useId } from 'react';
import {
  useApi,
  useAppSearchParams,
  type AppSearchParamsInit,
} from '@backstage/frontend-plugin-api';
import {
  Button,
  Flex,
  Tab,
  TabList,
  TabPanel,
  Tabs,
  Text,
} from '@backstage/ui';
import {
  REQUEST_STATES,
  type RequestState,
  type RequestView,
} from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../../api';
import { ErrorPanel } from '../common/ErrorPanel';
import { formatCount, useAwaitingCount } from '../common/useAwaitingCount';
import { useLiveRefresh } from '../common/useLiveRefresh';
import { RequestsTable } from './RequestsTable';
import { useRequestList } from './useRequestList';

const VIEWS: RequestView[] = ['awaiting-me', 'mine', 'all'];

function isView(v: string | null): v is RequestView {
  return !!v && (VIEWS as string[]).includes(v);
}

function isState(v: string): v is RequestState {
  return (REQUEST_STATES as readonly string[]).includes(v);
}

function RequestsView(props: { view: RequestView; states: RequestState[] }) {
  const api = useApi(proxmoxApiRef);
  const list = useRequestList(api, props.view, props.states);
  const { live } = useLiveRefresh('proxmox:requests', list.refresh, {
    pollMs: 15_000,
  });

  if (list.loading) {
    return <Text as="p">Loading requests…</Text>;
  }
  return (
    <Flex direction="column" gap="3">
      {list.error ? (
        <ErrorPanel error={list.error} title="Could not load the requests" />
      ) : null}
      {list.items.length === 0 && !list.error ? (
        <Text as="p" data-testid="requests-empty">
          {props.view === 'awaiting-me'
            ? 'Nothing awaits your approval.'
            : 'No requests.'}
        </Text>
      ) : null}
      {list.items.length > 0 ? <RequestsTable items={list.items} /> : null}
      <Flex gap="3" align="center">
        {list.nextCursor ? (
          <Button
            variant="secondary"
            isPending={list.loadingMore}
            onPress={() => list.loadMore()}
          >
            Load more
          </Button>
        ) : null}
        <Text variant="body-small" color="secondary">
          {list.items.length} shown{list.nextCursor ? ', more available' : ''}
          {live ? ' · live' : ' · refreshed every 15 s'}
        </Text>
      </Flex>
    </Flex>
  );
}

/**
 * `/proxmox/requests`: tabs "Awaiting my approval" (shown when something
 * awaits the user's decision), "Mine" and "All", a state filter, cursor
 * pagination and live updates.
 */
export function RequestsPage() {
  const [params, setParams] = useAppSearchParams();
  const awaiting = useAwaitingCount();
  const selectId = useId();

  const requested = params.get('view');
  const view: RequestView = isView(requested) ? requested : 'mine';
  const states = (params.get('state') ?? '').split(',').filter(isState);
  const showAwaiting = view === 'awaiting-me' || (awaiting.count ?? 0) > 0;

  const update = (next: { view?: RequestView; state?: string }) => {
    const init: Record<string, string> = {};
    const v = next.view ?? view;
    if (v !== 'mine') init.view = v;
    const s = next.state ?? states.join(',');
    if (s && v !== 'awaiting-me') init.state = s;
    setParams(init as AppSearchParamsInit, { replace: true });
  };

  const count = formatCount(awaiting);
  const tabs: Array<{ id: RequestView; label: string }> = [
    ...(showAwaiting
      ? [
          {
            id: 'awaiting-me' as const,
            label: count
              ? `Awaiting my approval (${count})`
              : 'Awaiting my approval',
          },
        ]
      : []),
    { id: 'mine', label: 'Mine' },
    { id: 'all', label: 'All' },
  ];

  return (
    <Flex direction="column" gap="4" p="4">
      <Tabs
        selectedKey={view}
        onSelectionChange={key => update({ view: String(key) as RequestView })}
      >
        <Flex justify="between" align="end" gap="4">
          <TabList aria-label="Request views">
            {tabs.map(t => (
              <Tab key={t.id} id={t.id}>
                {t.label}
              </Tab>
            ))}
          </TabList>
          {view !== 'awaiting-me' ? (
            <Flex direction="column" gap="1">
              <label htmlFor={selectId}>
                <Text variant="body-small">State</Text>
              </label>
              <select
                id={selectId}
                aria-label="State"
                value={states[0] ?? ''}
                onChange={e => update({ state: e.target.value })}
              >
                <option value="">Any state</option>
                {REQUEST_STATES.map(s => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </Flex>
          ) : null}
        </Flex>
        {tabs.map(t => (
          <TabPanel key={t.id} id={t.id}>
            <RequestsView view={t.id} states={states} />
          </TabPanel>
        ))}
      </Tabs>
    </Flex>
  );
}
