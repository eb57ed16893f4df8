import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, ObjectType } from 'type-graphql';

/** One recorded interaction. Append-only. */
@ObjectType({ description: 'One interaction of a customer with the business.', simpleResolvers: true })
export class Touchpoint {
  @Field(() => ID, { description: 'The internal id.' })
  id!: string;

  @Field(() => String, { description: 'The idempotency key the sender gave; unique forever.' })
  messageId!: string;

  @Field(() => ID, { description: 'The customer this touchpoint belongs to.' })
  customerId!: string;

  @Field(() => String, { description: 'What happened: page_view, signup, purchase, review, survey_response...' })
  type!: string;

  @Field(() => String, { description: 'Where it happened: web, email, social, ads, sales, support, referral...' })
  channel!: string;

  @Field(() => Date, { description: 'When it happened (event time, as sent).' })
  occurredAt!: Date;

  @Field(() => Date, { description: 'When clm stored it.' })
  receivedAt!: Date;

  @Field(() => Float, { nullable: true, description: 'Monetary value, for purchases and refunds.' })
  value!: number | null;

  @Field(() => String, { nullable: true, description: 'ISO 4217 currency of `value`.' })
  currency!: string | null;

  @Field(() => String, { nullable: true, description: 'The campaign this touchpoint is attributed to.' })
  campaign!: string | null;

  @Field(() => GraphQLJSONObject, { description: 'Free-form properties (rating, score, page, plan...).' })
  properties!: Record<string, unknown>;
}
