import fs from 'node:fs';
import path from 'node:path';
import { sharedDir } from './__testUtils__/shared';
import { classifyHttpFailure } from './errors';
import {
  PVE_MESSAGES,
  PveMessageId,
  classifyPveMessage,
  isPveMessage,
  matchPveMessages,
} from './pveMessages';

describe('PVE message catalogue', () => {
  it.each<[string, PveMessageId]>([
    [
      "can't lock file '/var/lock/qemu-server/lock-203.conf' - got timeout",
      'lock-timeout',
    ],
    [
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      'lock-timeout',
    ],
    [
      "cfs-lock 'file-user_cfg' error: got lock request timeout",
      'lock-timeout',
    ],
    ['VM is locked (clone)', 'vm-locked'],
    ['cluster not ready - no quorum?', 'no-quorum'],
    [
      "unable to create VM 108 - VM 108 already exists on node 'pve'",
      'already-exists',
    ],
    ['unable to create VM 150: config file already exists', 'already-exists'],
    [
      "clone failed: close (rename) atomic file '/etc/pve/nodes/pve1/qemu-server/170.conf' failed: File exists",
      'rename-file-exists',
    ],
    [
      "Configuration file 'nodes/pve-mp/qemu-server/117.conf' does not exist",
      'does-not-exist',
    ],
    ['no such task', 'no-such-task'],
    ['VM 102 not running', 'not-running'],
    ['VM 100 already running', 'already-running'],
    ['VM quit/powerdown failed - got timeout', 'quit-timeout'],
    ['QEMU guest agent is not running', 'agent-not-running'],
    ["VM 100 qmp command 'guest-ping' failed - got timeout", 'got-timeout'],
    ['got no worker upid - start worker failed', 'no-worker-upid'],
  ])('%s → %s', (text, id) => {
    expect(classifyPveMessage(text)?.id).toBe(id);
    expect(isPveMessage(text, id)).toBe(true);
  });

  it('a shutdown "got timeout" is neither a lock timeout nor retry-safe', () => {
    const text = 'VM quit/powerdown failed - got timeout';
    expect(isPveMessage(text, 'lock-timeout')).toBe(false);
    expect(isPveMessage(text, 'got-timeout')).toBe(false);
    expect(classifyPveMessage(text)).toMatchObject({
      notApplied: false,
      transient: false,
    });
    // as an HTTP 500 it is not "provably not applied" either
    expect(classifyHttpFailure(500, text).maybeApplied).toBe(true);
  });

  it('every entry documents its meaning', () => {
    const ids = PVE_MESSAGES.map(m => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of PVE_MESSAGES) expect(m.meaning.length).toBeGreaterThan(20);
  });
});

const dir = sharedDir('pveMessages.test');
const describeShared = dir ? describe : describe.skip;

/**
 * For every file of shared/pve-api/samples/errors: Proxmox texts quoted in
 * it and what the catalogue must make of them. A new sample file without an
 * entry here fails the test.
 */
const EXPECTED: Record<string, Array<[string, PveMessageId]>> = {
  '501-head-not-available.ansible-issue-2931.txt': [
    ["method 'HEAD' not available", 'method-not-available'],
  ],
  '595-596-proxy-errors.txt': [
    [
      'Errors during connection establishment, proxy handshake: No route to host',
      'proxy-connect-failed',
    ],
    [
      'Errors during connection establishment, proxy handshake: Connection refused',
      'proxy-connect-failed',
    ],
    [
      'error:0A000086:SSL routines::certificate verify failed',
      'tls-verify-failed',
    ],
    [
      'tls_process_server_certificate: certificate verify failed',
      'tls-verify-failed',
    ],
  ],
  'clone-task-storage-lock-and-missing-config.capmox-issue-389.txt': [
    [
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
      'lock-timeout',
    ],
    [
      "Configuration file 'nodes/pve-mp/qemu-server/117.conf' does not exist",
      'does-not-exist',
    ],
  ],
  'config-lock-timeout.500.whmcs-issue-83.txt': [
    [
      "can't lock file '/var/lock/qemu-server/lock-203.conf' - got timeout",
      'lock-timeout',
    ],
    [
      "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout",
      'lock-timeout',
    ],
  ],
  'create-vmid-exists.500.ansible-issue-8330.txt': [
    [
      'unable to create VM 108 - VM 108 already exists on node',
      'already-exists',
    ],
  ],
  'nextid-conflict.400.bpg-issue-1610.txt': [
    ['VM 218 already exists', 'already-exists'],
    ['Parameter verification failed.', 'parameter-verification'],
  ],
};

describeShared('catalogue vs shared/pve-api/samples/errors', () => {
  const errorsDir = path.join(dir!, 'pve-api', 'samples', 'errors');
  const files = fs.readdirSync(errorsDir).sort();

  it('has expectations for every sample file', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s', file => {
    const text = fs.readFileSync(path.join(errorsDir, file), 'utf8');
    for (const [quote, id] of EXPECTED[file] ?? []) {
      expect(text).toContain(quote);
      expect(classifyPveMessage(quote)?.id).toBe(id);
      expect(matchPveMessages(text).map(m => m.id)).toContain(id);
    }
  });

  it('lock timeouts in the samples are retry-safe 500s, VMID conflicts are permanent', () => {
    expect(
      classifyHttpFailure(
        500,
        "can't lock file '/var/lock/qemu-server/lock-203.conf' - got timeout",
      ),
    ).toEqual({ transient: true, maybeApplied: false });
    expect(
      classifyHttpFailure(
        500,
        "unable to create VM 108 - VM 108 already exists on node 'pve'",
      ),
    ).toEqual({ transient: false, maybeApplied: false });
  });
});
