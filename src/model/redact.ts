import type { Secrets } from '../config/index.js';

const REDACTED = '[redacted]';
/** Shorter values would redact ordinary words; every secret vigil generates is far longer. */
const MIN_SECRET_LENGTH = 8;

/** Every secret value vigil holds: none of them may leave through a prompt or a log line. */
export function secretValues(secrets: Partial<Secrets>): string[] {
  const values = [
    ...(secrets.webhookSecrets ?? []),
    secrets.dashboardToken,
    secrets.vapid?.privateKey,
    secrets.githubToken,
    secrets.githubApp?.privateKey,
    secrets.anthropicApiKey,
    secrets.openaiApiKey,
  ];
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH))];
}

/**
 * Replaces each secret with `[redacted]`. Defence in depth: nothing vigil puts in a
 * prompt should hold a secret, but MEMORY.md or a CLAUDE.md written by a person might.
 * Deterministic, so a redacted prompt prefix still caches.
 */
export function makeRedactor(values: readonly string[]): (text: string) => string {
  // Longest first, so a secret that contains another is replaced whole.
  const sorted = [...values].sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const value of sorted) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  };
}
