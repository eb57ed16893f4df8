/**
 * Segments: named rule trees over customers (fields, attributes, behaviour,
 * acquisition), validated and compiled to parameterised SQL by pure
 * functions; stored membership kept current by a projection of the
 * touchpoint and transition logs, the customers module's hooks and a
 * schedule; the membership log and its live stream; previews.
 */
export { CustomerSegmentsResolver, SEGMENT_CHANGE_STREAM, SegmentResolver } from './segment.resolver';
export { SegmentService } from './segment.service';
export { SegmentSchedule } from './segment.schedule';
export { SegmentProjection, SEGMENTS_PROJECTION } from './segment.projection';
export { SEGMENT_CHANGE_LOG, SEGMENT_MEMBERS_TABLE, segmentMembers, SEGMENTS_TABLE } from './segment.sql';
export { Segment, SegmentMembershipChange, SegmentTrendPoint } from './segment.type';
export type { SegmentChangeCause } from './segment.type';
export { SEGMENT_FIELDS } from './segment-fields';
export type { FieldRegistry, SegmentFieldDefinition } from './segment-fields';
export type { SegmentRule } from './segment-rule';
export type { SegmentRelations } from './rule-compiler';
export { matchingStatement, previewStatement } from './segment.sql';
export { validateSegmentRule, RULE_LIMITS } from './rule-validation';
export { SegmentRuleInput } from './dto/segment.types';
export { SegmentError } from './segment.errors';
export type { SegmentErrorCode } from './segment.errors';
