/**
 * VNC tickets as PVE 8.4 (pve-access-control `assemble_vnc_ticket` /
 * `verify_vnc_ticket`, pve-common `PVE::Ticket`): `PVEVNC:<hex time>::<RSA
 * signature>` over `<plain>:<user>:<path>:<port>`, valid from 20 s before to
 * 40 s after its time, bound to the user, `/vms/<vmid>` and the port; the
 * vncproxy API prefixes it with the 8-character VNC password
 * (`<password>:PVEVNC:…`), which `verify_vnc_ticket` strips again.
 */
import {
  KeyObject,
  generateKeyPairSync,
  randomInt,
  sign,
  verify,
} from 'node:crypto';
import type { SimContext } from '../context';
import { ApiError } from '../http/errors';
import { hex8, nowSec } from '../util';

const KEYS = new WeakMap<
  SimContext,
  { privateKey: KeyObject; publicKey: KeyObject }
>();

/** The node's authkey pair (made on first use: RSA 2048 like PVE's). */
function authKeys(sim: SimContext) {
  let k = KEYS.get(sim);
  if (!k) {
    k = generateKeyPairSync('rsa', { modulusLength: 2048 });
    KEYS.set(sim, k);
  }
  return k;
}

const secretData = (userid: string, path: string, port: number) =>
  `${userid}:${path}:${port}`;

/** `PVE::AccessControl::assemble_vnc_ticket($user, $path, $port)`. */
export function assembleVncTicket(
  sim: SimContext,
  userid: string,
  path: string,
  port: number,
): string {
  const plain = `PVEVNC:${hex8(nowSec())}`;
  const sig = sign(
    'sha256',
    Buffer.from(`${plain}:${secretData(userid, path, port)}`),
    authKeys(sim).privateKey,
  );
  return `${plain}::${sig.toString('base64')}`;
}

/** `PVE::Ticket::generate_vnc_password`: 8 characters from `!` to `` ` ``. */
export function generateVncPassword(): string {
  let out = '';
  for (let i = 0; i < 8; i++) out += String.fromCharCode(randomInt(0x21, 0x61));
  return out;
}

/**
 * `verify_vnc_ticket`: throws PVE's 401 unless `ticket` (optionally with the
 * password prefix) was made for this user, path and port in the last 40 s.
 */
export function verifyVncTicket(
  sim: SimContext,
  ticket: string,
  userid: string,
  path: string,
  port: number,
) {
  const stripped = /^.{8}:(PVEVNC:.*)$/s.exec(ticket)?.[1] ?? ticket;
  const m = /^(PVEVNC:\S+)::([^:\s]+)$/.exec(stripped);
  let ok = false;
  if (m) {
    const plain = m[1];
    const valid = verify(
      'sha256',
      Buffer.from(`${plain}:${secretData(userid, path, port)}`),
      authKeys(sim).publicKey,
      Buffer.from(m[2], 'base64'),
    );
    const t = /^PVEVNC:(?:\S+:)?([A-Z0-9]{8})$/.exec(plain);
    if (valid && t) {
      const age = nowSec() - parseInt(t[1], 16);
      ok = age > -20 && age < 40;
    }
  }
  if (!ok)
    throw new ApiError(401, 'permission denied - invalid PVEVNC ticket\n');
}
