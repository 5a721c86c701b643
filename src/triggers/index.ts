export { WebhookIntake, type Delivery, type StoredDelivery, type IntakeDeps } from './github/intake.js';
export { deliveryKind, filterReason, repositoryOf } from './github/classify.js';
export { WEBHOOK_BODY_LIMIT, type WebhookRouteOptions } from './github/route.js';
export { startWebhookProxy, type WebhookProxy } from './github/proxy.js';
