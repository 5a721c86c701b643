/**
 * Reaching the owner (issue 6): web push, desktop and ntfy channels behind quiet hours,
 * an hourly cap and a digest; approval notifications with capability tokens. Nothing
 * here loads `web-push` or `node-notifier` until a notification is actually sent.
 */
export type { Notification, Urgency, Channel, ChannelReport, ChannelOutcome, ApprovalRequest } from './types.js';
export { fanOut } from './fanout.js';
export { NotifyGate, type GatePolicy, type Admission } from './gate.js';
export { Notifier, type Delivery, type NotifierDeps } from './notifier.js';
export { WebPushChannel, retryAfterMs, type WebPushChannelOptions } from './webpush.js';
export { DesktopChannel, desktopSession, type DesktopSession } from './desktop.js';
export { NtfyChannel } from './ntfy.js';
export { encodePushPayload, pushPayload, pushTopic, PUSH_PAYLOAD_MAX_BYTES, type PushPayload } from './payload.js';
export { signCapability, verifyCapability, type CapabilityClaims, type CapabilityCheck, type Answer } from './capability.js';
export { buildNotifier, gateFor, type NotifierSetup } from './build.js';
export { approvalNotification, describeAction, sendQueuedNotices, TEST_NOTIFICATION } from './notices.js';
export { OwnerReach, type OwnerReachDeps } from './reach.js';
export { notifyChecks, type NotifyCheck } from './doctor.js';
