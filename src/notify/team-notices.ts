/**
 * A team node's worker tells the owner (issue 19): the notices queued in PostgreSQL
 * (src/store/pg/notify.ts) — an approval to ask about, a digest of what was held, a test
 * notification whose outcome a node waits for, an alert from the missed-delivery sweep — and
 * the `notify` actions the policy allowed (`deliver`, under the action's key), sent
 * through the node's channels with the same message and capability links as on SQLite
 * (`approvalNotification`), behind the same quiet hours and hourly cap, counted across
 * every node.
 *
 * Once across nodes: a notice (or its action) is claimed by one worker under a lease; each channel that
 * delivered is a unique (key, channel) row written right after it answered, so a worker
 * that takes a notice over from a dead one sends only to the channels that had not
 * answered yet. (The window left is a crash between a channel's answer and that row:
 * then that one channel hears it twice — as on SQLite.)
 */
import type { Clock } from '../clock.js';
import { errorText, VigilError } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import { secretMask, type SecretMask } from '../secrets/index.js';
import type { NotifyWindow, PgApproval, PgNotice, PgNotify, RuleSuggestion } from '../store/index.js';
import { fanOut } from './fanout.js';
import { digestDue, digestNotification, holdReason, type GatePolicy } from './gate.js';
import { approvalNotification, ruleSuggestionNotification, TEST_NOTIFICATION } from './notices.js';
import { NO_CHANNEL } from './notifier.js';
import type { Channel, Notification } from './types.js';

export interface TeamNoticesDeps {
  notify: Pick<PgNotify, 'claim' | 'renew' | 'admit' | 'held' | 'setState' | 'deliveredChannels' | 'markDelivered' | 'startDigest' | 'queueDigest' | 'saveTest' | 'rememberChannels'>;
  /** The approval a notice names, as it is now. */
  approval: (id: string) => Promise<PgApproval | undefined>;
  /** The rule suggestion a `rule` notice names, as it is now. */
  suggestion: (id: string) => Promise<RuleSuggestion | undefined>;
  /** Marks the notice done — only while this worker holds it — with its log lines, in one transaction; false when its lease ran out. */
  finish: (notice: PgNotice, records: EventRecord[]) => Promise<boolean>;
  channels: readonly Channel[];
  /**
   * Channels for `notify` actions only: the desktop (notify.desktop). A notice's desktop
   * popup is the node daemon's, with buttons (src/daemon/team-desktop.ts), never this.
   */
  actionChannels?: readonly Channel[];
  policy: GatePolicy;
  capabilityKey: string;
  clock: Clock;
  timeoutMs: number;
  leaseMs: number;
  mask?: SecretMask;
}

/** What an allowed `notify` came to (the action's result), as the home's `notify` handler says it. */
export interface TeamDelivery {
  /** Channels that delivered it (now or before a takeover). */
  channels: string[];
  /** Why quiet hours or the cap held it for the digest. */
  held?: string;
  failed?: { channel: string; error: string }[];
  /** Reached nobody: why, per channel (issue 16). */
  unreached?: string[];
}

export class TeamNotices {
  constructor(private readonly deps: TeamNoticesDeps) {}

  /** Claims and sends the next notice; false when none waits. */
  async sendNext(): Promise<boolean> {
    const notice = await this.deps.notify.claim();
    if (!notice) return false;
    // A slow channel must not let the lease lapse under it: another worker would send it again.
    const renewal = setInterval(() => void this.deps.notify.renew(notice.id).catch(() => false), this.deps.leaseMs / 3);
    renewal.unref();
    let records: EventRecord[];
    try {
      records = await this.handle(notice);
    } catch (err) {
      // A notice that cannot be sent is logged and not tried forever (as on SQLite): it must not hold back the actions behind it.
      const error = (this.deps.mask ?? secretMask()).redact(errorText(err));
      records = [eventRecord('notify.failed', { channel: 'all', title: notice.key, error }, this.deps.clock.now())];
    } finally {
      clearInterval(renewal);
    }
    await this.deps.finish(notice, records);
    return true;
  }

  /** A digest of the held notifications, when quiet hours and the cap allow one: queued once across nodes. */
  queueDigestIfDue(): Promise<boolean> {
    const { policy, clock } = this.deps;
    return this.deps.notify.queueDigest((w: NotifyWindow) => digestDue(policy, w, clock.now()));
  }

