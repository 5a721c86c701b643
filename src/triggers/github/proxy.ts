/**
 * Behind NAT: subscribe to a smee.io channel (the forwarding Probot uses) and replay
 * every delivery into our own `/webhooks/github`, so the route — signature check,
 * durable store, dedupe — is the same whichever way a delivery arrives. smee-client
 * is loaded only when a proxy URL is configured.
 */
export interface WebhookProxy {
  stop(): Promise<void>;
}

export async function startWebhookProxy(options: {
  source: string;
  target: string;
  print: (line: string) => void;
}): Promise<WebhookProxy> {
  const { default: SmeeClient } = await import('smee-client');
  const client = new SmeeClient({
    source: options.source,
    target: options.target,
    logger: {
      info: () => undefined,
      error: (...args: unknown[]) => options.print(`vigil: webhook proxy: ${args.map(String).join(' ')}`),
    },
  });
  await client.start();
  return { stop: () => client.stop() };
}
