/**
 * RFB "VNC Authentication" (security type 2): the client DES-encrypts the
 * server's 16-byte challenge with the password (at most 8 bytes, each byte
 * bit-reversed, zero padded). OpenSSL 3 keeps single DES in its legacy
 * provider only, so it runs as two-key 3DES-EDE with both keys equal, which
 * is single DES.
 */
import { createCipheriv } from 'node:crypto';

function reverseBits(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
}

/** The 16-byte response to a VNC authentication `challenge`. */
export function vncAuthResponse(password: string, challenge: Buffer): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) key[i] = reverseBits(key[i]);
  const cipher = createCipheriv('des-ede-ecb', Buffer.concat([key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(challenge), cipher.final()]);
}
