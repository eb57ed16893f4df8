import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Customer } from '../customers';
import type { SegmentRule } from './segment-rule';

/** A named rule over customers, with its stored membership. */
@ObjectType({ description: 'A named rule over customers; clm keeps its membership current as customers change and as time passes.' })
export class Segment {
  @Field(() => ID, { description: 'The segment id (a UUID).' })
  id!: string;

  @Field(() => String, { description: 'The name, unique (case-insensitive).' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'What the segment is for.' })
  description!: string | null;

  @Field(() => GraphQLJSONObject, {
    description:
      'The rule, normalised (defaults filled in), in the shape of `SegmentRuleInput`: it can be sent back as is. JSON rather than a mirror type, because a selection cannot follow a tree of any depth.',
  })
  rule!: SegmentRule;

  @Field(() => Date, { description: 'When the segment was created.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When the segment was last changed.' })
  updatedAt!: Date;
}

/** The member count of a segment at the end of one UTC day. */
@ObjectType({ description: 'How many customers a segment had at the end of one UTC day.' })
export class SegmentTrendPoint {
  @Field(() => String, { description: 'The UTC day (YYYY-MM-DD); the last point is today, counted now.' })
  day!: string;

  @Field(() => Int, { description: 'Members at the end of the day (midnight UTC).' })
  members!: number;
}

/** Why a customer entered or left a segment; the GraphQL enum `SegmentChangeCause` is built from this list. */
export const SEGMENT_CHANGE_CAUSES = ['touchpoint', 'transition', 'attributes', 'erased', 'time', 'definition', 'segment_deleted'] as const;
export type SegmentChangeCause = (typeof SEGMENT_CHANGE_CAUSES)[number];

const CAUSE_DESCRIPTIONS: Record<SegmentChangeCause, string> = {
  touchpoint: 'A recorded touchpoint changed what the rule sees.',
  transition: 'A stage transition (manual move, inactivity sweep, creation) changed what the rule sees.',
  attributes: "The customer's attributes or identity were updated.",
  erased: 'The customer was deleted.',
  time: 'Time passed: the scheduled re-evaluation (a "last 30 days" window moved on).',
  definition: 'The segment was created or its rule changed.',
  segment_deleted: 'The segment was deleted.',
};
const SegmentChangeCauseEnum = Object.fromEntries(SEGMENT_CHANGE_CAUSES.map((cause) => [cause.toUpperCase(), cause]));
registerEnumType(SegmentChangeCauseEnum, {
  name: 'SegmentChangeCause',
  description: 'Why a customer entered or left a segment.',
  valuesConfig: Object.fromEntries(SEGMENT_CHANGE_CAUSES.map((cause) => [cause.toUpperCase(), { description: CAUSE_DESCRIPTIONS[cause] }])),
});

/** One entry into or exit from a segment, as logged. */
@ObjectType({ description: 'A customer entering or leaving a segment.' })
export class SegmentMembershipChange {
  @Field(() => ID, { description: 'The id of the entry in the membership log.' })
  id!: string;

  @Field(() => ID, { description: 'The segment.' })
  segmentId!: string;

  @Field(() => ID, { description: 'The customer.' })
  customerId!: string;

  @Field(() => Boolean, { description: 'True when the customer entered, false when they left.' })
  entered!: boolean;

  @Field(() => Date, { description: 'When the change was evaluated (for a scheduled re-evaluation, the time it evaluated as of).' })
  occurredAt!: Date;

  @Field(() => SegmentChangeCauseEnum, { description: 'Why the customer entered or left.' })
  cause!: SegmentChangeCause;

  @Field(() => Customer, { nullable: true, description: 'The customer as of the read (null once deleted).' })
  customer!: Customer | null;
}
