import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../../core/connection.types';
import { IngestStatus, ItemError } from '../../../core/ingest-outcome.types';

export { IngestStatus, ItemError };
import { Touchpoint } from '../touchpoint.type';

/*
 * Inputs are deliberately loose (strings, not DateTime scalars): items are
 * validated one by one by the ingest path, so one bad item in a batch is
 * rejected on its own with a message naming it, instead of failing the whole
 * request at GraphQL's variable coercion.
 */

@InputType({
  description:
    'Names the customer a touchpoint belongs to; give at least one of id, externalId, email, anonymousId (found in that order). Unknown customers are created.',
})
export class CustomerRefInput {
  @Field(() => ID, { nullable: true, description: 'The internal id of an existing customer.' })
  id?: string | null;
  @Field(() => String, { nullable: true, description: "The customer's id in your own system." })
  externalId?: string | null;
  @Field(() => String, { nullable: true, description: 'Email address (case-insensitive).' })
  email?: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      "An id for a visitor not known yet (Segment's anonymousId). Given with an externalId or email, it joins that customer; alone, it finds or creates an anonymous customer.",
  })
  anonymousId?: string | null;
  @Field(() => String, { nullable: true, description: 'Display name, used when the customer is created.' })
  name?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Attributes, used when the customer is created.' })
  attributes?: Record<string, unknown> | null;
}

@InputType({ description: 'One interaction to record.' })
export class TouchpointInput {
  @Field({ description: 'Idempotency key: a retried delivery with the same key is stored once, forever.' })
  messageId!: string;
  @Field(() => CustomerRefInput, { description: 'Whose touchpoint this is.' })
  customer!: CustomerRefInput;
  @Field({ description: 'What happened, lowercase snake_case: page_view, signup, purchase, review, survey_response...' })
  type!: string;
  @Field({ description: 'Where, lowercase snake_case: web, email, social, ads, sales, support, referral...' })
  channel!: string;
  @Field({ description: 'When it happened: ISO 8601 with a time zone, e.g. 2026-03-01T12:00:00Z. At most a day in the future.' })
  occurredAt!: string;
  @Field(() => Float, { nullable: true, description: 'Monetary value (purchases add it to revenue, refunds subtract it).' })
  value?: number | null;
  @Field(() => String, { nullable: true, description: 'ISO 4217 currency of value, e.g. USD.' })
  currency?: string | null;
  @Field(() => String, { nullable: true, description: 'The campaign to attribute the touchpoint to.' })
  campaign?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Free-form properties; rules can test them (rating, score, page...).' })
  properties?: Record<string, unknown> | null;
}

@ObjectType({ description: 'The outcome for one submitted touchpoint.' })
export class TouchpointResult {
  @Field(() => Int, { description: 'Position of the item in the submitted list (0 for recordTouchpoint).' })
  index!: number;
  @Field(() => IngestStatus, { description: 'ACCEPTED, DUPLICATE or REJECTED.' })
  status!: IngestStatus;
  @Field(() => String, { nullable: true, description: 'The messageId as submitted.' })
  messageId!: string | null;
  @Field(() => ID, { nullable: true, description: 'The stored touchpoint (the earlier one for a duplicate).' })
  touchpointId!: string | null;
  @Field(() => ID, { nullable: true, description: 'The customer it was attributed to.' })
  customerId!: string | null;
  @Field(() => ItemError, { nullable: true, description: 'Why the item was rejected.' })
  error!: ItemError | null;
}

@ObjectType({ description: 'The outcome of a batch: counts and one result per item, in submission order.' })
export class TouchpointBatchResult {
  @Field(() => Int, { description: 'Items stored now.' })
  accepted!: number;
  @Field(() => Int, { description: 'Items already stored before (same messageId).' })
  duplicates!: number;
  @Field(() => Int, { description: 'Items refused.' })
  rejected!: number;
  @Field(() => [TouchpointResult], { description: 'One result per item, in submission order.' })
  results!: TouchpointResult[];
}

@ObjectType({ description: 'A touchpoint delivered by the live stream, with its position in the log.' })
export class TouchpointEvent {
  @Field({ description: 'Pass as `after` when resubscribing to resume after this event.' })
  cursor!: string;
  @Field(() => Touchpoint, { description: 'The touchpoint.' })
  touchpoint!: Touchpoint;
}

export const { Connection: TouchpointConnection } = connectionTypes(Touchpoint, 'Touchpoint', true);
