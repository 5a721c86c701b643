export { WebhookIntake } from './webhooks/intake.js';
export { PgWebhookIntake } from './webhooks/pg-intake.js';
export { indexSpooledDeliveries, logUnloggedDeliveries } from './webhooks/reconcile.js';
export type { WebhookRouteOptions } from './webhooks/route.js';

/** Where GitHub posts (route.ts's WEBHOOK_PATH, kept here so the idle path imports nothing of the route). */
export const GITHUB_WEBHOOK_PATH = '/webhooks/github';

/** The webhook route, loaded on the first delivery (an idle daemon never loads it). */
export async function loadWebhookHandler(options: import('./webhooks/route.js').WebhookRouteOptions): Promise<import('./webhooks/route.js').WebhookHandler> {
  return (await import('./webhooks/route.js')).githubWebhookHandler(options);
}
export { startWebhookProxy, type WebhookProxy } from './webhooks/proxy.js';
export { RejectionTally } from './webhooks/rejections.js';
export { summarizeRejections, mergeRejectionLogs, likelyCause, HOUR_MS as REJECTIONS_HOUR_MS, DAY_MS as REJECTIONS_DAY_MS, type RejectionSummary } from './webhooks/rejection-summary.js';
