import type { WebhookRejectionLog } from '../../store/index.js';

/**
 * Why a delivery was refused, as counted (issue 20). Only refusals of the delivery
 * itself: "busy", "not stored now" and a body too slow are the daemon's state, not the
 * delivery's, and GitHub's list shows them as failed for the sweep to ask again.
 */
export type RejectionReason = 'signature' | 'headers' | 'content_type' | 'too_large' | 'empty' | 'not_utf8' | 'not_json';

/** How the delivery reached the route: straight from the sender, or replayed by vigil's own smee client. */
export type RejectionPath = 'direct' | 'proxy';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export interface RejectionSummary {
  total: number;
  direct: Partial<Record<RejectionReason, number>>;
  proxy: Partial<Record<RejectionReason, number>>;
}

/** Rejections counted in the minutes that began within `windowMs` before `now`. */
export function summarizeRejections(log: WebhookRejectionLog | undefined, now: number, windowMs: number): RejectionSummary {
  const summary: RejectionSummary = { total: 0, direct: {}, proxy: {} };
  for (const minute of log?.minutes ?? []) {
    if (minute.minute + MINUTE_MS <= now - windowMs) continue;
    for (const path of ['direct', 'proxy'] as const) {
      for (const [reason, count] of Object.entries(minute[path] as Record<string, number>)) {
        const key = reason as RejectionReason;
        summary[path][key] = (summary[path][key] ?? 0) + count;
        summary.total += count;
      }
    }
  }
  return summary;
}

/** Several nodes' counts as one log (a team: each node counts what reached its own route). */
export function mergeRejectionLogs(logs: readonly WebhookRejectionLog[]): WebhookRejectionLog {
  const notified = logs.map((l) => l.notifiedAt).filter((at): at is number => at !== null);
  return { minutes: logs.flatMap((l) => l.minutes), notifiedAt: notified.length ? Math.max(...notified) : null };
}

/**
 * The likeliest cause of what was refused, and the setting to change — for the log,
 * `vigil doctor` and the owner's notification. Most frequent first; undefined when
 * nothing was refused.
 */
export function likelyCause(summary: RejectionSummary): string | undefined {
  const causes: [number, string][] = [];
  const add = (count: number | undefined, text: string): void => {
    if (count) causes.push([count, text]);
  };
  add(
    summary.proxy.signature,
    'through the webhook proxy the signature does not match: the proxy forwards the JSON re-serialised, so only a compact body keeps its signature; or GitHub\'s hook secret is not vigil\'s webhookSecret',
  );
  add(
    summary.direct.signature,
    'secret mismatch: the hook\'s secret on GitHub is not secrets.json "webhookSecret" (or GITHUB_WEBHOOK_SECRET)',
  );
  add(
    (summary.direct.content_type ?? 0) + (summary.proxy.content_type ?? 0) + (summary.direct.not_json ?? 0) + (summary.proxy.not_json ?? 0),
    'content type: set the hook\'s "Content type" to application/json (a webhook proxy refuses form-encoded deliveries)',
  );
  add(
    (summary.direct.headers ?? 0) + (summary.proxy.headers ?? 0),
    'requests whose X-GitHub-Event / X-GitHub-Delivery headers are missing or not GitHub\'s form (an event name, a delivery GUID): not from GitHub, or a proxy that drops or rewrites them',
  );
  add(
    (summary.direct.too_large ?? 0) + (summary.direct.empty ?? 0) + (summary.direct.not_utf8 ?? 0) +
      (summary.proxy.too_large ?? 0) + (summary.proxy.empty ?? 0) + (summary.proxy.not_utf8 ?? 0),
    'bodies GitHub does not send (empty, over 25 MB, not UTF-8): not from GitHub',
  );
  causes.sort((a, b) => b[0] - a[0]);
  return causes[0]?.[1];
}
