/**
 * Behind NAT: subscribe to a smee.io channel (the forwarding Probot uses) and replay
 * every delivery into our own `/webhooks/github`, so the route — signature check,
 * durable store, dedupe — is the same whichever way a delivery arrives. smee-client
 * is loaded only when a proxy URL is configured.
 */
export interface WebhookProxy {
  stop(): Promise<void>;
}

/**
 * Start listening without waiting for the channel: a laptop that boots offline must
 * still start, and the event source keeps reconnecting until `stop()`. A failed first
 * connection is reported, not fatal.
 */
export async function startWebhookProxy(options: {
  source: string;
  target: string;
  print: (line: string) => void;
}): Promise<WebhookProxy> {
  const { default: SmeeClient } = await import('smee-client');
  // The target carries the key that marks our own requests (route.ts): never printed.
  const key = new URL(options.target).searchParams.get('proxy');
  const hide = (text: string): string => (key ? text.replaceAll(key, '…') : text);
  const client = new SmeeClient({
    source: options.source,
    target: options.target,
    // Whoever posts to the channel must not set the target's query (and with it the key).
    queryForwarding: false,
    logger: {
      info: () => undefined,
      error: (...args: unknown[]) => options.print(hide(`webhook proxy: ${args.map(String).join(' ')}`)),
    },
  });
  let stopped = false;
  client.start().catch((err: unknown) => {
    if (!stopped) options.print(`webhook proxy: ${options.source} not reachable yet (${describe(err)}); retrying`);
  });
  return {
    stop: async () => {
      stopped = true;
      await client.stop();
    },
  };
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : 'connection failed';
}
