import fs from 'node:fs';
import { errorText, VigilError } from '../errors.js';

/** secrets.json's rule for the token (config's SecretsFile): at least this long. */
const MIN_TOKEN_LENGTH = 16;

/**
 * The dashboard token, the one secret a command needs to call the running daemon's API.
 * Read without the config's schema: the daemon validated the whole file when it started,
 * and a command that only asks the daemon (`vigil memory search`) should not pay for
 * loading zod and every secret form at each start (issue 18: a command's time is its start).
 */
export function readDashboardToken(file: string): string {
  let token: unknown;
  try {
    token = (JSON.parse(fs.readFileSync(file, 'utf8')) as { dashboardToken?: unknown } | null)?.dashboardToken;
  } catch (err) {
    throw new VigilError('VIGIL_ERR_SECRETS', `${file}: ${errorText(err)}`, { cause: err });
  }
  if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH) {
    throw new VigilError('VIGIL_ERR_SECRETS', `${file}: dashboardToken: a string of at least ${MIN_TOKEN_LENGTH} characters`);
  }
  return token;
}
