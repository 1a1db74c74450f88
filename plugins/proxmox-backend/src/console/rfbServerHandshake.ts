import { RfbByteReader, RfbStreamError } from '@mycopod/plugin-proxmox-node';
import type WebSocket from 'ws';

const SECURITY_NONE = 1;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * The server side of the RFB version and security handshake with the
 * browser: RFB 3.8 (3.7 and 3.3 too) offering security type None only —
 * the backend has authenticated to the guest's VNC server already, so the
 * browser never needs (or sees) a VNC password. Afterwards the browser's
 * next message is ClientInit, which goes to Proxmox unchanged.
 */
export async function acceptRfbClient(
  ws: WebSocket,
  reader: RfbByteReader,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  const send = (bytes: Buffer) => ws.send(bytes, { binary: true });
  send(Buffer.from('RFB 003.008\n', 'latin1'));
  const client = (await reader.read(12, opts)).toString('latin1');
  const m = /^RFB 003\.00([378])\n$/.exec(client);
  if (!m) {
    throw new RfbStreamError(
      `unsupported RFB client version ${JSON.stringify(client.trim())}`,
      'protocol',
    );
  }
  const minor = Number(m[1]);
  if (minor === 3) {
    send(u32(SECURITY_NONE)); // 3.3: the server decides, no SecurityResult
    return;
  }
  send(Buffer.from([1, SECURITY_NONE]));
  const chosen = (await reader.read(1, opts))[0];
  if (chosen !== SECURITY_NONE) {
    const reason = Buffer.from('only security type None is offered', 'latin1');
    if (minor === 8) send(Buffer.concat([u32(1), u32(reason.length), reason]));
    throw new RfbStreamError(
      `the browser chose security type ${chosen}`,
      'protocol',
    );
  }
  if (minor === 8) send(u32(0)); // SecurityResult OK
}
