import { useCallback } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import { Flex, Text } from '@backstage/ui';
import type { NodeCapacity } from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../../api';
import { formatMiB } from '../common/format';
import { guestRefNear, nodeAnnotations, type EntityLike } from './annotations';
import {
  LiveCard,
  LiveBody,
  UsageBar,
  formatClock,
  formatGiB,
  formatPercent,
  liveView,
} from './LiveParts';
import { LIVE_REFRESH_MS, useLiveQuery } from './useLiveQuery';

const NODE_ERRORS = {
  forbidden: "You may not see this node's capacity",
  notFound:
    'Proxmox does not know this node (any more), or its cluster is not configured',
};

/** CPU, memory and every storage of a node as bars; the guests on it. */
export function NodeCapacityView(props: {
  entity: EntityLike;
  node: NodeCapacity;
}) {
  const { entity, node } = props;
  const cpuText =
    node.cpuUsage === undefined
      ? 'unknown'
      : `${formatPercent(node.cpuUsage)} of ${node.cpus ?? '?'} cores`;
  return (
    <Flex direction="column" gap="2">
      <Text as="p">
        Status:{' '}
        <strong data-testid="node-status" data-status={node.status}>
          {node.status}
        </strong>
      </Text>
      <UsageBar
        label="CPU"
        used={node.cpuUsage}
        total={node.cpuUsage === undefined ? undefined : 1}
        format={formatPercent}
        text={cpuText}
        testId="node-cpu"
      />
      <UsageBar
        label="Memory"
        used={node.memoryUsedMiB}
        total={node.memoryMaxMiB}
        format={formatMiB}
        testId="node-memory"
      />
      {node.storages.map(s => (
        <UsageBar
          key={s.name}
          label={`Storage ${s.name}${s.shared ? ' (shared)' : ''}`}
          used={s.usedGiB}
          total={s.totalGiB}
          format={formatGiB}
          testId={`node-storage-${s.name}`}
        />
      ))}
      <Text as="h3" variant="title-x-small">
        Guests ({node.guests.length})
      </Text>
      {node.guests.length ? (
        <ul
          data-testid="node-guests"
          style={{ margin: 0, paddingLeft: 0, listStyle: 'none' }}
        >
          {[...node.guests]
            .sort((a, b) => a.vmid - b.vmid)
            .map(g => (
              <li key={g.vmid} data-vmid={g.vmid} data-status={g.status}>
                <EntityRefLink
                  entityRef={guestRefNear(entity, node.cluster, g.vmid)}
                  data-entity-ref={guestRefNear(entity, node.cluster, g.vmid)}
                >
                  {g.name ?? `VMID ${g.vmid}`}
                </EntityRefLink>{' '}
                <Text variant="body-small" color="secondary">
                  ({g.vmid}, {g.type === 'qemu' ? 'VM' : 'container'},{' '}
                  {g.status})
                </Text>
              </li>
            ))}
        </ul>
      ) : (
        <Text as="p" color="secondary">
          No guests on this node.
        </Text>
      )}
    </Flex>
  );
}

/** `entity-card:proxmox/node-capacity`. */
export function NodeCapacityCard(props: { refreshMs?: number }) {
  const { entity } = useEntity();
  const api = useApi(proxmoxApiRef);
  const where = nodeAnnotations(entity);
  const cluster = where instanceof Error ? '' : where.cluster;
  const nodeName = where instanceof Error ? '' : where.node;
  const load = useCallback(
    () => api.getNode(cluster, nodeName),
    [api, cluster, nodeName],
  );
  const state = useLiveQuery(
    cluster ? `${cluster}/${nodeName}` : undefined,
    load,
    props.refreshMs ?? LIVE_REFRESH_MS,
  );
  const view = liveView(where, state);
  return (
    <LiveCard
      state={view.kind}
      title="Node capacity"
      subtitle={
        where instanceof Error
          ? undefined
          : `${cluster} · ${nodeName}${
              state.updatedAt
                ? ` · updated ${formatClock(state.updatedAt)}`
                : ''
            }`
      }
      testId="node-capacity"
    >
      <LiveBody
        view={view}
        texts={NODE_ERRORS}
        loadingText="Loading the node's capacity…"
        updatedAt={state.updatedAt}
      >
        {value => <NodeCapacityView entity={entity} node={value} />}
      </LiveBody>
    </LiveCard>
  );
}
