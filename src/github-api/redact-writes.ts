import { secretMask, type SecretMask } from '../secrets/index.js';

/** Request options that are not the write's content. */
const NOT_CONTENT = new Set(['method', 'url', 'baseUrl', 'headers', 'request', 'mediaType']);

/**
 * Every write vigil makes on GitHub goes through here, whoever makes it — a comment,
 * an issue, labels, the agent's pull request: no secret vigil holds, in any form,
 * leaves in a title, a body or a label. Reads are left alone; their params are ours.
 */
export function redactWrite(options: Record<string, unknown>, mask: SecretMask = secretMask()): void {
  const method = String(options.method ?? 'GET').toUpperCase();
  if (method === 'GET' || method === 'HEAD' || mask.size === 0) return;
  for (const [key, value] of Object.entries(options)) {
    if (!NOT_CONTENT.has(key)) options[key] = mask.redactValue(value);
  }
}

/** A console method whose text arguments lose every secret first. */
export function redactedTo(print: (...args: unknown[]) => void): (...args: unknown[]) => void {
  return (...args) => print(...args.map((a) => (typeof a === 'string' ? secretMask().redact(a) : a instanceof Error ? secretMask().redact(a.stack ?? a.message) : a)));
}
