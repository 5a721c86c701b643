/**
 * The owner's approvals on a single daemon: every answer (CLI through the API, dashboard,
 * push, a desktop popup) goes one way, approvals whose time ran out expire (expired means
 * denied), and the rule the owner keeps granting by hand is offered once it is due (issue 15).
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import { errorText } from '../errors.js';
import { expireApprovals } from '../initiative/index.js';
import type { Journal } from '../journal/index.js';
import type { OwnerReach } from '../notify/index.js';
import { answerApproval, considerRuleSuggestion, type OperationDeps } from '../operations/index.js';
import type { OwnerChannel } from '../policy/index.js';
import type { ActionRecord, Store } from '../store/index.js';
import type { StoreTrouble } from './store-trouble.js';

/** The longest sleep between looks, whatever the next expiry (a clock set forward is noticed within it). */
const MAX_SLEEP_MS = 3_600_000;

export interface OwnerApprovalsDeps {
  store: Store;
  clock: Clock;
  journal: Journal;
  reach: OwnerReach;
  trouble: StoreTrouble;
  permissions: () => Readonly<Config>['permissions'];
  /** An approved action waits: the worker looks now. */
  kick: () => void;
  warn: (message: string, fields: Record<string, unknown>) => void;
}

export class OwnerApprovals {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: OwnerApprovalsDeps) {}

  /** Records the owner's answer, wakes the worker for an approval, and re-arms the expiry. */
  answer(id: string, answer: 'approve' | 'deny', by: OwnerChannel, reason?: string): ActionRecord {
    return answerApproval(
      {
        ...this.operationDeps(),
        onAnswered: (action) => {
          if (action.state === 'approved') {
            this.deps.kick();
            this.offerRule(action);
          }
          this.arm();
          this.deps.reach.approvalsSettled();
        },
      },
      id,
      answer,
      by,
      reason,
    );
  }

  /**
   * Expire what is due and sleep until the next expiry. Another process holding the
   * store's lock fails the round without freezing the loop; it comes again after a
   * backoff, and each approval still expires once (the transition is guarded).
   */
  arm(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const { clock, store, journal } = this.deps;
    const round = this.deps.trouble.attempt('approval expiry', () => {
      if (expireApprovals(store, clock.now()) > 0) {
        journal.flush();
        this.deps.reach.approvalsSettled();
      }
      return store.actions.nextExpiry();
    });
    let delay: number;
    if (!round.ok) delay = round.retryInMs;
    else if (round.value === undefined) return;
    else delay = Math.min(Math.max(round.value - clock.now(), 0) + 50, MAX_SLEEP_MS);
    this.timer = setTimeout(() => this.arm(), delay);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** After an approval: the rule the owner keeps granting by hand, offered once it is due. */
  private offerRule(approved: ActionRecord): void {
    try {
      const offer = considerRuleSuggestion(this.operationDeps(), this.deps.permissions(), approved);
      if (offer) this.deps.reach.ruleSuggested(offer.id);
    } catch (err) {
      // The answer is recorded; a suggestion is a courtesy that can come with the next approval.
      this.deps.warn('rule suggestion failed', { error: errorText(err) });
    }
  }

  private operationDeps(): OperationDeps {
    return { store: this.deps.store, clock: this.deps.clock, journal: this.deps.journal };
  }
}
