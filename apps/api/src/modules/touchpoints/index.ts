/**
 * Touchpoints: validation, the ingest path (customers resolved, touchpoints
 * stored once per messageId, journeys applied, all in one unit of work), the
 * touchpoint log and its live stream, customers' touchpoint pages.
 */
export { IngestService, MAX_BATCH } from './ingest.service';
export type { IngestItemResult } from './ingest.service';
export { CustomerTouchpointsResolver, TOUCHPOINT_STREAM, TouchpointConnectionResolver, TouchpointResolver } from './touchpoint.resolver';
export {
  journeyHistories,
  keepMessageIdsOf,
  moveTouchpoints,
  moveTouchpointsBack,
  TOUCHPOINT_LOG,
  TOUCHPOINT_TIMELINE,
  TOUCHPOINTS_TABLE,
} from './touchpoint.sql';
