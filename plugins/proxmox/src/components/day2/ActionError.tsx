import { Alert } from '@backstage/ui';
import { describeActionError, type ActionContext } from './actionError';

/** A failed action as an alert: busy (409), rate limited (429), denied (403)… */
export function ActionError(props: {
  error: unknown;
  what: string;
  context?: ActionContext;
}) {
  const text = describeActionError(
    props.error,
    props.what,
    Date.now(),
    props.context,
  );
  return (
    <div data-testid="action-error" data-status={text.status}>
      <Alert
        status={
          text.status === 429 || text.status === 409 ? 'warning' : 'danger'
        }
        icon
        role="alert"
        title={text.title}
        description={
          <ul style={{ margin: 0, paddingLeft: 20 }}>
            {text.messages.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
        }
      />
    </div>
  );
}
