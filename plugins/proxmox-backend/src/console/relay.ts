import WebSocket from 'ws';

/** Above this many unsent bytes the sending side is paused... */
export const RELAY_HIGH_WATER = 1024 * 1024;
/** ...until the backlog drops to this. */
export const RELAY_LOW_WATER = 256 * 1024;

/**
 * A sink forwarding bytes from `from` to `to` with backpressure: while more
 * than the high-water mark waits to be written to `to`, reading from
 * `from` is paused (its TCP window closes, so the far end slows down); it
 * resumes once the backlog has drained to the low-water mark.
 */
export function relay(
  from: WebSocket,
  to: WebSocket,
  marks = { high: RELAY_HIGH_WATER, low: RELAY_LOW_WATER },
): (bytes: Buffer) => void {
  let paused = false;
  const drained = () => {
    if (paused && to.bufferedAmount <= marks.low) {
      paused = false;
      if (from.readyState === WebSocket.OPEN) from.resume();
    }
  };
  return bytes => {
    if (to.readyState !== WebSocket.OPEN) return;
    to.send(bytes, { binary: true }, drained);
    if (!paused && to.bufferedAmount > marks.high) {
      paused = true;
      from.pause();
    }
  };
}