  private handle(notice: PgNotice): Promise<EventRecord[]> {
    switch (notice.kind) {
      case 'digest':
        return this.digest(notice);
      case 'test':
        return this.test(notice);
      case 'alert':
        return this.alert(notice);
      case 'rule':
        return this.rule(notice);
      default:
        return this.approval(notice);
    }
  }

  private async approval(notice: PgNotice): Promise<EventRecord[]> {
    const action = await this.deps.approval(String(notice.payload.actionId));
    // Answered or expired before its notice went out: nothing to ask any more.
    const notification = action && approvalNotification(action, this.deps.capabilityKey);
    return notification ? this.gated(notification, notice.key) : [];
  }

  /** A permission rule offered after a run of approvals (issue 15), its link signed here as on SQLite; nothing once accepted or expired. */
  private async rule(notice: PgNotice): Promise<EventRecord[]> {
    const suggestion = await this.deps.suggestion(String(notice.payload.suggestionId));
    const notification = suggestion && ruleSuggestionNotification(suggestion, this.deps.capabilityKey, this.deps.clock.now());
    return notification ? this.gated(notification, notice.key) : [];
  }

  /** Something the owner should act on that is no approval (a redelivery refused again: the setting to change), as on SQLite. */
  private async alert(notice: PgNotice): Promise<EventRecord[]> {
    const { title, body } = notice.payload as { title?: unknown; body?: unknown };
    if (typeof title !== 'string' || typeof body !== 'string') return [];
    return this.gated({ title, body, urgency: 'normal', tag: notice.key.split(':').slice(0, 2).join(':'), path: '/' }, notice.key);
  }

  /** Behind quiet hours and the hourly cap (counted over all nodes; held ones wait for the digest), then to every channel. */
  private async gated(notification: Notification, key: string): Promise<EventRecord[]> {
    const { clock, policy } = this.deps;
    const n = this.redacted(notification);
    const admission = await this.deps.notify.admit({ key, title: n.title, body: n.body, urgency: n.urgency }, (w) => holdReason(policy, n.urgency, clock.now(), w.sentLastHour));
    if (admission.verdict === 'hold') {
      return admission.fresh ? [eventRecord('notify.held', { key, title: n.title, urgency: n.urgency, reason: admission.reason }, clock.now())] : [];
    }
    return (await this.send(n, key)).records;
  }

  /**
   * A test notification (POST /api/push/test on any node): through the gate like any
   * notice, to every channel, and what came of it — delivered, failed, nobody to reach,
   * or held — saved for the node that waits to show it.
   */
  private async test(notice: PgNotice): Promise<EventRecord[]> {
    const { clock, policy } = this.deps;
    const n = this.redacted(TEST_NOTIFICATION);
    const admission = await this.deps.notify.admit({ key: notice.key, title: n.title, body: n.body, urgency: n.urgency }, (w) =>
      holdReason(policy, n.urgency, clock.now(), w.sentLastHour),
    );
    if (admission.verdict === 'hold') {
      await this.deps.notify.saveTest(notice.key, { key: notice.key, at: clock.now(), delivered: [], failed: [], skipped: [], held: admission.reason });
      return admission.fresh ? [eventRecord('notify.held', { key: notice.key, title: n.title, urgency: n.urgency, reason: admission.reason }, clock.now())] : [];
    }
    const sent = await this.send(n, notice.key);
    await this.deps.notify.saveTest(notice.key, { key: notice.key, at: clock.now(), delivered: sent.delivered, failed: sent.failed, skipped: sent.skipped });
    return sent.records;
  }

  private async digest(notice: PgNotice): Promise<EventRecord[]> {
    const held = await this.deps.notify.held();
    if (held.length === 0) return [];
    const n = digestNotification(held, this.deps.policy.timeZone);
    await this.deps.notify.startDigest(notice.key, n);
    const sent = await this.send(n, notice.key);
    // A channel that failed gets them again with the next digest; nobody to reach at all is no reason to wait.
    if (sent.delivered.length === 0 && sent.failed.length > 0) return sent.records;
    await this.deps.notify.setState(held.map((h) => h.key), 'digested');
    const now = this.deps.clock.now();
    return sent.records.map((r) => (r.type === 'notify.sent' ? eventRecord('notify.digest', { count: held.length, channels: sent.delivered }, now) : r));
  }

