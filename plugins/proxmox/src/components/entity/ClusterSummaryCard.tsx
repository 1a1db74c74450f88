import { useCallback, type CSSProperties } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import { Flex, Text } from '@backstage/ui';
import type { ClusterSummary } from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../../api';
import { formatMiB } from '../common/format';
import { clusterAnnotation, nodeRefNear, type EntityLike } from './annotations';
import {
  LiveCard,
  LiveBody,
  UsageBar,
  formatClock,
  formatPercent,
  liveView,
} from './LiveParts';
import { LIVE_REFRESH_MS, useLiveQuery } from './useLiveQuery';

const CLUSTER_ERRORS = {
  forbidden: "You may not see this cluster's summary",
  notFound: 'MycoPod has no Proxmox cluster of this name configured',
};

const cell: CSSProperties = {
  padding: '4px 8px',
  borderBottom: '1px solid var(--bui-border-1, #e0e0e0)',
  textAlign: 'left',
  verticalAlign: 'middle',
};

/** Totals of a cluster and one row per node. */
export function ClusterSummaryView(props: {
  entity: EntityLike;
  summary: ClusterSummary;
}) {
  const { entity, summary } = props;
  const { totals } = summary;
  return (
    <Flex direction="column" gap="2">
      <Text as="p" data-testid="cluster-totals">
        {totals.onlineNodes} of {totals.nodes} node
        {totals.nodes === 1 ? '' : 's'} online · {totals.guests} guest
        {totals.guests === 1 ? '' : 's'} · {totals.cpus} cores
      </Text>
      <UsageBar
        label="Memory (all nodes)"
        used={totals.memoryUsedMiB}
        total={totals.memoryMaxMiB}
        format={formatMiB}
        testId="cluster-memory"
      />
      <table
        aria-label="Nodes"
        style={{ width: '100%', borderCollapse: 'collapse' }}
      >
        <thead>
          <tr>
            <th style={cell}>Node</th>
            <th style={cell}>Status</th>
            <th style={cell}>CPU</th>
            <th style={cell}>Memory</th>
            <th style={cell}>Guests</th>
          </tr>
        </thead>
        <tbody>
          {[...summary.nodes]
            .sort((a, b) => a.node.localeCompare(b.node))
            .map(n => (
              <tr key={n.node} data-node={n.node} data-status={n.status}>
                <td style={cell}>
                  <EntityRefLink
                    entityRef={nodeRefNear(entity, summary.cluster, n.node)}
                    data-entity-ref={nodeRefNear(
                      entity,
                      summary.cluster,
                      n.node,
                    )}
                  >
                    {n.node}
                  </EntityRefLink>
                </td>
                <td style={cell}>{n.status}</td>
                <td style={cell}>
                  {n.cpuUsage === undefined
                    ? '–'
                    : `${formatPercent(n.cpuUsage)} of ${n.cpus ?? '?'}`}
                </td>
                <td style={{ ...cell, minWidth: 160 }}>
                  <UsageBar
                    label={`Memory of ${n.node}`}
                    used={n.memoryUsedMiB}
                    total={n.memoryMaxMiB}
                    format={formatMiB}
                  />
                </td>
                <td style={cell}>{n.guests}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </Flex>
  );
}

/** `entity-card:proxmox/cluster-summary`. */
export function ClusterSummaryCard(props: { refreshMs?: number }) {
  const { entity } = useEntity();
  const api = useApi(proxmoxApiRef);
  const where = clusterAnnotation(entity);
  const cluster = where instanceof Error ? '' : where;
  const load = useCallback(() => api.getCluster(cluster), [api, cluster]);
  const state = useLiveQuery(
    cluster || undefined,
    load,
    props.refreshMs ?? LIVE_REFRESH_MS,
  );
  const view = liveView(where, state);
  return (
    <LiveCard
      state={view.kind}
      title="Cluster capacity"
      subtitle={
        where instanceof Error
          ? undefined
          : `${cluster}${
              state.updatedAt
                ? ` · updated ${formatClock(state.updatedAt)}`
                : ''
            }`
      }
      testId="cluster-summary"
    >
      <LiveBody
        view={view}
        texts={CLUSTER_ERRORS}
        loadingText="Loading the cluster summary…"
        updatedAt={state.updatedAt}
      >
        {value => <ClusterSummaryView entity={entity} summary={value} />}
      </LiveBody>
    </LiveCard>
  );
}
