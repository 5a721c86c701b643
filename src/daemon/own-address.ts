/**
 * The address a daemon publishes (daemon.json) for the CLI, its smee client and the
 * owner's pages, from where it listens: a wildcard bind is reached on the loopback, and
 * an IPv6 host is bracketed in the URL.
 */
export function ownAddress(host: string, port: number): { host: string; url: string } {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { host: reachable, url: `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}` };
}
