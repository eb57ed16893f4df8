import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintIdColumn } from '../../database/column-transformers';

export enum TransitionCause {
  TOUCHPOINT = 'touchpoint',
  INACTIVITY = 'inactivity',
  MANUAL = 'manual',
  CREATED = 'created',
}

registerEnumType(TransitionCause, {
  name: 'TransitionCause',
  description: 'Why a customer moved.',
  valuesConfig: {
    TOUCHPOINT: { description: 'A touchpoint matched a rule (or was the first one seen).' },
    INACTIVITY: { description: 'The inactivity sweep: no touchpoint for the configured number of days.' },
    MANUAL: { description: 'Moved by hand; `actor` and `reason` say who and why.' },
    CREATED: { description: 'The customer was created through the API and entered the first stage.' },
  },
});

/** One move of one customer between stages. Append-only: the source of truth for journeys and the live stream. */
@ObjectType({ description: 'One move of a customer from one stage to another.' })
@Entity({ name: 'stage_transitions' })
export class StageTransition {
  @Field(() => ID, { description: 'The internal id.' })
  @PrimaryColumn('bigint', { transformer: bigintIdColumn })
  id!: string;

  @Field(() => ID, { description: 'The customer who moved.' })
  @Column('uuid', { name: 'customer_id' })
  customerId!: string;

  @Field(() => String, { nullable: true, description: 'The stage left; null when the customer entered the lifecycle.' })
  @Column('text', { name: 'from_stage', nullable: true })
  from!: string | null;

  @Field(() => String, { description: 'The stage entered.' })
  @Column('text', { name: 'to_stage' })
  to!: string;

  @Field(() => Date, { description: 'When the move took effect (event time; never before the previous stage was entered).' })
  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  @Field(() => Date, { description: 'When clm recorded the move.' })
  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  @Field(() => TransitionCause, { description: 'Why the customer moved.' })
  @Column('text')
  cause!: TransitionCause;

  @Field(() => ID, { nullable: true, description: 'The touchpoint that caused the move, if any.' })
  @Column('bigint', { name: 'touchpoint_id', nullable: true, transformer: bigintIdColumn })
  touchpointId!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The lifecycle rule that fired, if any (`win-back` and `inactivity-*` are built in).',
  })
  @Column('text', { name: 'rule_id', nullable: true })
  ruleId!: string | null;

  @Field(() => String, { nullable: true, description: 'Who moved the customer by hand (the API key name).' })
  @Column('text', { nullable: true })
  actor!: string | null;

  @Field(() => String, { nullable: true, description: 'Why the customer was moved by hand.' })
  @Column('text', { nullable: true })
  reason!: string | null;
}
