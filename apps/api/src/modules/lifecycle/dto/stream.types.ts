import { Field, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../../../core/connection.types';
import { StageTransition } from '../stage-transition.type';

@ObjectType({ description: 'A stage transition delivered by the live stream, with its position in the log.' })
export class StageTransitionEvent {
  @Field({ description: 'Pass as `after` when resubscribing to receive everything after this event, exactly once.' })
  cursor!: string;
  @Field(() => StageTransition, { description: 'The transition.' })
  transition!: StageTransition;
}

@ObjectType({ description: 'How many customers are in one stage now.' })
export class StageCountType {
  @Field({ description: 'The stage key.' })
  stage!: string;
  @Field({ description: 'The display name.' })
  name!: string;
  @Field(() => Int, { description: 'Customers in the stage now.' })
  count!: number;
  @Field({ description: 'True for at-risk and churned, the states outside the funnel.' })
  offPath!: boolean;
}

@ObjectType({ description: 'How many moves went from one stage to another in the time range.' })
export class TransitionCountType {
  @Field(() => String, { nullable: true, description: 'The stage left; null for entries into the lifecycle.' })
  from!: string | null;
  @Field({ description: 'The stage entered.' })
  to!: string;
  @Field(() => Int, { description: 'Number of transitions.' })
  count!: number;
}

@ObjectType({ description: 'The stage board and the flows between stages (the data of a live board and a Sankey diagram).' })
export class StageOverview {
  @Field({ description: 'Pass as `after` to stageTransitions to receive exactly the transitions these counts do not include yet.' })
  cursor!: string;
  @Field(() => Int, { description: 'Customers in the lifecycle (with a stage).' })
  total!: number;
  @Field(() => [StageCountType], { description: 'Customers per stage now: the funnel in order, then at-risk and churned.' })
  stages!: StageCountType[];
  @Field(() => [TransitionCountType], {
    description: 'Transitions with event time in [from, to), by from and to stage, most frequent first.',
  })
  transitions!: TransitionCountType[];
}

@ObjectType({ description: 'The newest stage transitions, and where to continue the live stream from.' })
export class RecentTransitions {
  @Field({ description: 'Pass as `after` to stageTransitions to receive exactly the transitions committed after these were read.' })
  cursor!: string;
  @Field(() => [StageTransition], { description: 'The newest transitions in the log, newest first.' })
  transitions!: StageTransition[];
}

@ObjectType({ description: 'What an inactivity sweep did.' })
export class SweepResult {
  @Field(() => Int, { description: 'Customers past a threshold that were examined.' })
  examined!: number;
  @Field(() => Int, { description: 'Customers moved to at-risk.' })
  atRisk!: number;
  @Field(() => Int, { description: 'Customers moved to churned.' })
  churned!: number;
}

export const { Connection: StageTransitionConnection } = connectionTypes(StageTransition, 'StageTransition', true);
