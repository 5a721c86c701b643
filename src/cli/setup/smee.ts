import { VigilError, errorText } from '../../errors.js';

/** `VIGIL_SMEE_URL` (tests point it at a fake), else smee.io. */
export function smeeBase(env: NodeJS.ProcessEnv): string {
  return env.VIGIL_SMEE_URL?.trim().replace(/\/+$/, '') || 'https://smee.io';
}

/**
 * A new smee channel: smee answers `GET /new` with a redirect to a fresh channel URL.
 * Whoever knows that URL reads every delivery, so it is treated as a secret (config.ts masks it).
 */
export async function newSmeeChannel(env: NodeJS.ProcessEnv): Promise<string> {
  const base = smeeBase(env);
  let res: Response;
  try {
    res = await fetch(`${base}/new`, { redirect: 'manual', signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new VigilError('VIGIL_ERR_SETUP', `${base}/new: ${errorText(err)}`, { cause: err });
  }
  await res.body?.cancel();
  const location = res.headers.get('location');
  if (res.status < 300 || res.status >= 400 || !location) {
    throw new VigilError('VIGIL_ERR_SETUP', `${base}/new answered HTTP ${res.status} without a channel to redirect to`);
  }
  const channel = new URL(location, base);
  if (channel.origin !== new URL(base).origin || channel.pathname.length < 2) {
    throw new VigilError('VIGIL_ERR_SETUP', `${base}/new redirected somewhere else (${channel.origin})`);
  }
  return channel.toString();
}
