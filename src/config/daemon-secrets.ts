import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { childEntry } from '../child/index.js';
import { VigilError } from '../errors.js';
import { maskFingerprints, type SecretFingerprints } from '../secrets/index.js';
import { loadSecrets, type Secrets } from './secrets.js';

const FINGERPRINT_ENTRY = childEntry('config/fingerprint-main.js');

const Fingerprints = z.object({
  key: z.string().regex(/^[0-9a-f]{64}$/),
  values: z.number().int().nonnegative(),
  forms: z.array(z.object({ length: z.number().int().positive(), probe: z.number().int().min(0).max(0xffff), digest: z.string().regex(/^[0-9a-f]{64}$/) })),
});

/**
 * The daemon's secrets (issue 14): everything but the GitHub credentials, which only the
 * worker reads and uses. So that a copy of them an issue carries is still redacted and
 * denied, a child reads them and hands back fingerprints the process mask recognises
 * (src/secrets/fingerprint.ts) — before anything could carry one.
 */
export function loadDaemonSecrets(file: string, env: NodeJS.ProcessEnv): Secrets {
  const secrets = loadSecrets(file, env, { withholdGithub: true });
  if (secrets.githubWithheld) maskFingerprints(fingerprintWithheld(file, env));
  return secrets;
}

/**
 * Whether this home has GitHub credentials, held or withheld (the daemon knows only that
 * the worker has some): GitHub reads, the open-work digest and the redelivery sweep are
 * offered only then.
 */
export function hasGithubCredentials(secrets: Pick<Secrets, 'githubToken' | 'githubApp' | 'githubWithheld'>): boolean {
  return Boolean(secrets.githubToken || secrets.githubApp || secrets.githubWithheld);
}

function fingerprintWithheld(file: string, env: NodeJS.ProcessEnv): SecretFingerprints {
  const run = spawnSync(process.execPath, [fileURLToPath(FINGERPRINT_ENTRY), file], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (run.status !== 0) {
    const why = run.error ? run.error.message : run.stderr.trim() || `exit ${run.status ?? run.signal}`;
    throw new VigilError('VIGIL_ERR_SECRETS', `${file}: the GitHub credentials could not be read: ${why}`);
  }
  const parsed = Fingerprints.safeParse(safeJson(run.stdout));
  if (!parsed.success) throw new VigilError('VIGIL_ERR_SECRETS', `${file}: the GitHub credentials' fingerprints were malformed`);
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
