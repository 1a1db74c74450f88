/*
 * The relay's backpressure over real WebSockets on localhost: a receiver
 * that stops reading makes the relay pause its source; once the receiver
 * reads again, the source resumes and every byte arrives, in order.
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { relay } from './relay';

/** A connected pair: the server side and the client side. */
async function pair(): Promise<{
  server: WebSocket;
  client: WebSocket;
  close(): Promise<void>;
}> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise(r => wss.once('listening', r));
  const { port } = wss.address() as AddressInfo;
  const serverSide = new Promise<WebSocket>(r => wss.once('connection', r));
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise(r => client.once('open', r));
  const server = await serverSide;
  return {
    server,
    client,
    close: async () => {
      client.terminate();
      server.terminate();
      await new Promise(r => wss.close(r));
    },
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

describe('relay', () => {
  it('pauses the source while the destination backs up, resumes when it drains, loses nothing', async () => {
    const source = await pair(); // the test writes into source.client
    const dest = await pair(); // the relay writes into dest.server
    try {
      const from = source.server;
      const to = dest.server;
      from.on('message', relay(from, to, { high: 64 * 1024, low: 16 * 1024 }));

      let received = 0;
      let inOrder = true;
      dest.client.on('message', (data: Buffer) => {
        for (const b of data) {
          if (b !== received % 251) inOrder = false;
          received++;
        }
      });
      dest.client.pause(); // the far end stops reading

      const chunk = 64 * 1024;
      const total = 48 * 1024 * 1024;
      let sent = 0;
      const pump = () => {
        while (sent < total && source.client.bufferedAmount < 4 * chunk) {
          const b = Buffer.alloc(chunk);
          for (let i = 0; i < chunk; i++) b[i] = (sent + i) % 251;
          source.client.send(b);
          sent += chunk;
        }
        if (sent < total) setTimeout(pump, 5);
      };
      pump();

      await until(() => from.isPaused, 'the relay pauses its source');
      expect(received).toBe(0);
      expect(sent).toBeLessThan(total); // the writer was held back too

      dest.client.resume();
      await until(() => received === total, 'every byte arrives');
      expect(inOrder).toBe(true);
      expect(from.isPaused).toBe(false);
    } finally {
      await source.close();
      await dest.close();
    }
  });

  it('drops bytes for a destination that is closed instead of throwing', async () => {
    const source = await pair();
    const dest = await pair();
    try {
      dest.server.close();
      await new Promise(r => dest.client.once('close', r));
      const sink = relay(source.server, dest.server);
      expect(() => sink(Buffer.from('x'))).not.toThrow();
    } finally {
      await source.close();
      await dest.close();
    }
  });
});
