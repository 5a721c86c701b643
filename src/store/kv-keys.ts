/**
 * Every key of the store's key-value table, with the type of its value. A key that is
 * not listed here does not compile: the table is shared by many rooms, and a typo or a
 * second idea of a value's shape would otherwise only show in a running home. Values are
 * stored as JSON text (`JSON.stringify`), as they always were.
 */
export interface KvValues {
  /** The tick's last outcome and when (src/tick), shown by `vigil status`. */
  'tick.last': { at: number; outcome: string };
  /** What the world looked like at the last decided tick: the quiet-tick rule compares against it (src/tick). */
  'tick.baseline': TickBaseline;
  /** Bumped whenever the pending approvals change, so a tick sees an answer as news (src/initiative). */
  'approvals.version': number;
  /** What the last dream left for the next (src/dream/state.ts); a field an older vigil did not write is absent. */
  'dream.state': Partial<DreamStateRecord>;
  /** The phase the running (or last) dream began last, for the dashboard's Tasks page (src/dream/dream.ts). */
  'dream.phase': { dreamId: string; phase: string; at: number };
  /** Why desktop notifications are unavailable, once said (null: they are available again) (src/notify/desktop.ts). */
  'notify.desktop.unavailable': string | null;
  /** Approval id → the id of its popup with Approve and Deny on the desktop, replaced in place after a restart (src/notify/desktop-approvals.ts). */
  'notify.desktop.popups': Record<string, number>;
  /** Each notification channel's last send: delivered, or the (redacted) error (src/notify/notifier.ts), for `vigil status`. */
  'notify.channels.last': Record<string, { at: number; ok: boolean; error?: string }>;
  /** What the dashboard's last test notification did, written by the worker that sent it (src/notify/notices.ts). */
  'notify.test.last': NotifyTestOutcome;
  /** Delivery ids whose redelivery was asked of GitHub, newest last (src/github-api/redeliver.ts). */
  'github.redelivery.requested': string[];
  /**
   * The login GitHub named as the author of vigil's last comment or issue: who vigil acts as
   * (a GitHub App's `name[bot]`, a machine account, or the owner's own login with a personal
   * token). Written by the worker (src/exec/handlers/github.ts); the daemon holds no credential
   * to ask GitHub, so it learns it here (src/initiative/own-echo.ts).
   */
  'github.actingLogin': { login: string; at: number };
  /** Rejected webhook deliveries per minute over the last day, and when the owner was last told (src/triggers/webhooks/rejections.ts). */
  'webhook.rejections': WebhookRejectionLog;
  /** Redeliveries the sweep asked for, when, and whether the owner was told one was refused again (src/github-api/redeliver.ts). */
  'github.redelivery.asked': { guid: string; at: number; told?: boolean }[];
  /** When the redelivery sweep last started (src/github-api/redeliver.ts). */
  'github.sweep.last': number;
  /** How far into the daily logs the search index has read (src/memory/search.ts). */
  'memory.search.log': LogPosition;
  /** The last inbox event id in the search index (src/memory/search.ts). */
  'memory.search.events': number;
  /** Per agent transcript file name, the bytes already in the search index (src/memory/search.ts). */
  'memory.search.agent': Record<string, number>;
  /**
   * A `github.rerun_failed_jobs` action id → the run's attempt number just before it asked
   * GitHub for a re-run: a retry that sees a later attempt knows it was asked (src/github-api/hands.ts).
   */
  [rerun: `github.rerun.${string}`]: number;
  /**
   * Per repository, the open-work digest's last answers with their ETags, by URL: the next
   * tick asks with If-None-Match and a 304 costs no rate limit (src/github-api/conditional.ts).
   */
  [etags: `github.etags.${string}`]: Record<string, { etag: string; data: unknown }>;
  /** How far into the daily logs the dashboard's counts have read (src/web/log-stats.ts). */
  'dashboard.stats.log': LogPosition;
  /** `vigil cancel ID`: when cancelling was asked (null: the request was cleared) (src/agent/cancel.ts). */
  [cancel: `agent.cancel.${string}`]: number | null;
}

export type KvKey = keyof KvValues;

/** The keys whose value is a plain counter, the only ones `increment` takes. */
export type KvCounterKey = { [K in KvKey]: KvValues[K] extends number ? K : never }[KvKey];

/** One minute's rejected webhook deliveries, by path and reason. */
export interface WebhookRejectionMinute {
  /** The minute's start, ms since the epoch. */
  minute: number;
  direct: Record<string, number>;
  proxy: Record<string, number>;
}

export interface WebhookRejectionLog {
  minutes: WebhookRejectionMinute[];
  /** When the owner was last told that proxied deliveries fail verification. */
  notifiedAt: number | null;
}

/** One test notification's fate: which channels delivered it, which failed, which had nobody to reach. */
export interface NotifyTestOutcome {
  key: string;
  at: number;
  delivered: string[];
  failed: { channel: string; error: string }[];
  skipped: { channel: string; why: string }[];
  /** Quiet hours or the hourly cap held it for the digest. */
  held?: string;
}

/** A position in the daily logs: a day's file and a byte offset at a line start. */
export interface LogPosition {
  date: string;
  offset: number;
}

export interface TickBaseline {
  lastEventId: number;
  approvalsVersion: number;
  /** Repository path → its HEAD. */
  repos: Record<string, string>;
  /** The owner's working day (local date) the last decided tick saw begun (issue 15). */
  ownerDay?: string;
  /** Per repository, the open-work digest's CI in words and a hash of its lists (issue 15, src/tick/open-work.ts). */
  openWork?: Record<string, { ci: string; hash: string }>;
}

export interface DreamStateRecord {
  lastDreamAt: number | null;
  lastDreamId: string | null;
  /** Where the next dream starts reading; null: from the first log. */
  watermark: LogPosition | null;
  lastFailedAt: number | null;
  lastFailure: string | null;
}
