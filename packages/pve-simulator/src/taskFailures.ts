/**
 * Injected task failure modes per task type, and what each leaves behind.
 * `taskFailureRate` decides whether a task fails; the mode (drawn from
 * `taskFailureModes[type]` or the type's defaults) decides how.
 */

/** How an injected task failure behaves. @public */
export type TaskFailureMode =
  /** clone/create: `… can't lock file '/var/lock/pve-manager/pve-storage-<sid>' - got timeout`; everything is rolled back (retry-safe) */
  | 'storage-lock'
  /** clone: the worker cannot lock the target (`can't lock file '…/lock-<newid>.conf' - got timeout`) and writes nothing (retry-safe) */
  | 'target-lock'
  /** clone/create: the worker dies mid-way (exitstatus `unexpected status`, no `TASK …` line); the target config stays with `lock: clone|create`, name, description and the disks allocated so far (not retry-safe) */
  | 'worker-died'
  /** start: `start failed: QEMU exited with code 1`; the VM stays stopped (retry-safe) */
  | 'start-failed'
  /** start: `start failed: command '/usr/bin/kvm …' failed: got timeout`, but the VM ends up running (a retry fails with `VM <id> already running`) */
  | 'start-timeout'
  /** shutdown/reboot: `VM quit/powerdown failed - got timeout`; the guest ignores ACPI from now on: every later shutdown/reboot fails the same way until a stop or `forceStop=1` */
  | 'shutdown-timeout'
  /** resize: the volume grows but the config keeps the old size (`… failed: got timeout`); retrying a relative `+size` grows it again */
  | 'resize-partial'
  /** any task: the type's lock timeout or error text, nothing is changed (retry-safe) */
  | 'lock';

interface ModeTable {
  modes: TaskFailureMode[];
  defaults: TaskFailureMode[];
}

const LOCK_ONLY: ModeTable = { modes: ['lock'], defaults: ['lock'] };

/** Failure modes per task type (`modes`: allowed, `defaults`: used when the spec names none). */
export const TASK_FAILURE_MODES: Record<string, ModeTable> = {
  qmclone: {
    modes: ['storage-lock', 'target-lock', 'worker-died'],
    defaults: ['storage-lock', 'target-lock'],
  },
  qmcreate: {
    modes: ['storage-lock', 'worker-died'],
    defaults: ['storage-lock'],
  },
  qmstart: {
    modes: ['start-failed', 'start-timeout'],
    defaults: ['start-failed', 'start-timeout'],
  },
  qmshutdown: { modes: ['shutdown-timeout'], defaults: ['shutdown-timeout'] },
  qmreboot: { modes: ['shutdown-timeout'], defaults: ['shutdown-timeout'] },
  resize: {
    modes: ['lock', 'resize-partial'],
    defaults: ['lock', 'resize-partial'],
  },
  qmstop: LOCK_ONLY,
  qmconfig: LOCK_ONLY,
  qmdestroy: LOCK_ONLY,
  qmsnapshot: LOCK_ONLY,
  qmdelsnapshot: LOCK_ONLY,
  qmrollback: LOCK_ONLY,
  qmtemplate: LOCK_ONLY,
};

export function modesOf(type: string): ModeTable {
  return TASK_FAILURE_MODES[type] ?? LOCK_ONLY;
}
