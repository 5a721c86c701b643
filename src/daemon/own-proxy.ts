import { errorText } from '../errors.js';
import { startWebhookProxy, type WebhookProxy } from '../triggers/index.js';

export interface OwnProxyOptions {
  /** `github.webhookProxyUrl`: a smee channel. */
  source: string;
  /** This daemon's own webhook route, with the key that marks its proxy's requests. */
  target: string;
  /** Whether the daemon began to stop while smee-client loaded. */
  stopped: () => boolean;
  warn: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * The smee channel replayed into the daemon's own route (a single daemon's and a team
 * node's alike), so the signature check, the limits and the intake are the same as for a
 * direct delivery. The proxy is a convenience: when it cannot start, the daemon and its
 * direct route keep working, and the reason is in the operational log.
 */
export async function startOwnProxy(options: OwnProxyOptions): Promise<WebhookProxy | undefined> {
  try {
    const proxy = await startWebhookProxy({ source: options.source, target: options.target, print: (line) => options.warn(line) });
    // A stop that came while smee-client loaded must not leave the channel open.
    if (!options.stopped()) return proxy;
    await proxy.stop();
  } catch (err) {
    options.warn('webhook proxy could not start', { source: options.source, error: errorText(err) });
  }
  return undefined;
}
