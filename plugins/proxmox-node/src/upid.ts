/**
 * A decoded Proxmox task id (UPID).
 *
 * Format (pve-common `PVE::Tools::upid_encode`):
 * `UPID:<node>:<pid %08X>:<pstart %08X>:<starttime %08X>:<type>:<id>:<user>:`
 *
 * @public
 */
export interface ParsedUpid {
  upid: string;
  /** The node that runs the task; its status/log are only readable there. */
  node: string;
  pid: number;
  pstart: number;
  /** Unix seconds. */
  starttime: number;
  /** Worker type, e.g. `qmclone`, `qmstart`, `resize`. */
  type: string;
  /** Worker id, usually a vmid (for `qmclone` the SOURCE vmid); may be empty. */
  id: string;
  /** `user@realm` (without the token part). */
  user: string;
  /** Token name when the task was started with an API token. */
  tokenName?: string;
}

// Same groups as PVE's decode regex; pstart may have 9 hex digits.
const UPID_RE =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

/**
 * Parses a UPID, or returns `undefined` when it is not a valid UPID.
 *
 * @public
 */
export function tryParseUpid(upid: string): ParsedUpid | undefined {
  const m = UPID_RE.exec(upid.trim());
  if (!m) return undefined;
  const [, node, pid, pstart, starttime, type, id, userField] = m;
  const bang = userField.indexOf('!');
  return {
    upid: upid.trim(),
    node,
    pid: parseInt(pid, 16),
    pstart: parseInt(pstart, 16),
    starttime: parseInt(starttime, 16),
    type,
    id,
    user: bang === -1 ? userField : userField.slice(0, bang),
    tokenName: bang === -1 ? undefined : userField.slice(bang + 1),
  };
}

/**
 * Parses a UPID; throws a `TypeError` when it is not a valid UPID.
 *
 * @public
 */
export function parseUpid(upid: string): ParsedUpid {
  const parsed = tryParseUpid(upid);
  if (!parsed) {
    throw new TypeError(`Invalid Proxmox task id (UPID): '${upid}'`);
  }
  return parsed;
}

/** Whether a task exit status means success (`OK` or `WARNINGS: n`). @public */
export function isTaskExitOk(exitstatus: string | undefined): boolean {
  if (exitstatus === undefined) return false;
  return exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus);
}

/** Number of warnings in a `WARNINGS: n` exit status (0 otherwise). @public */
export function taskWarningCount(exitstatus: string | undefined): number {
  const m = /^WARNINGS: (\d+)$/.exec(exitstatus ?? '');
  return m ? Number(m[1]) : 0;
}
