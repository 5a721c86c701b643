import { VigilError, errorText } from '../../errors.js';

/**
 * The test message init sends: one POST to the topic as vigil's ntfy channel sends them
 * (src/notify/ntfy.ts). Only a 2xx counts as arrived; anything else stops init.
 */
export async function sendNtfyTest(url: string, token: string | undefined): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', Title: 'vigil is set up', Tags: 'vigil', Priority: '3' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body: 'This is the test message from vigil init: notifications reach you here.', signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new VigilError('VIGIL_ERR_NOTIFY', `ntfy ${new URL(url).origin}: ${errorText(err)}`, { cause: err });
  }
  await res.body?.cancel();
  if (!res.ok) throw new VigilError('VIGIL_ERR_NOTIFY', `ntfy ${new URL(url).origin} answered HTTP ${res.status} to the test message`);
}
