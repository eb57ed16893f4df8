import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Customer } from '../../customers';
import { SegmentMembershipChange } from '../segment.type';
import { SEGMENT_FIELDS } from '../segment-fields';
import { RULE_LIMITS } from '../rule-validation';
import type { AcquisitionTouch, BehaviourAggregate, SegmentOperator } from '../segment-rule';
import { ACQUISITION_TOUCHES, BEHAVIOUR_AGGREGATES, SEGMENT_OPERATORS } from '../segment-rule';

/*
 * The rule language as GraphQL input types: a typed recursive tree, so a
 * builder can be generated from the schema. Each enum's values are the
 * rule's own (a stored rule is returned in this same shape).
 */

const OPERATOR_DESCRIPTIONS: Record<SegmentOperator, string> = {
  EQ: 'Equal to `value`.',
  NEQ: 'Not equal to `value` (a missing value counts as not equal).',
  IN: 'Equal to one of the values in the list `value`.',
  LT: 'Less than `value` (numbers, numeric strings, date-times, days).',
  LTE: 'Less than or equal to `value`.',
  GT: 'Greater than `value`.',
  GTE: 'Greater than or equal to `value`.',
  EXISTS: 'Has a value (no `value` given).',
  CONTAINS: 'Text containing the text `value`, or a list containing the element `value`.',
};
const SegmentOperatorEnum = Object.fromEntries(SEGMENT_OPERATORS.map((operator) => [operator, operator]));
registerEnumType(SegmentOperatorEnum, {
  name: 'SegmentOperator',
  description: 'How a condition compares a value; which operators apply depends on what is compared.',
  valuesConfig: Object.fromEntries(SEGMENT_OPERATORS.map((operator) => [operator, { description: OPERATOR_DESCRIPTIONS[operator] }])),
});

const SegmentFieldEnum = Object.fromEntries(Object.keys(SEGMENT_FIELDS).map((field) => [field, field]));
registerEnumType(SegmentFieldEnum, {
  name: 'SegmentField',
  description: 'A customer field a segment rule can compare.',
  valuesConfig: Object.fromEntries(
    Object.entries(SEGMENT_FIELDS).map(([field, definition]) => [field, { description: `${definition.description} (${definition.kind})` }]),
  ),
});

const AGGREGATE_DESCRIPTIONS: Record<BehaviourAggregate, string> = {
  COUNT: 'How many matching touchpoints.',
  SUM: 'The sum of the matching touchpoints’ `value`.',
};
const BehaviourAggregateEnum = Object.fromEntries(BEHAVIOUR_AGGREGATES.map((aggregate) => [aggregate, aggregate]));
registerEnumType(BehaviourAggregateEnum, {
  name: 'BehaviourAggregate',
  description: 'What a behaviour condition compares.',
  valuesConfig: Object.fromEntries(
    BEHAVIOUR_AGGREGATES.map((aggregate) => [aggregate, { description: AGGREGATE_DESCRIPTIONS[aggregate] }]),
  ),
});

const TOUCH_DESCRIPTIONS: Record<AcquisitionTouch, string> = {
  ACQUIRING: 'The touchpoint that moved the customer into the acquired stage.',
  FIRST: "The customer's first touchpoint.",
};
const AcquisitionTouchEnum = Object.fromEntries(ACQUISITION_TOUCHES.map((touch) => [touch, touch]));
registerEnumType(AcquisitionTouchEnum, {
  name: 'AcquisitionTouch',
  description: 'Which touchpoint gives a customer their acquisition channel and campaign.',
  valuesConfig: Object.fromEntries(ACQUISITION_TOUCHES.map((touch) => [touch, { description: TOUCH_DESCRIPTIONS[touch] }])),
});

@InputType({ description: 'A condition on a customer field: `{field: ORDERS, operator: GTE, value: 2}`.' })
export class SegmentFieldConditionInput {
  @Field(() => SegmentFieldEnum, { description: 'The field.' })
  field!: string;
  @Field(() => SegmentOperatorEnum, { description: 'The comparison.' })
  operator!: SegmentOperator;
  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'Text, a number, an ISO 8601 date-time or a number of days, by field; a list for IN; none for EXISTS.',
  })
  value?: unknown;
}

@InputType({ description: 'A condition on a customer attribute: `{name: "plan", operator: EQ, value: "pro"}`.' })
export class SegmentAttributeConditionInput {
  @Field(() => String, { description: 'The attribute name, or a dot path into nested objects (`address.country`).' })
  name!: string;
  @Field(() => SegmentOperatorEnum, { description: 'The comparison.' })
  operator!: SegmentOperator;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Any JSON value; a number for LT/LTE/GT/GTE; a list for IN; none for EXISTS.' })
  value?: unknown;
}

@InputType({ description: 'A condition on a touchpoint property: `{property: "plan", operator: EQ, value: "annual"}`.' })
export class SegmentPropertyConditionInput {
  @Field(() => String, { description: 'The property name, or a dot path into nested objects.' })
  property!: string;
  @Field(() => SegmentOperatorEnum, { description: 'The comparison.' })
  operator!: SegmentOperator;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Any JSON value; a number for LT/LTE/GT/GTE; a list for IN; none for EXISTS.' })
  value?: unknown;
}

