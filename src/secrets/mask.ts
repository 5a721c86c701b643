import { secretEnvValues } from './env.js';
import { MIN_SECRET_LENGTH } from './forms.js';
import { makeSecretMask, type SecretMask } from './redactor.js';

/**
 * The process's mask: every secret this process has read, from the moment it read it
 * (`loadSecrets` registers them), like GitHub Actions' `add-mask`. Every exit — the
 * daily log, the oplog, HTTP answers, notifications, GitHub writes, the policy's
 * "carries a secret" — asks it, so an exit need not be handed the secrets to be safe,
 * and one added later cannot forget them. Values are only ever added: a rotated-out
 * secret stays masked for the life of the process. The process's own environment is
 * masked from the first use, so a line printed before secrets.json was read (a worker
 * that failed at start) cannot hold GITHUB_TOKEN either.
 */
const held = new Set<string>();
let current: SecretMask | undefined;
let environment = false;

export function maskSecrets(values: Iterable<unknown>): void {
  for (const value of values) {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || held.has(value)) continue;
    held.add(value);
    current = undefined;
  }
}

export function secretMask(): SecretMask {
  if (!environment) {
    environment = true;
    maskSecrets(secretEnvValues(process.env));
  }
  return (current ??= makeSecretMask(held));
}

/** Every value masked so far (for a redactor that must also cover what this process read). */
export function maskedValues(): string[] {
  secretMask();
  return [...held];
}
