import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { TRANSITION_CAUSES } from './rule-engine';
import type { TransitionCause } from './rule-engine';

const CAUSE_DESCRIPTIONS: Record<TransitionCause, string> = {
  touchpoint: 'A touchpoint matched a rule (or was the first one seen).',
  inactivity: 'The inactivity sweep: no touchpoint for the configured number of days.',
  manual: 'Moved by hand; `actor` and `reason` say who and why.',
  created: 'The customer was created through the API and entered the first stage.',
  merge: 'Another customer was merged into this one, and the journey recomputed from the merged history changed the stage.',
  unmerge: 'A merge was undone, and the journey recomputed from the customer’s own history changed the stage.',
};

/** The GraphQL enum: TOUCHPOINT → 'touchpoint', and so on. */
const TransitionCauseEnum = Object.fromEntries(TRANSITION_CAUSES.map((cause) => [cause.toUpperCase(), cause]));
registerEnumType(TransitionCauseEnum, {
  name: 'TransitionCause',
  description: 'Why a customer moved.',
  valuesConfig: Object.fromEntries(TRANSITION_CAUSES.map((cause) => [cause.toUpperCase(), { description: CAUSE_DESCRIPTIONS[cause] }])),
});

/** One move of one customer between stages. Append-only: the source of truth for journeys and the live stream. */
@ObjectType({ description: 'One move of a customer from one stage to another.', simpleResolvers: true })
export class StageTransition {
  @Field(() => ID, { description: 'The internal id.' })
  id!: string;

  @Field(() => ID, { description: 'The customer who moved.' })
  customerId!: string;

  @Field(() => String, { nullable: true, description: 'The stage left; null when the customer entered the lifecycle.' })
  from!: string | null;

  @Field(() => String, { description: 'The stage entered.' })
  to!: string;

  @Field(() => Date, { description: 'When the move took effect (event time; never before the previous stage was entered).' })
  occurredAt!: Date;

  @Field(() => Date, { description: 'When clm recorded the move.' })
  recordedAt!: Date;

  @Field(() => TransitionCauseEnum, { description: 'Why the customer moved.' })
  cause!: TransitionCause;

  @Field(() => ID, { nullable: true, description: 'The touchpoint that caused the move, if any.' })
  touchpointId!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The lifecycle rule that fired, if any (`win-back` and `inactivity-*` are built in).',
  })
  ruleId!: string | null;

  @Field(() => String, { nullable: true, description: 'Who moved the customer by hand (the API key name).' })
  actor!: string | null;

  @Field(() => String, { nullable: true, description: 'Why the customer was moved by hand.' })
  reason!: string | null;
}