@InputType({
  description:
    'The count of the customer’s touchpoints matching every given filter (or the sum of their value), compared with `value`: "≥ 2 purchases in the last 90 days" is `{types: ["purchase"], withinDays: 90, operator: GTE, value: 2}`, "no login for 30 days" `{types: ["login"], withinDays: 30, operator: EQ, value: 0}`.',
})
export class SegmentBehaviourInput {
  @Field(() => [String], { nullable: true, description: 'Touchpoint types (any of them).' })
  types?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Channels (any of them).' })
  channels?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Campaigns (any of them).' })
  campaigns?: string[] | null;
  @Field(() => [SegmentPropertyConditionInput], { nullable: true, description: 'Property conditions; all must hold.' })
  properties?: SegmentPropertyConditionInput[] | null;
  @Field(() => Int, {
    nullable: true,
    description: `Only touchpoints of the last N days before the evaluation time (1 to ${RULE_LIMITS.maxDays}); not with from/to.`,
  })
  withinDays?: number | null;
  @Field(() => Date, { nullable: true, description: 'Only touchpoints at or after this time.' })
  from?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Only touchpoints before this time.' })
  to?: Date | null;
  @Field(() => BehaviourAggregateEnum, { nullable: true, description: 'COUNT (default) or SUM of value.' })
  aggregate?: BehaviourAggregate | null;
  @Field(() => SegmentOperatorEnum, { nullable: true, description: 'EQ, NEQ, LT, LTE, GT or GTE (default).' })
  operator?: SegmentOperator | null;
  @Field(() => Float, { nullable: true, description: 'The number compared with; default 1 (so, by default: "at least once").' })
  value?: number | null;
}

@InputType({ description: 'How the customer was acquired; with no channels or campaigns, "was acquired".' })
export class SegmentAcquisitionInput {
  @Field(() => AcquisitionTouchEnum, { nullable: true, description: 'Which touchpoint counts; default ACQUIRING.' })
  touch?: AcquisitionTouch | null;
  @Field(() => [String], { nullable: true, description: 'Acquired through one of these channels.' })
  channels?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Acquired through one of these campaigns.' })
  campaigns?: string[] | null;
}

@InputType({
  description: `One node of a segment rule: exactly one of its fields. Groups nest up to ${RULE_LIMITS.maxDepth} levels, ${RULE_LIMITS.maxNodes} nodes in all.`,
})
export class SegmentRuleInput {
  @Field(() => [SegmentRuleInput], { nullable: true, description: 'Every rule holds.' })
  and?: SegmentRuleInput[] | null;
  @Field(() => [SegmentRuleInput], { nullable: true, description: 'At least one rule holds.' })
  or?: SegmentRuleInput[] | null;
  @Field(() => SegmentRuleInput, { nullable: true, description: 'The rule does not hold.' })
  not?: SegmentRuleInput | null;
  @Field(() => SegmentFieldConditionInput, { nullable: true, description: 'A customer field.' })
  field?: SegmentFieldConditionInput | null;
  @Field(() => SegmentAttributeConditionInput, { nullable: true, description: 'A customer attribute.' })
  attribute?: SegmentAttributeConditionInput | null;
  @Field(() => SegmentBehaviourInput, { nullable: true, description: 'What the customer did (touchpoints).' })
  behaviour?: SegmentBehaviourInput | null;
  @Field(() => SegmentAcquisitionInput, { nullable: true, description: 'How the customer was acquired.' })
  acquisition?: SegmentAcquisitionInput | null;
}

@InputType({ description: 'A new segment.' })
export class CreateSegmentInput {
  @Field(() => String, { description: 'The name, unique (case-insensitive).' })
  name!: string;
  @Field(() => String, { nullable: true, description: 'What the segment is for.' })
  description?: string | null;
  @Field(() => SegmentRuleInput, { description: 'The rule.' })
  rule!: SegmentRuleInput;
}

@InputType({ description: 'Changes to a segment; omitted fields stay. A new rule is evaluated at once.' })
export class UpdateSegmentInput {
  @Field(() => String, { nullable: true, description: 'The new name.' })
  name?: string | null;
  @Field(() => String, { nullable: true, description: 'The new description.' })
  description?: string | null;
  @Field(() => SegmentRuleInput, { nullable: true, description: 'The new rule.' })
  rule?: SegmentRuleInput | null;
}

@ObjectType({ description: 'How many customers an unsaved rule selects now, and a few of them.' })
export class SegmentPreview {
  @Field(() => Int, { description: 'How many customers match.' })
  count!: number;
  @Field(() => [Customer], { description: 'Up to 10 of them, newest first.' })
  sample!: Customer[];
  @Field(() => Date, { description: 'The time the rule was evaluated as of.' })
  asOf!: Date;
}

@ObjectType({ description: 'A segment membership change delivered by the live stream, with its position in the log.' })
export class SegmentMembershipEvent {
  @Field(() => String, { description: 'Pass as `after` to resume right after this event.' })
  cursor!: string;
  @Field(() => SegmentMembershipChange, { description: 'The change.' })
  change!: SegmentMembershipChange;
}
