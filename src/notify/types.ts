import type { NotificationUrgency } from '../store/index.js';

/** What vigil says to its owner, whatever the channel. */
export type Urgency = NotificationUrgency;

export interface ApprovalRequest {
  id: string;
  /** ms since the epoch; the capability tokens die with it. */
  expiresAt: number;
  /** Signed, single-use tokens that answer this approval without a login (src/notify/capability.ts). */
  approveToken: string;
  denyToken: string;
}

export interface Notification {
  title: string;
  body: string;
  urgency: Urgency;
  /**
   * Collapses updates: a newer notification with the same tag replaces the older one on
   * the device (web push `Topic` and the service worker's `tag`).
   */
  tag?: string;
  /** Where a tap leads, relative to the dashboard ("/#approval-k7m2q9xa"). */
  path?: string;
  /** Present on approval requests: the notification carries Approve and Deny. */
  approval?: ApprovalRequest;
  /**
   * Present on a suggested permission rule (issue 15): its one button accepts it with this
   * signed, single-use token (`POST /push/rules/:id`); `path` is its confirmation page.
   */
  rule?: { id: string; token: string };
}

/** A channel's own account of one send; throwing means it failed. */
export interface ChannelReport {
  /** False when the channel had nobody to reach (no subscriptions, no desktop session). */
  delivered: boolean;
  detail?: string;
}

/**
 * One way to reach the owner. `send` must honour `signal`: when it aborts, the
 * notification is given up on for this channel and the others are not waiting.
 */
export interface Channel {
  readonly name: string;
  send(notification: Notification, signal: AbortSignal): Promise<ChannelReport>;
}

export type ChannelStatus = 'sent' | 'skipped' | 'failed' | 'timeout';

export interface ChannelOutcome {
  channel: string;
  status: ChannelStatus;
  detail?: string;
  ms: number;
}
