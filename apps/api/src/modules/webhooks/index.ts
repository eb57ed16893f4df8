/**
 * Webhooks: endpoints registered by admins, signed (Standard Webhooks) and
 * delivered at least once from the logs. The registry of event sources
 * (`WebhookSources`, `WebhookEventSource`) is how a module's log becomes
 * webhook events; the consumer (`WebhookFanOut`) queues deliveries from
 * every registered source; the dispatcher sends them.
 */
export { inLogRange, WebhookSources } from './webhook-source';
export type { WebhookEventSource } from './webhook-source';
export { CUSTOMER_MERGE_SOURCE, SEGMENT_CHANGE_SOURCE, STAGE_CHANGE_SOURCE } from './builtin-sources';
export { isoTimestamp, WEBHOOKS_PROJECTION, WebhookFanOut } from './webhook-fanout';
export { AddressPolicy } from './address-policy';
export { resolveWithDns } from './destination-check';
export type { Resolve } from './destination-check';
export { WebhookSender } from './webhook-sender';
export { WebhookDispatcher } from './webhook-dispatcher';
export type { DispatcherOptions } from './webhook-dispatcher';
export { WebhookEndpointService } from './webhook.service';
export { WebhookDeliveryService } from './webhook-delivery.service';
export { WebhookResolver } from './webhook.resolver';
export { WebhookError } from './webhook.errors';
export type { WebhookErrorCode } from './webhook.errors';
