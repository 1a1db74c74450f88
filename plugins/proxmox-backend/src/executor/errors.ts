import { ProxmoxApiError } from '@mycopod/plugin-proxmox-node';

/** The lease of a job moved to another worker (or the job ended): stop. */
export class LeaseLostError extends Error {
  constructor(requestId: string) {
    super(`The lease of the job of request ${requestId} was lost`);
    this.name = 'LeaseLostError';
  }
}

/** This executor is stopping: leave the job for its lease to expire. */
export class ExecutorStoppingError extends Error {
  constructor() {
    super('The provisioning executor is stopping');
    this.name = 'ExecutorStoppingError';
  }
}

/**
 * A step cannot go on now but may later (e.g. an ambiguous clone, a clone
 * that failed on a lock): the job is retried after a backoff.
 */
export class RetryLaterError extends Error {
  constructor(message: string, readonly logTail?: string[]) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** A failure no retry can fix (bad template, task error, timeout…). */
export class PermanentError extends Error {
  constructor(message: string, readonly logTail?: string[]) {
    super(message);
    this.name = 'PermanentError';
  }
}

/** Steps whose Proxmox task may be sent again after it failed. */
const RETRY_SAFE_TASK_STEPS = new Set([
  'configure',
  'resize-disk',
  'firewall',
  'start',
  // day-2: absolute config, hard stop of a stopped VM is a no-op, a destroy
  // re-sent finds the VM gone
  'apply-config',
  'stop',
  'destroy',
]);
const PERMANENT_TASK_TEXT =
  /insufficient free space|out of space|greater than available|not enough space|does not exist|not supported|shrinking|permission|invalid/i;

export type FailureClass = 'abandon' | 'transient' | 'permanent';

const PERMANENT_NAMES = new Set([
  'InputError',
  'NotFoundError',
  'ConflictError',
  'NotAllowedError',
  'AuthenticationError',
  'TypeError',
  'ZodError',
]);

/**
 * What to do about an error of a step: abandon the job (stopping, lease
 * lost, aborted: another worker resumes it), retry later, or fail it.
 */
export function classifyFailure(
  error: unknown,
  signal?: AbortSignal,
  step?: string,
): FailureClass {
  if (
    error instanceof LeaseLostError ||
    error instanceof ExecutorStoppingError ||
    signal?.aborted
  ) {
    return 'abandon';
  }
  if (error instanceof RetryLaterError) return 'transient';
  if (error instanceof PermanentError) return 'permanent';
  if (error instanceof ProxmoxApiError) {
    if (error.kind === 'aborted') return 'abandon';
    if (error.kind === 'task') {
      if (error.isLockTimeout) return 'transient';
      // the steps after the clone are idempotent (absolute resize, start
      // that accepts "already running"): a task failure may be retried,
      // unless its text names a condition no retry changes
      const text = `${error.exitstatus ?? ''} ${error.pveMessage ?? ''}`;
      return step &&
        RETRY_SAFE_TASK_STEPS.has(step) &&
        !PERMANENT_TASK_TEXT.test(text)
        ? 'transient'
        : 'permanent';
    }
    return error.transient || error.isLockTimeout ? 'transient' : 'permanent';
  }
  const name = (error as Error | undefined)?.name ?? '';
  if (name === 'AbortError') return 'abandon';
  if (PERMANENT_NAMES.has(name)) return 'permanent';
  // database hiccups, network errors outside the client…
  return 'transient';
}

/** The Proxmox task log tail an error carries, if any. */
export function logTailOf(error: unknown): string[] | undefined {
  const tail =
    error instanceof ProxmoxApiError ||
    error instanceof RetryLaterError ||
    error instanceof PermanentError
      ? error.logTail
      : undefined;
  return tail?.length ? tail.slice(-20).map(redact) : undefined;
}

/** Secrets that must never reach a log, a stored result or a reason. */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/(PVEAPIToken=)[^\s"',;]+/gi, '$1[redacted]'],
  [/(PVEAuthCookie=)[^\s"',;]+/gi, '$1[redacted]'],
  [/(CSRFPreventionToken[:=]\s*)[^\s"',;]+/gi, '$1[redacted]'],
  [
    /((?:token[_-]?secret|password|secret)["']?\s*[:=]\s*["']?)[^\s"',;]+/gi,
    '$1[redacted]',
  ],
];

export function redact(text: string): string {
  return SECRET_PATTERNS.reduce(
    (out, [pattern, replacement]) => out.replace(pattern, replacement),
    text,
  );
}

/** A one-line, secret-free description of an error. */
export function describeError(error: unknown): string {
  let text: string;
  if (error instanceof ProxmoxApiError) {
    const what =
      error.kind === 'task' ? 'task failed' : `${error.method} ${error.path}`;
    text = `${what}: ${error.exitstatus ?? error.pveMessage ?? error.message}`;
  } else if (error instanceof Error) {
    text = error.message;
  } else {
    text = String(error);
  }
  return redact(text.replace(/\s+/g, ' ').trim()).slice(0, 1000);
}

/** A test hook threw: behave like a worker that died here. */
export class SimulatedCrash extends Error {
  constructor(cause: unknown) {
    super(`worker crashed (${describeError(cause)})`);
    this.name = 'SimulatedCrash';
  }
}
