/**
 * The one catalogue of Proxmox VE error texts the client interprets.
 *
 * Proxmox reports most failures as text: the reason phrase of an HTTP 500,
 * the `message` of the JSON body (PVE ≥ 8.3), a per-parameter message of a
 * 400, or a task's exit status. Every place of the client that looks at such
 * text asks this module, so a pattern and its meaning are defined once.
 *
 * Each entry says what the text means for a retry decision:
 *
 * - `notApplied`: the handler/worker stopped before changing anything
 *   (e.g. a flock timeout raised before the work starts), so sending the
 *   same request again is safe;
 * - `transient`: repeating may succeed;
 * - otherwise the text is a permanent business error.
 */

/** @public */
export type PveMessageId =
  | 'lock-timeout'
  | 'vm-locked'
  | 'no-quorum'
  | 'already-exists'
  | 'rename-file-exists'
  | 'does-not-exist'
  | 'no-such-task'
  | 'not-running'
  | 'already-running'
  | 'quit-timeout'
  | 'agent-not-running'
  | 'got-timeout'
  | 'no-worker-upid'
  | 'parameter-verification'
  | 'method-not-available'
  | 'proxy-connect-failed'
  | 'tls-verify-failed';

/** @public */
export interface PveMessage {
  id: PveMessageId;
  pattern: RegExp;
  /** What Proxmox means by it, and where it comes from. */
  meaning: string;
  /** The request/task provably changed nothing (safe to send again). */
  notApplied: boolean;
  /** Repeating later may succeed. */
  transient: boolean;
}

/**
 * Order matters for {@link classifyPveMessage}: specific texts come before
 * the generic ones they contain (`quit-timeout` and `lock-timeout` before
 * `got-timeout`, `rename-file-exists` before `already-exists`).
 *
 * @public
 */
export const PVE_MESSAGES: readonly PveMessage[] = Object.freeze([
  {
    id: 'lock-timeout',
    // config flock (`lock-<vmid>.conf`, 10 s), storage flock
    // (`pve-storage-<id>`), or a cfs lock; raised before any change
    pattern:
      /can't lock file '[^']*' - got timeout|got lock request timeout|can't lock file .* got timeout/i,
    meaning:
      'A config/storage/cfs lock could not be acquired in time. Raised before the handler or worker changes anything (a clone task failing on it removed what it had created).',
    notApplied: true,
    transient: true,
  },
  {
    id: 'vm-locked',
    pattern: /\b(VM|CT) is locked\b/i,
    meaning:
      'The guest config carries a `lock` (clone, backup, snapshot…); check_lock refuses before changing anything.',
    notApplied: true,
    transient: true,
  },
  {
    id: 'no-quorum',
    pattern: /no quorum/i,
    meaning: 'The cluster has no quorum; /etc/pve is read-only.',
    notApplied: true,
    transient: true,
  },
  {
    id: 'rename-file-exists',
    pattern: /close \(rename\) atomic file '[^']*\.conf' failed: File exists/i,
    meaning:
      'A create/clone worker could not write the new config because the VMID appeared on another node meanwhile; the worker removed what it had created.',
    notApplied: true,
    transient: false,
  },
  {
    id: 'already-exists',
    pattern: /already exists|config file already exists/i,
    meaning:
      "The VMID (or object) is taken: `VM <id> already exists on node '<n>'` (create), `unable to create VM <id>: config file already exists` (clone), 400 `VM <id> already exists` (nextid probe).",
    notApplied: true,
    transient: false,
  },
  {
    id: 'does-not-exist',
    pattern:
      /does not exist|no such (vm|resource|snapshot|file|storage|pool|user|group)\b/i,
    meaning:
      "The object is absent: `Configuration file 'nodes/<n>/qemu-server/<id>.conf' does not exist` (HTTP 500, not 404).",
    notApplied: true,
    transient: false,
  },
  {
    id: 'no-such-task',
    pattern: /no such task/i,
    meaning:
      '400 on a task status/log: the UPID is unknown on that node — transiently right after dispatch, permanently with a wrong node.',
    notApplied: true,
    transient: true,
  },
  {
    id: 'agent-not-running',
    pattern: /guest agent is not running|agent.*not (running|available|ready)/i,
    meaning: 'The QEMU guest agent does not answer (yet).',
    notApplied: true,
    transient: true,
  },
  {
    id: 'already-running',
    pattern: /already running/i,
    meaning: 'Start of a running guest (desired state reached).',
    notApplied: true,
    transient: false,
  },
  {
    id: 'not-running',
    pattern: /\bnot running\b/i,
    meaning: 'The guest is stopped (reboot, agent, monitor calls).',
    notApplied: true,
    transient: false,
  },
  {
    id: 'quit-timeout',
    pattern: /quit\/powerdown failed - got timeout|shutdown .*got timeout/i,
    meaning:
      'A stop/shutdown/reboot task waited for the guest in vain. NOT a lock timeout: the power-down request reached the guest, so it is not safe to blindly send again.',
    notApplied: false,
    transient: false,
  },
  {
    id: 'got-timeout',
    pattern: /got timeout/i,
    meaning:
      'Some internal wait expired (monitor, agent, storage command); the request may have done part of its work.',
    notApplied: false,
    transient: true,
  },
  {
    id: 'no-worker-upid',
    pattern: /got no worker upid/i,
    meaning:
      'pvedaemon did not report the forked worker in time; the worker may be running.',
    notApplied: false,
    transient: true,
  },
  {
    id: 'parameter-verification',
    pattern: /parameter verification failed/i,
    meaning: '400: see the per-parameter `errors`.',
    notApplied: true,
    transient: false,
  },
  {
    id: 'method-not-available',
    pattern: /method '[A-Z]+' not available|not implemented/i,
    meaning: '501: unknown method or route.',
    notApplied: true,
    transient: false,
  },
  {
    id: 'proxy-connect-failed',
    pattern:
      /proxy handshake|No route to host|Connection refused|Errors during connection establishment/i,
    meaning:
      '595: pveproxy could not connect to the node the request is proxied to (node offline); nothing was sent there.',
    notApplied: true,
    transient: true,
  },
  {
    id: 'tls-verify-failed',
    pattern: /certificate verify failed/i,
    meaning:
      '596: pveproxy could not verify the target node certificate (often an FQDN used as node name).',
    notApplied: false,
    transient: false,
  },
] satisfies PveMessage[]);

