export { WebhookIntake, receivedRecords, type IntakeDeps } from './github/intake.js';
export type { RawDelivery, IntakeResult } from './github/intake-types.js';
export { indexSpooledDeliveries, logUnloggedDeliveries } from './github/reconcile.js';
export { parsePayload } from './github/payload.js';
export { deliveryKind, filterReason, repositoryOf } from './github/classify.js';
// The route itself (and fastify's types) is imported lazily by the API app, never from here.
export type { WebhookRouteOptions } from './github/route.js';
export { startWebhookProxy, type WebhookProxy } from './github/proxy.js';
