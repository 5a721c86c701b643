/**
 * Environment variables whose values are secrets: vigil's own (GITHUB_WEBHOOK_SECRET,
 * GITHUB_TOKEN, GITHUB_APP_PRIVATE_KEY, ANTHROPIC_API_KEY, OPENAI_API_KEY) and any
 * other that says so by its name — whatever vigil inherits, it must not pass on.
 * Names of files and paths are pointers, not secrets.
 */
const SECRET_ENV_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL/i;
const POINTER_ENV_NAME = /_(FILE|PATH|DIR|URL)$/i;

export function secretEnvValues(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    const value = raw?.trim();
    if (!value) continue;
    if (SECRET_ENV_NAME.test(name) && !POINTER_ENV_NAME.test(name)) {
      values.push(value);
      // GITHUB_APP_PRIVATE_KEY may carry `\n` escapes; loadSecrets reads the PEM with real line breaks.
      if (value.includes('\\n')) values.push(value.replace(/\\n/g, '\n'));
    }
  }
  // DATABASE_URL (issue 17) holds the store's password inside a URL.
  const password = urlPassword(env.DATABASE_URL);
  if (password) values.push(password);
  return values;
}

/** The password inside a URL (`postgres://user:pw@host/db`), decoded; undefined when it has none or is not a URL. */
export function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

