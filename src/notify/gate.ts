import { foreignZone } from '../time-zone.js';
import { minuteOfDay, withinHours } from '../tick/index.js';
import type { Notifications, NotifyLogRow } from '../store/index.js';
import type { Notification } from './types.js';

export interface GatePolicy {
  /** "22:00-07:00": only `high` urgency passes inside. */
  quietHours?: string;
  timeZone?: string;
  maxPerHour: number;
}

/** `fresh` is false when the key had a verdict already (a retry): it is not logged twice. */
export type Admission = { verdict: 'send'; fresh: boolean } | { verdict: 'hold'; reason: string; fresh: boolean };

const HOUR_MS = 3_600_000;
const DIGEST_LINES = 10;
const DIGEST_LINE_CHARS = 160;

/**
 * Quiet hours, the hourly cap and the digest of what they held back (issue 6). The
 * verdict for a key is recorded in `notify_log` the first time it is asked for, so a
 * retried action gets the same verdict and the cap counts each notification once.
 */
export class NotifyGate {
  constructor(
    private readonly tables: Notifications,
    private readonly policy: GatePolicy,
  ) {}

  isQuiet(now: number): boolean {
    return isQuietAt(this.policy, now);
  }

  /** The cap holds everything past it, high urgency included, so a runaway loop cannot page the owner all night. */
  capReached(now: number): boolean {
    return this.tables.sentSince(now - HOUR_MS) >= this.policy.maxPerHour;
  }

  admit(notification: Notification, key: string, now: number): Admission {
    const existing = this.tables.logRow(key);
    if (existing) {
      return existing.state === 'held' || existing.state === 'digested'
        ? { verdict: 'hold', reason: existing.reason ?? 'held', fresh: false }
        : { verdict: 'send', fresh: false };
    }
    const reason =
      this.isQuiet(now) && notification.urgency !== 'high' ? 'quiet hours' : this.capReached(now) ? 'hourly cap' : undefined;
    const row = { key, title: notification.title, body: notification.body, urgency: notification.urgency, createdAt: now };
    this.tables.insertLog(reason ? { ...row, state: 'held', reason } : { ...row, state: 'sending' });
    return reason ? { verdict: 'hold', reason, fresh: true } : { verdict: 'send', fresh: true };
  }

  /** One notification listing everything held, once it may go out; `keys` are marked digested after it is sent. */
  digest(now: number): { notification: Notification; keys: string[] } | undefined {
    if (this.isQuiet(now) || this.capReached(now)) return undefined;
    const held = this.tables.held();
    if (held.length === 0) return undefined;
    return { notification: digestNotification(held, this.policy.timeZone), keys: held.map((row) => row.key) };
  }

  /** When the held notifications may next go out as a digest; undefined when nothing is held. */
  nextDigestAt(now: number): number | undefined {
    if (this.tables.heldCount() === 0) return undefined;
    let at = now;
    if (this.isQuiet(at)) at = this.quietEnd(at);
    if (this.capReached(at)) {
      const oldest = this.tables.oldestSentSince(at - HOUR_MS);
      if (oldest !== undefined) at = Math.max(at, oldest + HOUR_MS + 1000);
    }
    return at;
  }

  /** The first minute after the quiet window that contains `now`. */
  private quietEnd(now: number): number {
    const [, end] = (this.policy.quietHours ?? '00:00-00:00').split('-') as [string, string];
    const [h, m] = end.split(':').map(Number) as [number, number];
    const minutes = (h * 60 + m - minuteOfDay(now, this.policy.timeZone) + 1440) % 1440;
    const startOfMinute = now - (now % 60_000);
    return startOfMinute + minutes * 60_000;
  }
}

/** Quiet hours at `now` in the policy's zone. */
export function isQuietAt(policy: Pick<GatePolicy, 'quietHours' | 'timeZone'>, now: number): boolean {
  return Boolean(policy.quietHours) && withinHours(policy.quietHours, now, policy.timeZone);
}

/** Whether what is held may go out as a digest now: outside quiet hours and under the hourly cap. */
export function digestDue(policy: GatePolicy, window: { sentLastHour: number }, now: number): boolean {
  return !isQuietAt(policy, now) && window.sentLastHour < policy.maxPerHour;
}

/** Why a new notification is held back (quiet hours, the hourly cap), or undefined: it goes out. */
export function holdReason(policy: GatePolicy, urgency: Notification['urgency'], now: number, sentLastHour: number): string | undefined {
  if (isQuietAt(policy, now) && urgency !== 'high') return 'quiet hours';
  return sentLastHour >= policy.maxPerHour ? 'hourly cap' : undefined;
}

/** The one notification listing what was held, oldest first. */
export function digestNotification(held: readonly Pick<NotifyLogRow, 'title' | 'body' | 'createdAt'>[], timeZone: string | undefined): Notification {
  const lines = held.slice(0, DIGEST_LINES).map((row) => {
    const text = row.body ? `${row.title} — ${row.body}` : row.title;
    const line = `• ${clock(row.createdAt, timeZone)} ${text.replace(/\s+/g, ' ')}`;
    return line.length > DIGEST_LINE_CHARS ? `${line.slice(0, DIGEST_LINE_CHARS - 1)}…` : line;
  });
  if (held.length > DIGEST_LINES) lines.push(`…and ${held.length - DIGEST_LINES} more (vigil log)`);
  return { title: `vigil: ${held.length} held back`, body: lines.join('\n'), urgency: 'normal', tag: 'vigil-digest', path: '/' };
}

function clock(ms: number, zone?: string): string {
  const timeZone = foreignZone(zone);
  if (!timeZone) {
    const d = new Date(ms);
    return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  }
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
}
