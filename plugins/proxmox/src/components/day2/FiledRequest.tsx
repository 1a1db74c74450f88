import { RouterLink } from '@backstage/frontend-plugin-api';
import { Alert } from '@backstage/ui';
import type { ProxmoxRequest } from '@mycopod/plugin-proxmox-common';
import { useRequestPath } from '../RequestsPage/RequestsTable';
import { changeSummary } from './formatChange';
import { KIND_LABELS } from './kinds';

/** A day-2 request just filed: its state, what it changes, a link to it. */
export function FiledRequest(props: { request: ProxmoxRequest }) {
  const { request } = props;
  const pathOf = useRequestPath();
  const summary = changeSummary(request.change);
  const waiting =
    request.state === 'pending'
      ? 'It waits for an approver.'
      : `It is ${request.state}.`;
  return (
    <div data-testid="filed-request" data-kind={request.kind}>
      <Alert
        status="success"
        icon
        title={`${KIND_LABELS[request.kind]} request filed`}
        description={
          <>
            {summary ? <>{summary}. </> : null}
            {waiting}{' '}
            {request.change?.rebootRequired ? (
              <strong data-testid="reboot-required">
                Applying it needs a reboot of the guest.{' '}
              </strong>
            ) : null}
            <RouterLink href={pathOf(request.id)}>Open the request</RouterLink>
          </>
        }
      />
    </div>
  );
}
