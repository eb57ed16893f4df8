import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintIdColumn, numericColumn } from '../../database/column-transformers';

/** One recorded interaction. Append-only. */
@ObjectType({ description: 'One interaction of a customer with the business.' })
@Entity({ name: 'touchpoints' })
export class Touchpoint {
  @Field(() => ID, { description: 'The internal id.' })
  @PrimaryColumn('bigint', { transformer: bigintIdColumn })
  id!: string;

  @Field(() => String, { description: 'The idempotency key the sender gave; unique forever.' })
  @Column('text', { name: 'message_id' })
  messageId!: string;

  @Field(() => ID, { description: 'The customer this touchpoint belongs to.' })
  @Column('uuid', { name: 'customer_id' })
  customerId!: string;

  @Field(() => String, { description: 'What happened: page_view, signup, purchase, review, survey_response...' })
  @Column('text')
  type!: string;

  @Field(() => String, { description: 'Where it happened: web, email, social, ads, sales, support, referral...' })
  @Column('text')
  channel!: string;

  @Field(() => Date, { description: 'When it happened (event time, as sent).' })
  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  @Field(() => Date, { description: 'When clm stored it.' })
  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;

  @Field(() => Float, { nullable: true, description: 'Monetary value, for purchases and refunds.' })
  @Column('numeric', { nullable: true, transformer: numericColumn })
  value!: number | null;

  @Field(() => String, { nullable: true, description: 'ISO 4217 currency of `value`.' })
  @Column('char', { length: 3, nullable: true })
  currency!: string | null;

  @Field(() => String, { nullable: true, description: 'The campaign this touchpoint is attributed to.' })
  @Column('text', { nullable: true })
  campaign!: string | null;

  @Field(() => GraphQLJSONObject, { description: 'Free-form properties (rating, score, page, plan...).' })
  @Column('jsonb', { default: {} })
  properties!: Record<string, unknown>;
}
