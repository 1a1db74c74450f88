import {
  ConflictError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  ProxmoxApiError,
  classifyPveMessage,
} from '@mycopod/plugin-proxmox-node';
import { describeFailure } from '../inventory/describeFailure';

/**
 * The HTTP answer to a Proxmox failure of a guest action, by Proxmox's own
 * text (proxmox-node's `pveMessages` catalogue): a lock or a conflicting
 * state is a 409, a missing object a 404, a refused parameter a 400, and
 * anything else (Proxmox down, no quorum, an unknown refusal) a 503 that
 * says what Proxmox answered. Never a 500; never a secret (the client's
 * errors are redacted, and `describeFailure` masks anything left).
 */
export function proxmoxRefusal(error: unknown, what: string): Error {
  if (!(error instanceof ProxmoxApiError)) return error as Error;
  const said = describeFailure(new Error(error.pveMessage));
  switch (classifyPveMessage(error.allText())?.id) {
    case 'vm-locked':
    case 'lock-timeout':
      return new ConflictError(
        `${what}: the guest is locked by another Proxmox operation (${said}). Try again when it has finished.`,
      );
    case 'already-exists':
    case 'already-running':
    case 'not-running':
      return new ConflictError(`${what}: ${said}`);
    case 'does-not-exist':
      return new NotFoundError(`${what}: ${said}`);
    case 'parameter-verification':
      return new InputError(
        `${what}: Proxmox refused the parameters (${Object.entries(
          error.errors ?? {},
        )
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ')})`,
      );
    default:
      return new ServiceUnavailableError(
        `${what}: Proxmox cluster '${error.cluster}' did not carry it out (${said})`,
      );
  }
}
