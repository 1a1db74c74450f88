import { Alert } from '@backstage/ui';
import { errorMessages } from '../../api';

/**
 * An error of the backend as the messages it carries (field messages,
 * findings), never a blank page.
 */
export function ErrorPanel(props: { error: unknown; title?: string }) {
  const messages = errorMessages(props.error);
  return (
    <Alert
      status="danger"
      icon
      role="alert"
      title={props.title ?? 'Something went wrong'}
      description={
        <ul data-testid="error-messages" style={{ margin: 0, paddingLeft: 20 }}>
          {messages.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      }
    />
  );
}
