import { VigilError } from '../errors.js';
import type { GithubOctokit } from './client.js';

/** A job's log may be many megabytes: only this much of its end is kept while it streams. */
const TAIL_BYTES = 64 * 1024;
/** A log larger than this is not read to its end (the tail then says so). */
const MAX_LOG_BYTES = 64 * 1024 * 1024;
/** `2024-05-01T10:00:00.1234567Z ` at the start of each Actions log line. */
const TIMESTAMP = /^\d{4}-\d\d-\d\dT[\d:.]+Z ?/;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/**
 * The last `maxChars` of a GitHub Actions job's log. `GET …/actions/jobs/{id}/logs`
 * answers a redirect to a short-lived signed URL: that URL is fetched without vigil's
 * credential (it needs none), asking for the end only, and read as a stream that keeps
 * the end when the server sends it all.
 */
export async function fetchLogTail(
  octokit: GithubOctokit,
  job: { owner: string; repo: string; job_id: number },
  maxChars: number,
  signal: AbortSignal,
): Promise<string> {
  const response = await octokit.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs', {
    ...job,
    request: { signal, redirect: 'manual', parseSuccessResponseBody: false },
  });
  const apiOrigin = new URL(octokit.request.endpoint.DEFAULTS.baseUrl).origin;
  let body: ReadableStream<Uint8Array> | null;
  if ((response.status as number) === 200) {
    body = response.data as unknown as ReadableStream<Uint8Array>;
  } else {
    await (response.data as unknown as ReadableStream | null)?.cancel();
    const location = (response.headers as Record<string, string | undefined>).location;
    if (!location) throw new VigilError('VIGIL_ERR_GITHUB_QUERY', `the job log answered ${response.status} without a location`);
    const target = new URL(location, apiOrigin);
    // The signed URL is GitHub's: https, or the API's own origin (GitHub Enterprise, a local fake).
    if (target.protocol !== 'https:' && target.origin !== apiOrigin) {
      throw new VigilError('VIGIL_ERR_GITHUB_QUERY', `the job log redirects to ${target.protocol} (only https is followed)`);
    }
    const log = await fetch(target, { headers: { range: `bytes=-${TAIL_BYTES}` }, redirect: 'follow', signal });
    if (!log.ok) {
      await log.body?.cancel();
      throw new VigilError('VIGIL_ERR_GITHUB_QUERY', `the job log answered ${log.status}`);
    }
    body = log.body;
  }
  const { bytes, truncated, unfinished } = await keepTail(body, signal);
  const lines = bytes
    .toString('utf8')
    .replace(ANSI, '')
    .split(/\r?\n/)
    .map((line) => line.replace(TIMESTAMP, ''));
  let text = lines.join('\n').trimEnd();
  const cutBefore = text.length > maxChars || truncated;
  if (text.length > maxChars) text = text.slice(text.length - maxChars);
  // Start at a whole line.
  if (cutBefore && text.includes('\n')) text = text.slice(text.indexOf('\n') + 1);
  const head = unfinished ? `[the log is over ${MAX_LOG_BYTES / 1024 / 1024} MB: its end was not read; this is what came before]\n` : '';
  return head + (cutBefore ? `[earlier lines left out]\n${text}` : text);
}

async function keepTail(body: ReadableStream<Uint8Array> | null, signal: AbortSignal): Promise<{ bytes: Buffer; truncated: boolean; unfinished: boolean }> {
  if (!body) return { bytes: Buffer.alloc(0), truncated: false, unfinished: false };
  const chunks: Buffer[] = [];
  let held = 0;
  let seen = 0;
  let truncated = false;
  let unfinished = false;
  const reader = body.getReader();
  try {
    for (;;) {
      signal.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = Buffer.from(value);
      seen += chunk.length;
      chunks.push(chunk);
      held += chunk.length;
      while (chunks.length > 1 && held - chunks[0]!.length >= TAIL_BYTES) {
        held -= chunks.shift()!.length;
        truncated = true;
      }
      if (seen >= MAX_LOG_BYTES) {
        unfinished = true;
        break;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const all = Buffer.concat(chunks);
  return { bytes: all.length > TAIL_BYTES ? all.subarray(all.length - TAIL_BYTES) : all, truncated: truncated || all.length > TAIL_BYTES, unfinished };
}
