import type { Clock } from '../clock.js';
import { errorText, isVigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import type { ActionRecord, NoticeRow, RuleSuggestion, Store } from '../store/index.js';
import { signCapability } from './capability.js';
import type { Notifier } from './notifier.js';
import type { Notification } from './types.js';

/**
 * The notification for a pending approval: Approve and Deny, each with its own signed
 * capability token bound to this approval and its expiry. Undefined when the approval
 * was answered or expired before the worker got to it.
 */
export function approvalNotification(
  action: Pick<ActionRecord, 'id' | 'action' | 'params' | 'rationale' | 'state' | 'expiresAt'>,
  capabilityKey: string,
): Notification | undefined {
  if (action.state !== 'awaiting_approval' || action.expiresAt === null) return undefined;
  const { id, expiresAt } = action;
  const sign = (answer: 'approve' | 'deny') => signCapability(capabilityKey, { approvalId: id, answer, expiresAt });
  const why = action.rationale ? `\n${action.rationale}` : '';
  return {
    title: `Approve ${action.action}?`,
    body: `${describeAction(action)}${why}`,
    urgency: 'normal',
    tag: `approval-${id}`,
    path: `/#approval-${id}`,
    approval: { id, expiresAt, approveToken: sign('approve'), denyToken: sign('deny') },
  };
}

/**
 * The notification offering a permission rule (issue 15): what the owner kept approving,
 * the rule that would have allowed it, and one signed, single-use token bound to this
 * suggestion and its expiry. Undefined once it was accepted or has expired.
 */
export function ruleSuggestionNotification(s: RuleSuggestion, capabilityKey: string, now: number): Notification | undefined {
  if (s.state !== 'offered' || s.expiresAt <= now) return undefined;
  const token = signCapability(capabilityKey, { approvalId: s.id, answer: 'approve', expiresAt: s.expiresAt }, 'rule');
  const rule = JSON.stringify({ action: s.action, repo: s.repo, decision: 'allow' });
  return {
    title: `Allow ${s.action} on ${s.repo} without asking?`,
    body: `You approved ${s.action} on ${s.repo} ${s.approvals} times in a row. Tap to add the rule ${rule} to config.json (the current file is kept as config.json.prev).`,
    urgency: 'low',
    tag: `rule-${s.id}`,
    path: `/push/rules/${encodeURIComponent(s.id)}?token=${encodeURIComponent(token)}`,
    rule: { id: s.id, token },
  };
}

/** One line a person can judge an action by. */
export function describeAction(action: Pick<ActionRecord, 'action' | 'params'>): string {
  const p = (action.params ?? {}) as Record<string, unknown>;
  const where = typeof p.repo === 'string' ? `${p.repo}${typeof p.number === 'number' ? `#${p.number}` : ''}` : '';
  const text = [p.title, p.body, p.text, p.note, p.instructions, Array.isArray(p.labels) ? p.labels.join(', ') : undefined]
    .find((v): v is string => typeof v === 'string' && v.length > 0);
  const summary = [where, text].filter(Boolean).join(': ') || JSON.stringify(p);
  return summary.length > 300 ? `${summary.slice(0, 299)}…` : summary;
}

export const TEST_NOTIFICATION: Notification = {
  title: 'vigil: test notification',
  body: 'Notifications from vigil reach this device.',
  urgency: 'normal',
  tag: 'vigil-test',
  path: '/',
};

/**
 * The worker's side of the notices the daemon queued (approval requests, digests,
 * tests): send each, then mark it done. Returns how many it handled (0: nothing to do).
 */
export async function sendQueuedNotices(
  store: Store,
  clock: Clock,
  reach: () => { notifier: Notifier; capabilityKey: string },
): Promise<number> {
  const tables = store.notifications;
  if (tables.pendingNoticeCount() === 0) return 0;
  const { notifier, capabilityKey } = reach();
  let handled = 0;
  for (const row of tables.pendingNotices()) {
    try {
      await sendNotice(row, store, clock, notifier, capabilityKey);
    } catch (err) {
      // A notice that cannot be sent is logged (each channel's notify.failed already is) and not retried forever.
      if (!isVigilError(err, 'VIGIL_ERR_NOTIFY')) {
        store.outbox.add(eventRecord('notify.failed', { channel: 'all', title: row.key, error: errorText(err) }, clock.now()));
      }
    }
    tables.markNoticeDone(row.id, clock.now());
    handled++;
  }
  return handled;
}

async function sendNotice(row: NoticeRow, store: Store, clock: Clock, notifier: Notifier, capabilityKey: string): Promise<void> {
  if (row.kind === 'digest') {
    await notifier.sendDigestIfDue();
    return;
  }
  if (row.kind === 'test') {
    // The dashboard waits for this answer: what really happened, failures included (issue 16).
    const delivery = await notifier.attempt(TEST_NOTIFICATION, row.key);
    const { key, channels: delivered, failed, skipped = [], held } = delivery;
    store.kv.set('notify.test.last', { key, at: clock.now(), delivered, failed, skipped, ...(held ? { held } : {}) });
    return;
  }
  if (row.kind === 'alert') {
    const { title, body } = row.payload as { title?: unknown; body?: unknown };
    if (typeof title !== 'string' || typeof body !== 'string') return;
    await notifier.deliver({ title, body, urgency: 'normal', tag: row.key.split(':').slice(0, 2).join(':'), path: '/' }, row.key);
    return;
  }
  if (row.kind === 'rule') {
    const suggestion = store.ownerAnswers.suggestion(String(row.payload.suggestionId));
    const notification = suggestion && ruleSuggestionNotification(suggestion, capabilityKey, clock.now());
    if (notification) await notifier.deliver(notification, row.key);
    return;
  }
  const action = store.actions.get(String(row.payload.actionId));
  const notification = action && approvalNotification(action, capabilityKey);
  if (notification) await notifier.deliver(notification, row.key);
}
