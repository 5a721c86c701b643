import type { Config } from '../config/index.js';
import type { Clock } from '../clock.js';
import type { Notifications, Store } from '../store/index.js';
import crypto from 'node:crypto';
import { gateFor } from './build.js';
import { configuredChannels, NO_CHANNEL_ANSWER, testAnswer, type TestAnswer } from './reach-report.js';
import { DesktopApprovals, sqliteLedger } from './desktop-approvals.js';

export interface OwnerReachDeps {
  store: Store;
  clock: Clock;
  /** The current config (it changes on reload). */
  config: () => Pick<Readonly<Config>, 'notify' | 'tick'>;
  /** Start or wake the execution worker: it sends what is queued. */
  kick: () => void;
  /**
   * The store failed under `task`: report it and say when to try again (ms); rethrows
   * what will not pass (the daemon's StoreTrouble). Without it, errors propagate.
   */
  storeFailed?: (task: string, err: unknown) => number;
  /** `task` reached the store again after failing. */
  storeRecovered?: (task: string) => void;
  /**
   * Answers an approval from its desktop popup's Approve or Deny, through the same path
   * as `vigil approve` (src/operations), by "desktop". Without it, no popup has buttons.
   */
  answerFromDesktop?: (id: string, answer: 'approve' | 'deny') => void;
  /** Something the log should say (a click the store refused, a popup that could not be withdrawn). */
  report?: (what: string, err: unknown) => void;
  env?: NodeJS.ProcessEnv;
}

/** Held notifications wait for a digest; the worker may hold one while the daemon is not looking. */
const DIGEST_RECHECK_MS = 10 * 60_000;
/** What was sent is kept this long (the hourly cap needs one hour of it), then pruned. */
const KEEP_SENT_MS = 7 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * The daemon's side of reaching the owner. The daemon holds no channel credentials
 * (the VAPID private key and the ntfy token stay in the worker, like the GitHub
 * token), so it only queues notices — an approval to ask about, a digest that is due,
 * a test — in vigil.db and kicks the worker, which sends them. A queued approval is
 * keyed by its id, so a crash between the approval and its notice is healed at the
 * next start by `catchUp`, without a second notification.
 *
 * Why not an internal `notify` action: actions are the model's proposals and pass the
 * policy again in the worker, where `suggest` mode would make the notification itself
 * wait for an approval, and `observe` mode would deny it.
 */
export class OwnerReach {
  private readonly tables: Notifications;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private prunedAt = 0;
  private readonly desktop: DesktopApprovals | undefined;

  constructor(private readonly deps: OwnerReachDeps) {
    this.tables = deps.store.notifications;
    const { answerFromDesktop } = deps;
    if (answerFromDesktop) {
      this.desktop = new DesktopApprovals({
        ledger: sqliteLedger(deps.store, deps.config),
        clock: deps.clock,
        config: deps.config,
        answer: answerFromDesktop,
        report: deps.report ?? (() => undefined),
        ...(deps.env ? { env: deps.env } : {}),
      });
    }
  }

  /**
   * New approvals: on a Linux desktop the daemon shows each with Approve and Deny first
   * (src/notify/desktop-approvals.ts says why here), then queues its notice for the
   * worker's channels, which skip the desktop when that popup is up.
   */
  approvalsRequested(ids: readonly string[]): void {
    if (this.desktop?.applies()) {
      void this.desktop.show(ids).finally(() => this.queueApprovals(ids));
      return;
    }
    this.queueApprovals(ids);
  }

  /** An approval was answered or expired: its desktop popup is withdrawn. */
  approvalsSettled(): void {
    void this.desktop?.settle();
  }

