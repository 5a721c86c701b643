export { WebhookIntake } from './webhooks/intake.js';
export { indexSpooledDeliveries, logUnloggedDeliveries } from './webhooks/reconcile.js';
export type { WebhookRouteOptions } from './webhooks/route.js';

/** The webhook route, loaded with the rest of the HTTP app on the first request that needs it (an idle daemon never loads it). */
export async function loadWebhookRoutes(): Promise<typeof import('./webhooks/route.js').githubWebhookRoutes> {
  return (await import('./webhooks/route.js')).githubWebhookRoutes;
}
export { startWebhookProxy, type WebhookProxy } from './webhooks/proxy.js';
export { RejectionTally } from './webhooks/rejections.js';
export { summarizeRejections, likelyCause, HOUR_MS as REJECTIONS_HOUR_MS, DAY_MS as REJECTIONS_DAY_MS, type RejectionSummary } from './webhooks/rejection-summary.js';
