/**
 * Tracking: the Segment-compatible ingest. Segment messages (identify, track,
 * page, screen, group, alias) read through a mapping an admin can change at
 * run time into touchpoints for the ingest path and identify items for the
 * customers module; rejected messages kept for the admin. The HTTP routes
 * are in server/segment-v1.ts.
 */
export { TrackingResolver } from './tracking.resolver';
export { TrackingMappings, TrackingService } from './tracking.service';
export type { TrackingOutcome, TrackingRequest } from './tracking.service';
export { MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MAX_REQUEST_BYTES, MESSAGE_TYPES } from './segment-message';
export type { MessageRejection, MessageType } from './segment-message';
export { DEFAULT_TRACKING_MAPPING } from './tracking-mapping';
export type { TrackingMapping } from './tracking-mapping';
export type { IdentifyItemOutcome, IdentifyPort, IdentifySubmission } from './identify-port';
