import type { IncomingMessage } from 'node:http';

/** How long an unread body may go on being discarded after its refusal: a sender on a slow link still reads the answer, a sender that never stops is cut. */
const LINGER_MS = 2000;

/**
 * A request refused before its body was read: what the sender still sends is
 * discarded as it comes, for at most `lingerMs` (LINGER_MS by default), then the connection is cut. Closing at
 * once would reset the connection with the sender's bytes unread, and a reset can throw
 * the answer away before the sender reads it (a "lingering close", as nginx and Apache do).
 */
export function discardThenCut(req: IncomingMessage, lingerMs = LINGER_MS): void {
  const timer = setTimeout(() => req.socket.destroy(), lingerMs);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  req.socket.once('close', () => clearTimeout(timer));
  // Node drains an unread body once the answer is sent; a body already read in part is resumed here.
  req.resume();
}
