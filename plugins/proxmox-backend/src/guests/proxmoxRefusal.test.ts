import { ConflictError, NotAllowedError } from '@backstage/errors';
import { ProxmoxApiError } from '@mycopod/plugin-proxmox-node';
import { proxmoxRefusal } from './proxmoxRefusal';

const pveError = (status: number, pveMessage: string, extra = {}) =>
  new ProxmoxApiError({
    kind: 'http',
    cluster: 'lab',
    method: 'POST',
    path: '/nodes/pve1/qemu/100/status/start',
    status,
    pveMessage,
    transient: false,
    maybeApplied: false,
    idempotent: false,
    ...extra,
  });

describe('proxmoxRefusal', () => {
  it.each([
    ['VM is locked (backup)', 'ConflictError'],
    [
      "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout",
      'ConflictError',
    ],
    ['VM 100 already running', 'ConflictError'],
    ['VM 100 not running', 'ConflictError'],
    ["snapshot name 'x' already used / already exists", 'ConflictError'],
    [
      "Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist",
      'NotFoundError',
    ],
    ['no quorum', 'ServiceUnavailableError'],
    ['Internal Server Error', 'ServiceUnavailableError'],
  ])('answers "%s" as %s', (text, name) => {
    const error = proxmoxRefusal(
      pveError(500, text),
      'Could not start guest lab/100',
    );
    expect(error.name).toBe(name);
    expect(error.message).toContain('Could not start guest lab/100');
    expect(error.message).toContain(text.split(' ')[0]);
  });

  it('names the parameters Proxmox refused (400)', () => {
    const error = proxmoxRefusal(
      pveError(400, 'Parameter verification failed.', {
        errors: { snapname: 'invalid format' },
      }),
      'Could not snapshot guest lab/100',
    );
    expect(error.name).toBe('InputError');
    expect(error.message).toContain('snapname: invalid format');
  });

  it('passes other errors through and masks credentials', () => {
    const conflict = new ConflictError('x');
    expect(proxmoxRefusal(conflict, 'w')).toBe(conflict);
    const denied = new NotAllowedError('y');
    expect(proxmoxRefusal(denied, 'w')).toBe(denied);
    const leaky = proxmoxRefusal(
      pveError(502, 'proxy said PVEAPIToken=root@pam!t=0123-secret'),
      'Could not stop guest lab/100',
    );
    expect(leaky.message).not.toContain('0123-secret');
  });
});
