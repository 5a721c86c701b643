/**
 * A short-lived child of the daemon (issue 14): it reads the GitHub credentials the daemon
 * never reads, prints their fingerprints (src/secrets/fingerprint.ts) as one JSON line and
 * exits — so the daemon can find a copy of them in a prompt, a log line or a proposal
 * without ever holding them. Argument: the secrets.json path; the environment is the daemon's.
 */
import { fingerprintSecrets } from '../secrets/index.js';
import { withheldSecretValues } from './secrets.js';

try {
  const file = process.argv[2];
  if (!file) throw new Error('usage: fingerprint-main.js SECRETS_FILE');
  process.stdout.write(`${JSON.stringify(fingerprintSecrets(withheldSecretValues(file, process.env)))}\n`);
} catch (err) {
  // The message names a file or a field, never a value (loadSecrets' errors do not quote values).
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