  private queueApprovals(ids: readonly string[]): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    try {
      for (const id of ids) this.tables.enqueueNotice(`approval:${id}`, 'approval', { actionId: id }, now);
    } catch (err) {
      // Another process holds the store: queue them later (notices are keyed by approval, catchUp is idempotent).
      this.retryLater('approval notices', err, () => this.catchUp());
      return;
    }
    this.wakeWorker();
  }

  /** At start: pending approvals whose notice was never queued (the daemon died in between). */
  catchUp(): void {
    this.approvalsRequested(this.deps.store.actions.pendingApprovals().map((a) => a.id));
    // Popups of an earlier daemon whose approval was answered or expired meanwhile.
    this.approvalsSettled();
  }

  /** A browser subscribed: approvals that wait get their notification now. */
  subscribed(): void {
    this.wakeWorker();
  }

  /**
   * Queues a test notification for the worker and waits for what it did (which channels
   * delivered, which failed, which had nobody to reach), up to `waitMs`: by default the
   * channels' own time budget and the worker's start.
   */
  async sendTest(waitMs?: number): Promise<TestAnswer> {
    const config = this.deps.config();
    if (configuredChannels(config, this.deps.store.pushSubscriptions.subscriptionCount()).length === 0) return NO_CHANNEL_ANSWER;
    const now = this.deps.clock.now();
    const key = `test:${now}:${crypto.randomBytes(4).toString('hex')}`;
    this.tables.enqueueNotice(key, 'test', {}, now);
    this.wakeWorker(true);
    const budget = waitMs ?? (config.notify.timeoutSeconds + 20) * 1000;
    const started = performance.now();
    while (performance.now() - started < budget) {
      const last = this.deps.store.kv.get('notify.test.last');
      if (last?.key === key) return testAnswer(last);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    return {
      delivered: [],
      failed: [],
      skipped: [],
      pending: true,
      message: `Queued, but no answer from the worker in ${Math.round(budget / 1000)} s: see vigil log.`,
    };
  }

  /**
   * Something the owner should act on that is not an approval (issue 20: deliveries are
   * arriving but failing verification): queued under `key`, sent like any notification.
   * The caller decides how often; one key is queued once.
   */
  alert(key: string, title: string, body: string): void {
    this.tables.enqueueNotice(`alert:${key}`, 'alert', { title, body }, this.deps.clock.now());
    this.wakeWorker();
  }

  /** A permission rule to offer the owner (issue 15): the worker signs its link and sends it. */
  ruleSuggested(suggestionId: string): void {
    this.tables.enqueueNotice(`rule:${suggestionId}`, 'rule', { suggestionId }, this.deps.clock.now());
    this.wakeWorker();
  }

  start(): void {
    this.stopped = false;
    this.armDigest();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    void this.desktop?.stop();
  }

  /** No worker is started when nobody could be reached: an unconfigured vigil stays one process. */
  private reachable(): boolean {
    return configuredChannels(this.deps.config(), this.deps.store.pushSubscriptions.subscriptionCount()).length > 0;
  }

  private wakeWorker(force = false): void {
    if (this.stopped) return;
    if (this.tables.pendingNoticeCount() > 0 && (force || this.reachable())) this.deps.kick();
  }

  private armDigest(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    let delay: number;
    try {
      delay = this.digestRound();
      this.deps.storeRecovered?.('notify digest');
    } catch (err) {
      if (!this.deps.storeFailed) throw err;
      delay = this.deps.storeFailed('notify digest', err);
    }
    this.timer = setTimeout(() => this.armDigest(), Math.max(delay, 250));
    this.timer.unref();
  }

  /** Prune, queue a digest that is due; returns the wait before the next round. */
  private digestRound(): number {
    const now = this.deps.clock.now();
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      this.tables.prune(now, KEEP_SENT_MS);
    }
    const gate = gateFor(this.tables, this.deps.config());
    const due = gate.nextDigestAt(now);
    if (due !== undefined && due <= now && !this.tables.hasPendingNotice('digest')) {
      this.tables.enqueueNotice(`digest:${now}`, 'digest', {}, now);
      this.wakeWorker();
    }
    const delay = due !== undefined && due > now ? Math.min(due - now, DIGEST_RECHECK_MS) : DIGEST_RECHECK_MS;
    return Math.max(delay, 1000);
  }

  private retryLater(task: string, err: unknown, again: () => void): void {
    if (!this.deps.storeFailed) throw err;
    const timer = setTimeout(() => {
      if (this.stopped) return;
      try {
        again();
        this.deps.storeRecovered?.(task);
      } catch (next) {
        this.retryLater(task, next, again);
      }
    }, this.deps.storeFailed(task, err));
    timer.unref();
  }
}