const BY_ID = new Map(PVE_MESSAGES.map(m => [m.id, m]));

/** Every catalogue entry whose pattern occurs in `text`, in catalogue order. @public */
export function matchPveMessages(text: string): PveMessage[] {
  return PVE_MESSAGES.filter(m => m.pattern.test(text));
}

/** The most specific catalogue entry for `text`, or undefined. @public */
export function classifyPveMessage(text: string): PveMessage | undefined {
  return PVE_MESSAGES.find(m => m.pattern.test(text));
}

/**
 * Whether `text` is the message `id`. `lock-timeout` and `already-exists`
 * are decided by the most specific match, so e.g. a shutdown's
 * "VM quit/powerdown failed - got timeout" is never a lock timeout.
 *
 * @public
 */
export function isPveMessage(text: string, id: PveMessageId): boolean {
  const entry = BY_ID.get(id);
  if (!entry || !entry.pattern.test(text)) return false;
  // a more specific entry of a different meaning wins over a generic one
  if (id === 'got-timeout') {
    const first = classifyPveMessage(text);
    return first?.id === 'got-timeout';
  }
  return true;
}

/** Messages that prove a 500 changed nothing (lock, quorum). */
export const NOT_APPLIED_500: readonly PveMessageId[] = [
  'lock-timeout',
  'vm-locked',
  'no-quorum',
];
/** Transient 500s that may have done part of their work. */
export const TRANSIENT_500: readonly PveMessageId[] = [
  'got-timeout',
  'quit-timeout',
  'no-worker-upid',
];

/**
 * Permanent business errors of a 500 (repeating cannot help). Kept as plain
 * patterns: these only decide "do not retry", not any state reconciliation.
 */
export const PERMANENT_500_PATTERNS: readonly RegExp[] = [
  /does not exist/i,
  /already exists/i,
  /no such /i,
  /not running/i,
  /is running/i,
  /already running/i,
  /not (allowed|supported|implemented|available|configured)/i,
  /protection mode/i,
  /permission/i,
  /invalid/i,
  /unable to parse/i,
  /duplicate/i,
  /missing/i,
  /shrinking/i,
  /checksum mismatch/i,
  // firewall config digest mismatch (PVE::Tools::assert_if_modified)
  /detected modified configuration/i,
  // unknown node name (not resolvable by pveproxy)
  /hostname lookup .* failed/i,
  /no options specified/i,
  /is a template/i,
  /cannot|can't|unable to/i,
];

/** Any of `ids` occurs in `text`. */
export function anyPveMessage(
  text: string,
  ids: readonly PveMessageId[],
): boolean {
  return ids.some(id => BY_ID.get(id)!.pattern.test(text));
}
