/**
 * POSTs JSON to a chat service. Errors name the channel (`label`) and the HTTP status,
 * never the URL: a webhook's URL, and a Telegram URL's path, are the credential.
 */
export async function postJson(url: string, body: unknown, signal: AbortSignal, label: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal,
      redirect: 'error',
    });
  } catch (err) {
    // undici's "fetch failed" hides the reason in `cause` (ECONNREFUSED, a TLS failure): say it, not the URL.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? (signal.aborted ? 'aborted' : (err as Error).name);
    // No `cause`: it would carry the request, URL included, to whoever prints the error.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${label}: request failed (${why})`);
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${label}: HTTP ${res.status}${serviceReason(text)}`);
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return text;
  }
}

/** Telegram and Discord explain a refusal in JSON (`description`, `message`); a short one helps the owner fix it. */
function serviceReason(text: string): string {
  try {
    const json = JSON.parse(text) as { description?: unknown; message?: unknown };
    const reason = typeof json.description === 'string' ? json.description : typeof json.message === 'string' ? json.message : undefined;
    return reason ? ` (${reason.slice(0, 200)})` : '';
  } catch {
    return '';
  }
}