  /**
   * An allowed `notify` action (issue 19), under the action's key (`action:<id>`): behind
   * the same quiet hours and cap as every notice (counted over all nodes; a held one waits
   * for the digest), to the channels that have not had it yet — a worker that takes the
   * action over from a dead one sends only to the rest. Its log lines go to `record`, to
   * commit with the action's result. Throws VIGIL_ERR_NOTIFY when every channel that tried
   * failed, as the home's Notifier does.
   */
  async deliver(raw: Notification, key: string, record: (r: EventRecord) => void): Promise<TeamDelivery> {
    const { clock, policy } = this.deps;
    const n = this.redacted(raw);
    const admission = await this.deps.notify.admit({ key, title: n.title, body: n.body, urgency: n.urgency }, (w) => holdReason(policy, n.urgency, clock.now(), w.sentLastHour));
    if (admission.verdict === 'hold') {
      if (admission.fresh) record(eventRecord('notify.held', { key, title: n.title, urgency: n.urgency, reason: admission.reason }, clock.now()));
      return { channels: [], held: admission.reason };
    }
    const sent = await this.send(n, key, [...this.deps.channels, ...(this.deps.actionChannels ?? [])]);
    for (const r of sent.records) record(r);
    if (sent.delivered.length === 0 && sent.failed.length > 0) {
      throw new VigilError('VIGIL_ERR_NOTIFY', sent.failed.map((f) => `${f.channel}: ${f.error}`).join('; '));
    }
    return {
      channels: sent.delivered,
      ...(sent.failed.length ? { failed: sent.failed } : {}),
      ...(sent.unreached ? { unreached: sent.unreached } : {}),
    };
  }

  /** To every channel that has not had `key` yet, each delivery recorded as it lands; with the log lines to write. */
  private async send(n: Notification, key: string, channels: readonly Channel[] = this.deps.channels): Promise<{
    records: EventRecord[];
    delivered: string[];
    failed: NonNullable<TeamDelivery['failed']>;
    /** Channels with nobody to reach, and why. */
    skipped: { channel: string; why: string }[];
    unreached?: string[];
  }> {
    const { notify, clock, timeoutMs } = this.deps;
    // A channel's error may quote what the service answered: it reaches the log.
    const mask = this.deps.mask ?? secretMask();
    const already = await notify.deliveredChannels(key);
    const outcomes = await fanOut(channels.filter((c) => !already.has(c.name)), n, timeoutMs);
    const delivered = [...already];
    const records: EventRecord[] = [];
    const failed: { channel: string; error: string }[] = [];
    const skipped: { channel: string; why: string }[] = [];
    for (const o of outcomes) {
      if (o.status === 'sent') {
        await notify.markDelivered(key, o.channel);
        delivered.push(o.channel);
      } else if (o.status === 'failed' || o.status === 'timeout') {
        const error = mask.redact(o.detail ?? o.status);
        records.push(eventRecord('notify.failed', { channel: o.channel, title: n.title, error }, clock.now()));
        failed.push({ channel: o.channel, error });
      } else {
        const reason = mask.redact(o.detail ?? 'nobody to reach');
        skipped.push({ channel: o.channel, why: reason });
      }
    }
    // So that `vigil status` on any home of the team says which channels work (a skip says nothing either way).
    await notify.rememberChannels([...outcomes.filter((o) => o.status === 'sent').map((o) => ({ channel: o.channel, ok: true })), ...failed.map((f) => ({ channel: f.channel, ok: false, error: f.error }))]);
    await notify.setState([key], 'sent');
    if (delivered.length === 0) {
      // As the single daemon says it (notifier.ts): what failed first, then who had nobody to reach.
      const why = [...failed.map((f) => `${f.channel}: ${f.error}`), ...skipped.map((s) => `${s.channel}: ${s.why}`)];
      const unreached = why.length ? why : [NO_CHANNEL];
      records.push(eventRecord('notify.unreached', { key, title: n.title, urgency: n.urgency, why: unreached }, clock.now()));
      return { records, delivered, failed, skipped, unreached };
    }
    records.push(eventRecord('notify.sent', { title: n.title, body: n.body, urgency: n.urgency, channels: delivered }, clock.now()));
    return { records, delivered, failed, skipped };
  }

  private redacted(n: Notification): Notification {
    const mask = this.deps.mask ?? secretMask();
    return { ...n, title: mask.redact(n.title), body: mask.redact(n.body) };
  }
}
