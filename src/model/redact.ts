import { heldSecretValues, type Secrets } from '../config/index.js';
import { makeSecretMask, maskedValues, withRecognised, type Redact } from '../secrets/index.js';

/**
 * The redactor lives in src/secrets (one for every exit); model requests use it as
 * `makeRedactor(secretValues(secrets))`. Each value is redacted in all its forms
 * (plain, JSON-escaped, base64, a PEM's body).
 */
export function makeRedactor(values: readonly string[]): Redact {
  const own = makeSecretMask(values);
  // Also what the process recognises without holding it (the daemon's GitHub credentials).
  return (text) => withRecognised(own).redact(text);
}

/**
 * Every secret value vigil holds: none of them may leave through a prompt or a log
 * line. Those of `secrets`, and every value this process masked when it read
 * secrets.json and the environment (src/secrets/mask.ts).
 */
export function secretValues(secrets: Partial<Secrets>): string[] {
  return [...new Set([...heldSecretValues(secrets), ...maskedValues()])];
}
