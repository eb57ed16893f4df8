import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { numericColumn } from '../../database/column-transformers';

/** One person or account, with the lifecycle fields clm keeps current. */
@ObjectType({ description: 'A person or account, with its lifecycle stage and the figures clm keeps up to date.' })
@Entity({ name: 'customers' })
export class Customer {
  @Field(() => ID, { description: 'The internal id (a UUID).' })
  @PrimaryColumn('uuid')
  id!: string;

  @Field(() => String, { nullable: true, description: "The id of this customer in the business's own system." })
  @Column('text', { name: 'external_id', nullable: true })
  externalId!: string | null;

  @Field(() => String, { nullable: true, description: 'Email address, stored lowercase.' })
  @Column('text', { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'Display name.' })
  @Column('text', { nullable: true })
  name!: string | null;

  @Field(() => GraphQLJSONObject, { description: 'Free-form attributes (plan, country, company size...). Updates merge into them.' })
  @Column('jsonb', { default: {} })
  attributes!: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'The current lifecycle stage key; null until the first touchpoint.' })
  @Column('text', { nullable: true })
  stage!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the customer entered the current stage (event time).' })
  @Column('timestamptz', { name: 'stage_entered_at', nullable: true })
  stageEnteredAt!: Date | null;

  /** The last funnel stage held; kept while at-risk or churned so win-back can return there. */
  @Column('text', { name: 'funnel_stage', nullable: true })
  funnelStage!: string | null;

  /** Touchpoints seen, by type: the counts behind rules such as "second purchase". */
  @Column('jsonb', { name: 'type_counts', default: {} })
  typeCounts!: Record<string, number>;

  @Field(() => Date, { nullable: true, description: 'Time of the earliest touchpoint.' })
  @Column('timestamptz', { name: 'first_seen_at', nullable: true })
  firstSeenAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Time of the latest touchpoint.' })
  @Column('timestamptz', { name: 'last_seen_at', nullable: true })
  lastSeenAt!: Date | null;

  @Field(() => Int, { description: 'Number of `purchase` touchpoints.' })
  @Column('integer', { default: 0 })
  orders!: number;

  @Field(() => Float, { description: 'Sum of `purchase` values minus `refund` values, in the units sent (no currency conversion).' })
  @Column('numeric', { precision: 20, scale: 4, default: 0, transformer: numericColumn })
  revenue!: number;

  @Field(() => Date, { description: 'When clm created the record.' })
  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When clm last changed the record.' })
  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
