import {
  ProxmoxApiError,
  classifyHttpFailure,
  classifyNetworkFailure,
  createRedactor,
  errorCode,
} from './errors';

function err(over: Partial<ConstructorParameters<typeof ProxmoxApiError>[0]>) {
  return new ProxmoxApiError({
    kind: 'http',
    cluster: 'c1',
    method: 'POST',
    path: '/nodes/pve/qemu/100/clone',
    pveMessage: 'x',
    transient: false,
    maybeApplied: false,
    idempotent: false,
    ...over,
  });
}

describe('error classification', () => {
  it.each([
    [400, 'Parameter verification failed.', false, false],
    [401, 'Authentication failed!', false, false],
    [403, 'Permission check failed (/vms/100, VM.Audit)', false, false],
    [501, "Method 'GET /nodes/pve/foo' not implemented", false, false],
    [
      500,
      "Configuration file 'nodes/pve/qemu-server/117.conf' does not exist",
      false,
      false,
    ],
    [
      500,
      "unable to create VM 108 - VM 108 already exists on node 'pve'",
      false,
      false,
    ],
    [
      500,
      "can't lock file '/var/lock/qemu-server/lock-203.conf' - got timeout",
      true,
      false,
    ],
    [
      500,
      "cfs-lock 'file-user_cfg' error: got lock request timeout",
      true,
      false,
    ],
    [500, 'cluster not ready - no quorum?', true, false],
    [500, 'VM is locked (clone)', true, false],
    [500, 'Internal Server Error', true, true],
    [500, '', true, true],
    [500, 'VM 100 not running', false, false],
    [500, 'checksum mismatch (file change by other user?)', false, false],
    [
      500,
      "hostname lookup 'pve9' failed - failed to get address info for: pve9: Name or service not known",
      false,
      false,
    ],
    [
      500,
      'detected modified configuration - file changed by other user? Try again.',
      false,
      false,
    ],
    [500, 'QEMU guest agent is not running', false, false],
    [500, "can't remove VM 100 - protection mode enabled", false, false],
    [500, 'VM 100 qmp command failed - got timeout', true, true],
    [500, 'got no worker upid - start worker failed', true, true],
    [502, 'Bad Gateway', true, true],
    [503, 'Service Unavailable', true, false],
    [504, 'Gateway Timeout', true, true],
    [595, 'No route to host', true, false],
    [596, 'Connection timed out', true, true],
    [597, 'body error', true, true],
    [599, 'other', false, true],
    [429, 'Too Many Requests', true, false],
  ])(
    '%i %s → transient=%p maybeApplied=%p',
    (status, msg, transient, maybeApplied) => {
      expect(classifyHttpFailure(status, msg)).toEqual({
        transient,
        maybeApplied,
      });
    },
  );

  it.each([
    ['ECONNREFUSED', true, false],
    ['UND_ERR_CONNECT_TIMEOUT', true, false],
    ['ENOTFOUND', true, false],
    ['ECONNRESET', true, true],
    ['UND_ERR_SOCKET', true, true],
    ['UND_ERR_HEADERS_TIMEOUT', true, true],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', false, true],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', false, true],
    [undefined, false, true],
  ])(
    'network %s → transient=%p maybeApplied=%p',
    (code, transient, maybeApplied) => {
      expect(classifyNetworkFailure(code)).toEqual({ transient, maybeApplied });
    },
  );

  it('retries mutations only when the failure proves they were not applied', () => {
    // reset after sending a clone: may have been applied → not retryable
    expect(
      err({ transient: true, maybeApplied: true, idempotent: false }).retryable,
    ).toBe(false);
    // same for an idempotent GET → retryable
    expect(
      err({ transient: true, maybeApplied: true, idempotent: true }).retryable,
    ).toBe(true);
    // connection refused before sending a clone → retryable
    expect(
      err({ transient: true, maybeApplied: false, idempotent: false })
        .retryable,
    ).toBe(true);
    // business error → never
    expect(
      err({ transient: false, maybeApplied: false, idempotent: true })
        .retryable,
    ).toBe(false);
  });

  it('finds the innermost connect-phase code on wrapped errors', () => {
    const inner = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' });
    const outer = Object.assign(new Error('fetch failed', { cause: inner }), {
      code: 'UND_ERR_SOCKET',
    });
    expect(errorCode(outer)).toBe('ECONNREFUSED');
    expect(errorCode(new Error('plain'))).toBeUndefined();
  });

  it('formats a message with method, path, status, PVE text and parameter errors', () => {
    const e = err({
      status: 400,
      method: 'GET',
      path: '/cluster/nextid',
      pveMessage: 'Parameter verification failed.',
      errors: { vmid: 'VM 218 already exists' },
    });
    expect(e.message).toBe(
      'Proxmox c1: GET /cluster/nextid failed: 400 Parameter verification failed. (vmid: VM 218 already exists)',
    );
    expect(e.isAlreadyExists).toBe(true);
    expect(e.isNotFound).toBe(false);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ProxmoxApiError');
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({
      message: e.message,
      status: 400,
      errors: { vmid: 'VM 218 already exists' },
      retryable: false,
    });
  });

  it('recognises not-found and lock-timeout texts', () => {
    expect(
      err({
        status: 500,
        pveMessage:
          "Configuration file 'nodes/pve-mp/qemu-server/117.conf' does not exist",
      }).isNotFound,
    ).toBe(true);
    expect(
      err({
        kind: 'task',
        exitstatus:
          "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      }).isLockTimeout,
    ).toBe(true);
  });

  it('redacts secrets and their URL-encoded form', () => {
    const redact = createRedactor(['s3cr3t/+=', undefined, 'ab']);
    expect(redact('a s3cr3t/+= b s3cr3t%2F%2B%3D c ab')).toBe(
      'a [REDACTED] b [REDACTED] c ab',
    );
  });
});
