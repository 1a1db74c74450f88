const CREDENTIALS =
  /(PVEAPIToken[=\s]\S+|PVEAuthCookie[=\s]\S+|CSRFPreventionToken[:=\s]\s*\S+|Bearer\s+\S+)/gi;

/**
 * A short, secret-free description of a failure for logs and for the
 * `error` of an inventory cluster. `ProxmoxApiError` messages are already
 * built without credentials; anything that looks like one is masked anyway.
 */
export function describeFailure(error: unknown): string {
  let text: string;
  if (error instanceof Error) {
    text = error.message || error.name;
  } else {
    text = typeof error === 'string' ? error : 'unknown error';
  }
  text = text.replace(CREDENTIALS, '[redacted]').replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
