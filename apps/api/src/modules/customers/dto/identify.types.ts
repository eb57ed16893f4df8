import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { IngestStatus, ItemError } from '../../../core/ingest-outcome.types';

/*
 * Loose inputs (strings, not DateTime scalars), as for touchpoints: each item
 * is validated on its own, so one bad item is rejected alone, naming its
 * field, instead of failing the whole request at variable coercion.
 */

@InputType({
  description:
    'Who a customer is (Segment identify; with previousId, Segment alias). Give at least one of externalId, email, anonymousId. Records no touchpoint.',
})
export class IdentifyInput {
  @Field({ description: 'Idempotency key: a retried delivery with the same key changes nothing, forever.' })
  messageId!: string;
  @Field({ description: 'When it happened: ISO 8601 with a time zone. At most a day in the future.' })
  occurredAt!: string;
  @Field(() => String, { nullable: true, description: "The customer's id in your own system (Segment's userId)." })
  externalId?: string | null;
  @Field(() => String, {
    nullable: true,
    description: "The visitor's anonymous id; its touchpoints, before and after, are this customer's from now on.",
  })
  anonymousId?: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'Another id the same person was known by (Segment alias): an anonymousId or an externalId. Needs externalId or email. When it names another customer, the two are merged, unless an admin marked them never-merge (the item is then REJECTED).',
  })
  previousId?: string | null;
  @Field(() => String, { nullable: true, description: 'Email address (case-insensitive); given to a customer that has none.' })
  email?: string | null;
  @Field(() => String, { nullable: true, description: 'Display name; replaces the stored one.' })
  name?: string | null;
  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'Attributes to merge into the stored ones (a null value removes that attribute).',
  })
  attributes?: Record<string, unknown> | null;
}

@ObjectType({ description: 'The outcome for one identify message.' })
export class IdentifyResult {
  @Field(() => Int, { description: 'Position of the item in the submitted list.' })
  index!: number;
  @Field(() => IngestStatus, { description: 'ACCEPTED, DUPLICATE or REJECTED.' })
  status!: IngestStatus;
  @Field(() => String, { nullable: true, description: 'The messageId as submitted.' })
  messageId!: string | null;
  @Field(() => ID, {
    nullable: true,
    description: 'The customer it was placed on (for a duplicate, the one the first delivery was placed on).',
  })
  customerId!: string | null;
  @Field(() => ItemError, { nullable: true, description: 'Why the item was rejected.' })
  error!: ItemError | null;
}

@ObjectType({ description: 'The outcome of an identify batch: counts and one result per item, in submission order.' })
export class IdentifyBatchResult {
  @Field(() => Int, { description: 'Items recorded now.' })
  accepted!: number;
  @Field(() => Int, { description: 'Items recorded before (same messageId).' })
  duplicates!: number;
  @Field(() => Int, { description: 'Items refused.' })
  rejected!: number;
  @Field(() => [IdentifyResult], { description: 'One result per item, in submission order.' })
  results!: IdentifyResult[];
}
