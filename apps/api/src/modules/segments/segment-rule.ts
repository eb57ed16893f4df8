import type { JsonValue } from '@clm/schema';

/*
 * The segment rule language, as plain data. The GraphQL input
 * `SegmentRuleInput` has exactly this shape (enum values included), and a
 * stored rule is returned in it, so an editor can send back what it read.
 */

/** Comparison operators; which ones a condition accepts depends on what it compares (see rule-validation.ts). */
export const SEGMENT_OPERATORS = ['EQ', 'NEQ', 'IN', 'LT', 'LTE', 'GT', 'GTE', 'EXISTS', 'CONTAINS'] as const;
export type SegmentOperator = (typeof SEGMENT_OPERATORS)[number];

export const BEHAVIOUR_AGGREGATES = ['COUNT', 'SUM'] as const;
export type BehaviourAggregate = (typeof BEHAVIOUR_AGGREGATES)[number];

export const ACQUISITION_TOUCHES = ['ACQUIRING', 'FIRST'] as const;
export type AcquisitionTouch = (typeof ACQUISITION_TOUCHES)[number];

/** One node of a rule tree: exactly one of these keys. */
export type SegmentRule =
  | { and: SegmentRule[] }
  | { or: SegmentRule[] }
  | { not: SegmentRule }
  | { field: FieldCondition }
  | { attribute: AttributeCondition }
  | { behaviour: BehaviourCondition }
  | { acquisition: AcquisitionCondition };

export const RULE_KINDS = ['and', 'or', 'not', 'field', 'attribute', 'behaviour', 'acquisition'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** A customer field from the registry (segment-fields.ts): `{ field: 'ORDERS', operator: 'GTE', value: 2 }`. */
export type FieldCondition = { field: string; operator: SegmentOperator; value?: JsonValue };

/** A customer attribute, by name or dot path into nested objects (`plan`, `address.country`). */
export type AttributeCondition = { name: string; operator: SegmentOperator; value?: JsonValue };

/** A touchpoint property, by name or dot path, as in lifecycle rules. */
export type PropertyCondition = { property: string; operator: SegmentOperator; value?: JsonValue };

/**
 * The count of the customer's touchpoints that match every given filter (or
 * the sum of their `value`), compared with `value`: within the last
 * `withinDays` days before the evaluation time, or in [`from`, `to`), or ever.
 */
export type BehaviourCondition = {
  types?: string[];
  channels?: string[];
  campaigns?: string[];
  properties?: PropertyCondition[];
  withinDays?: number;
  /** ISO 8601 instants (stored as `toISOString()`). */
  from?: string;
  to?: string;
  aggregate: BehaviourAggregate;
  operator: SegmentOperator;
  value: number;
};

/**
 * How the customer was acquired (table `customer_acquisitions`): through the
 * touchpoint that moved them into the acquired stage (`ACQUIRING`) or their
 * first touchpoint (`FIRST`). With no channels or campaigns: "was acquired".
 */
export type AcquisitionCondition = { touch: AcquisitionTouch; channels?: string[]; campaigns?: string[] };
