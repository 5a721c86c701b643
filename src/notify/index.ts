/**
 * Reaching the owner (issue 6): web push, desktop, ntfy, webhooks (Slack, Discord, JSON),
 * Telegram and e-mail (issue 16) behind quiet hours,
 * an hourly cap and a digest; approval notifications with capability tokens. Nothing
 * here loads `web-push` or `node-notifier` until a notification is actually sent.
 */
export { Notifier } from './notifier.js';
export { verifyCapability } from './capability.js';
export { buildNotifier } from './build.js';
export { describeAction, sendQueuedNotices } from './notices.js';
export { OwnerReach } from './reach.js';
export { notifyChecks } from './doctor.js';
export { configuredChannels, NO_CHANNEL_ANSWER, reachReport, testAnswer, type TestAnswer } from './reach-report.js';
export { TeamNotices, type TeamDelivery } from './team-notices.js';
export { remoteChannels, gatePolicyOf } from './build.js';
export { digestDue, holdReason } from './gate.js';
export { approvalKey, DesktopApprovals, type DesktopLedger } from './desktop-approvals.js';
export { DesktopChannel } from './desktop.js';
export { WebPushChannel } from './webpush.js';
