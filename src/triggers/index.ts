export { WebhookIntake, receivedRecords, type IntakeDeps } from './webhooks/intake.js';
export type { RawDelivery, IntakeResult } from './webhooks/intake-types.js';
export { indexSpooledDeliveries, logUnloggedDeliveries } from './webhooks/reconcile.js';
export { parsePayload } from './webhooks/payload.js';
export { deliveryKind, filterReason, repositoryOf } from './webhooks/classify.js';
// The route itself (and fastify's types) is imported lazily by the API app, never from here.
export type { WebhookRouteOptions } from './webhooks/route.js';
export { startWebhookProxy, type WebhookProxy } from './webhooks/proxy.js';
