/**
 * Every log event, defined once with its dotted name and fields (docs/architecture.md, conventions). The
 * daily log stores exactly these; `log.torn` is written by the log itself.
 */
export interface EventFields {
  'daemon.started': { version: string; address: string; mode: string; provider: string; node?: string; store?: 'sqlite' | 'postgres' };
  'daemon.stopped': { reason: string };
  'config.reloaded': Record<string, never>;
  'config.reload_failed': { error: string };
  'event.received': { eventId: number; source: string; kind: string; deliveryId?: string };
  'event.filtered': { eventId: number; kind: string; reason: string };
  /**
   * A delivery vigil's own write caused (its marker in the body, its login as the sender,
   * a label it just added): stored, never decided, so vigil does not answer itself (issue 14).
   */
  'event.own': { eventId: number; kind: string; reason: string };
  /** An event kind in `model.skipEvents`: stored, no model call, no decision (issue 14). */
  'event.skipped': { eventId: number; kind: string; reason: string };
  /**
   * A verified body already stored under another delivery id, sent again under `deliveryId`
   * (GitHub signs the body, not the headers: issue 12). Not stored, never decided; `kind`
   * is what the new headers claim, `replayOf` the event that holds the body.
   */
  'event.replayed': { deliveryId: string; kind: string; replayOf: number };
  'tick.skipped': { reason: string };
  /**
   * What a tick's open-work digest read (issue 15), per repository: requests, how many
   * GitHub answered 304 (no rate limit spent), CI state and list sizes — never a title.
   */
  'tick.open_work': { repos: Record<string, unknown>[]; failed: { repo: string; error: string }[] };
  /**
   * The owner spoke (issue 15: `vigil ask`, `POST /api/ask`, or an owner's `@vigil` comment
   * on `repo`#`number`) and the instruction was decided with `proposals` proposals; its
   * answer (a notification or a reply comment) is proposed after them.
   */
  'owner.instruction': { eventId: number; via: string; repo?: string; number?: number; proposals: number };
  /** A comment mentioned vigil, but its sender is not the owner: its text was decided as third-party data. */
  'owner.mention_ignored': { eventId: number; login: string; repo: string; number: number; reason: string };
  'decision.made': {
    eventId: number;
    kind: string;
    act: boolean;
    summary: string;
    model: string;
    proposals: { action: string; params: unknown; rationale: string }[];
    /** Events decided together with `eventId` (`github.coalesceSeconds`): one CI run, one burst on an issue. */
    coalesced?: number[];
    /** Tokens of every call the decision took (model-backed providers only). */
    usage?: { inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number };
    /** Read-only tools the decision called before `decide` (issue 14); absent without an investigation. */
    toolCalls?: number;
    /** The budget that ran out and forced `decide` (`model.decision.*`). */
    limit?: 'maxToolCalls' | 'maxInputTokens' | 'maxSeconds';
  };
  /** One investigation tool call of a decision: what was asked and how big the answer was, never its content. */
  'decision.tool': { eventId: number; tool: string; args: string; bytes: number; ms: number; error?: boolean };
  'decision.failed': { eventId: number; kind: string; error: string; retryAt: string };
  /** A `decide` input that failed validation (issue 4); `retrying`: the model is asked once more, shown the error. */
  'decision.invalid': { eventId: number; kind: string; model: string; error: string; retrying: boolean };
  /** A `decide` answer read from the reply's text (`content`, or Groq's `failed_generation`), not a tool call. */
  'decision.recovered': { eventId: number; kind: string; model: string; from: 'content' | 'failed_generation' };
  'action.allowed': { actionId: string; action: string; reason: string };
  'action.denied': { actionId: string; action: string; reason: string };
  'approval.requested': { actionId: string; action: string; params: unknown; expiresAt: string; reason: string };
  /** `reason`: the owner's own words with the answer (issue 15), one line, capped and redacted. */
  'approval.granted': { actionId: string; action: string; by: string; reason?: string };
  'approval.denied': { actionId: string; action: string; by: string; reason?: string };
  'approval.expired': { actionId: string; action: string };
  /**
   * The owner approved `action` on `repo` `approvals` times in a row (`permissions.suggestAfter`):
   * vigil offers the rule that would have allowed it, through a capability link (issue 15).
   */
  'rule.suggested': { suggestionId: string; action: string; repo: string; approvals: number; expiresAt: string };
  /** The owner accepted it: the rule is first in config.json's `permissions.rules` (`added: false` when it was there already). */
  'rule.accepted': { suggestionId: string; action: string; repo: string; by: string; added: boolean };
  /** A suggestion's link was refused (forged, for another suggestion, expired, used, closed). */
  'rule.capability_refused': { suggestionId: string; reason: string };
  'action.started': { actionId: string; action: string; attempt: number };
  'action.succeeded': { actionId: string; action: string; result: unknown };
  'action.failed': { actionId: string; action: string; error: string };
  'action.released': { actionId: string; action?: string; reason: string };
  /** An agent task (issue 8) began in a worktree on `branch`; `mode` is "built-in" or "external". */
  'agent.started': { actionId: string; repo: string; branch: string; mode: string; instructions: string };
  /** A tool call of the agent that was refused (a path outside the worktree, a command not allowed); the task goes on. */
  'agent.refused': { actionId: string; tool: string; reason: string };
  /** The task's end: with changes, the draft pull request's URL; without, `summary` says why. */
  'agent.finished': { actionId: string; repo: string; changed: boolean; files: string[]; summary: string; pullRequest?: string };
  /** `vigil cancel` asked a running task to stop. */
  'agent.cancel_requested': { actionId: string };
  'notify.sent': { title: string; body: string; urgency: string; channels: string[] };
  /** Held back by quiet hours or the hourly cap (issue 6); the next digest lists it. */
  'notify.held': { key: string; title: string; urgency: string; reason: string };
  'notify.digest': { count: number; channels: string[] };
  'notify.failed': { channel: string; title: string; error: string };
  /** A notification (or digest) that reached no channel (issue 16): `why`, one entry per channel, or "no channel configured". */
  'notify.unreached': { key: string; title: string; urgency: string; why: string[] };
  /** Logged once per reason: e.g. no desktop session, so the desktop channel stays quiet. */
  'notify.channel_unavailable': { channel: string; reason: string };
  /** `endpoint` is the push service's origin only: the full URL is a bearer capability. */
  'push.subscribed': { endpoint: string; subscriptions: number };
  'push.subscription_removed': { endpoint: string; status: number };
  'push.backoff': { endpoint: string; retryAfterSeconds: number };
  'web.login': { ip: string };
  /**
   * Failed logins from one address, at most one line a minute (issue 12): `count` wrong
   * tokens and `refused` attempts turned away by a limit since the last line.
   */
  'web.login_failed': { ip: string; count: number; refused: number };
  /** Too many failed logins from all addresses together: every login waits `retryAfterSeconds`. */
  'web.login_locked': { failures: number; refused: number; retryAfterSeconds: number };
  'approval.capability_refused': { actionId: string; reason: string };
  'reminder.due': { note: string; dueAt: string };
  'worker.started': { workerPid: number };
  'worker.exited': { workerPid: number; code: number | null; signal: string | null; restartInMs?: number };
  /** A daemon timer or loop could not reach the store (its lock, a full disk); `task` is tried again (issue 12). */
  'store.unavailable': { task: string; error: string; retryInMs: number };
  /** The same task succeeded again after `failures` failed rounds. */
  'store.recovered': { task: string; failures: number; afterMs: number };
  /**
   * A retention pass (`store.retainDays`, issue 18) removed handled inbox rows (with their
   * decisions) and spool segments no row points into any more; the daily logs are never pruned.
   * On a team's node (issue 19) also finished actions, notification rows and bookkeeping
   * (model usage, redelivery requests); there is no spool there (`segments`, `spoolBytes` 0).
   */
  'store.pruned': {
    inboxRows: number;
    segments: number;
    spoolBytes: number;
    retainDays: number;
    ms: number;
    actions?: number;
    notifyRows?: number;
    bookkeepingRows?: number;
  };
  /** An error nothing caught: the daemon exits with `exitCode` (70) and its service manager restarts it. */
  'daemon.crashed': { error: string; exitCode: number };
  /**
   * Deliveries refused since the last line for `reason` on one path (issue 20): at most one
   * line a minute per reason and path. `via: 'proxy'` names the refused deliveries (the
   * smee channel is the owner's own); a direct line never repeats what the sender wrote.
   */
  'webhook.rejected': {
    reason: string;
    via: 'direct' | 'proxy';
    count: number;
    since: string;
    cause?: string;
    deliveries?: { deliveryId: string; event: string }[];
    more?: number;
  };
  /**
   * GitHub lists `guid` as delivered (`statusCode`), but vigil never stored it — refused
   * after a proxy answered GitHub, or lost on the way (issue 20); the sweep asks GitHub
   * to redeliver it once. `again`: that redelivery was refused too (the owner is told).
   */
  'event.missed': { guid: string; deliveryId: number; statusCode: number; event?: string; again?: boolean };
  /** The missed-delivery sweep (issue 3): `listed` delivery attempts looked at, `redelivered` asked for again. */
  'github.sweep': { listed: number; redelivered: number; failed?: number };
  'github.sweep_failed': { error: string };
  /** `guid` is the X-GitHub-Delivery id; `deliveryId` the attempt GitHub was asked to redeliver. */
  'github.redelivery_requested': { guid: string; deliveryId: number };
  'github.redelivery_failed': { guid: string; deliveryId: number; error: string };
  'github.rate_limited': { method: string; url: string; retryAfterSeconds: number; secondary: boolean; retrying: boolean };
  /** The dream pass (issue 5): `since` is the log position it reads from (null: from the first log). */
  'dream.started': { dreamId: string; trigger: 'idle' | 'manual'; since: string | null };
  /** Its report: facts added, updated, removed (deleted or pruned), newly marked stale; what it read. */
  'dream.finished': {
    dreamId: string;
    added: number;
    updated: number;
    removed: number;
    stale: number;
    entriesRead: number;
    notes: number;
    topics: number;
    consolidator: string;
    modelTokens: number;
    durationMs: number;
  };
  'dream.failed': { dreamId: string; reason: string };
  /**
   * The owner changed memory by hand on the dashboard (issue 17): `op` edit or delete of the
   * fact at `index` of `file`; `version` names the file's previous version kept in history
   * (`vigil memory history FILE --restore VERSION` undoes it); `fact` the old text, cut short.
   */
  'memory.edited': { file: string; op: 'edit' | 'delete'; index: number; fact: string; version: string | null };
  /** A failed model call that is tried again after `delayMs` (timeouts, 429, 529, 5xx). */
  'model.retry': { model: string; attempt: number; error: string; status?: number; delayMs: number };
  /** After `failures` failed calls in a row no call goes out until `until`; events wait in the inbox. */
  'model.circuit_opened': { failures: number; until: string; error: string };
  'model.circuit_closed': { openedAt: string };
}

export type EventType = keyof EventFields;

export interface EventRecord {
  type: EventType;
  /** Milliseconds since the epoch; the log writes it as ISO `ts`. */
  ts: number;
  /** The process that recorded it: the worker's entries carry the worker's pid. */
  pid: number;
  [field: string]: unknown;
}

export function eventRecord<T extends EventType>(type: T, fields: EventFields[T], now: number): EventRecord {
  return { type, ts: now, pid: process.pid, ...fields };
}
