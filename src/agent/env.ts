import os from 'node:os';

/**
 * What the agent's processes find in their environment (issue 12): none of vigil's
 * credentials by name (`GITHUB_*`, `GH_*`, `ANTHROPIC_*`, `OPENAI_*`, `VIGIL_*`), no
 * variable that steers git (`GIT_*`: `GIT_DIR`, `GIT_CONFIG_*` would redirect it), and no
 * variable of any name whose value holds one of vigil's secrets.
 */

const VIGIL_CREDENTIALS = /^(GITHUB_|GH_|ANTHROPIC_|OPENAI_|VIGIL_|GIT_)/i;
/** Of those, the ones that hold a credential (VIGIL_HOME, GITHUB_API_URL or ANTHROPIC_BASE_URL are pointers, not secrets). */
const CREDENTIAL_NAME = /TOKEN|SECRET|PASSWORD|PASSPHRASE|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL/i;
/** Shorter values would match ordinary words; every secret vigil holds is far longer. */
const MIN_SECRET_LENGTH = 8;

/** The secrets to keep out: those vigil loaded, and the values of the credential variables it was started with. */
export function secretsToWithhold(secrets: readonly string[], base: NodeJS.ProcessEnv = process.env): string[] {
  const isCredential = (key: string) => VIGIL_CREDENTIALS.test(key) && CREDENTIAL_NAME.test(key);
  const fromEnv = Object.entries(base).flatMap(([key, value]) => (isCredential(key) && value && value.length >= MIN_SECRET_LENGTH ? [value] : []));
  return [...new Set([...secrets, ...fromEnv].filter((s) => s.length >= MIN_SECRET_LENGTH))];
}

/**
 * An allowed command (the built-in agent's bash): a short allowlist, `HOME` pointing at
 * the sandbox's empty home, no `NODE_OPTIONS` (a `--require` of a file in the real home).
 */
export function commandEnv(withhold: readonly string[], base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { GIT_TERMINAL_PROMPT: '0', CI: '1', HOME: os.homedir(), TMPDIR: '/tmp' };
  for (const key of ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TERM', 'TZ', 'USER', 'LOGNAME', 'SHELL']) if (base[key] !== undefined) env[key] = base[key];
  return withoutSecrets(env, withhold);
}

/**
 * The external agent keeps the rest of the environment (proxies, locale, its own
 * settings): it needs them to reach its model API. Its login comes from the files in
 * `agent.allowPaths`, never from vigil's keys.
 */
export function externalEnv(withhold: readonly string[], base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined && !VIGIL_CREDENTIALS.test(key)) env[key] = value;
  env.GIT_TERMINAL_PROMPT = '0';
  return withoutSecrets(env, withhold);
}

function withoutSecrets(env: NodeJS.ProcessEnv, withhold: readonly string[]): NodeJS.ProcessEnv {
  for (const [key, value] of Object.entries(env)) if (value && withhold.some((secret) => value.includes(secret))) delete env[key];
  return env;
}
