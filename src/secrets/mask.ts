import { secretEnvValues } from './env.js';
import { MIN_SECRET_LENGTH } from './forms.js';
import { makeFingerprintMask, type SecretFingerprints } from './fingerprint.js';
import { combineMasks, makeSecretMask, type SecretMask } from './redactor.js';

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
/** Secrets this process may not hold, only recognise (src/secrets/fingerprint.ts). */
let recognised: SecretMask | undefined;
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
  return (current ??= withRecognised(makeSecretMask(held)));
}

/** Secrets this process must find without holding them (the daemon's GitHub credentials). */
export function maskFingerprints(fingerprints: SecretFingerprints): void {
  const mask = makeFingerprintMask(fingerprints);
  recognised = recognised ? combineMasks(recognised, mask) : mask;
  current = undefined;
}

/** `mask`, also finding what this process only recognises by fingerprint. */
export function withRecognised(mask: SecretMask): SecretMask {
  return recognised ? combineMasks(mask, recognised) : mask;
}

/** Every value masked so far (for a redactor that must also cover what this process read). */
export function maskedValues(): string[] {
  secretMask();
  return [...held];
}
