import { Arg, Authorized, Field, Float, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Scope } from '../../core/principal';
import type { ProjectionFailure, ProjectionHealth } from '../../log';
import type { ProjectionService } from './projection.service';

@ObjectType({
  description:
    'A log row a projection could not apply: it was skipped, and is tried again at start, every minute and on retryProjectionFailures.',
})
class ProjectionFailureView {
  @Field({ description: 'The projection: `metrics` or `segments`.' })
  projection!: string;
  @Field({ description: 'The log the row is in: `touchpoints`, `stage_transitions` or `customer_erasures`.' })
  log!: string;
  @Field({ description: 'The row: its transaction id and id in the log, as `txId:id`.' })
  row!: string;
  @Field({ description: 'The last error applying it (message and SQLSTATE).' })
  error!: string;
  @Field(() => Int, { description: 'How many times it was tried.' })
  attempts!: number;
  @Field(() => Date, { description: 'When it first failed.' })
  firstFailedAt!: Date;
  @Field(() => Date, { description: 'When it last failed.' })
  lastFailedAt!: Date;
}

@ObjectType({ description: 'How far a projection is behind one of its logs.' })
class ProjectionHealthView {
  @Field({ description: 'The projection.' })
  projection!: string;
  @Field({ description: 'The log.' })
  log!: string;
  @Field({
    description: '`ok`, `lagging` (more rows or seconds behind than allowed) or `stalled` (rows wait and no progress for too long).',
  })
  state!: string;
  @Field(() => Int, { description: 'Committed rows beyond its position (counted up to the lag limit plus one).' })
  rowsBehind!: number;
  @Field(() => Float, { description: 'Seconds since it was last caught up, while rows wait (0 when none do).' })
  secondsBehind!: number;
  @Field(() => Float, { description: 'Seconds since it last applied rows or found none to apply.' })
  secondsSinceProgress!: number;
  @Field(() => Int, { description: 'Rows it skipped, waiting for a retry.' })
  failedRows!: number;
}

@ObjectType({ description: 'What a retry of skipped rows did.' })
class ProjectionRetryOutcome {
  @Field(() => Int, { description: 'Rows tried.' })
  retried!: number;
  @Field(() => Int, { description: 'Rows applied this time (their failure records are gone).' })
  applied!: number;
}

function failureView(failure: ProjectionFailure): ProjectionFailureView {
  return {
    projection: failure.projection,
    log: failure.log,
    row: `${failure.position.txId}:${failure.position.id}`,
    error: failure.error,
    attempts: failure.attempts,
    firstFailedAt: failure.firstFailedAt,
    lastFailedAt: failure.lastFailedAt,
  };
}

function healthView(health: ProjectionHealth): ProjectionHealthView {
  return { ...health };
}

@Resolver()
export class ProjectionResolver {
  constructor(private readonly projections: ProjectionService) {}

  @Authorized(Scope.ADMIN)
  @Query(() => [ProjectionHealthView], {
    description: 'Each projection (metrics, segments) in each log it follows: how far behind, and whether stalled.',
  })
  async projectionHealth(): Promise<ProjectionHealthView[]> {
    return (await this.projections.health()).map(healthView);
  }

  @Authorized(Scope.ADMIN)
  @Query(() => [ProjectionFailureView], {
    description: 'Log rows the projections skipped because they could not be applied, oldest first.',
  })
  async projectionFailures(
    @Arg('projection', () => String, { nullable: true, description: 'Only this projection (`metrics` or `segments`).' })
    projection: string | null,
    @Arg('first', () => Int, { defaultValue: 100, description: 'At most this many (1 to 1000).' }) first: number,
  ): Promise<ProjectionFailureView[]> {
    return (await this.projections.failures(projection ?? null, first)).map(failureView);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => ProjectionRetryOutcome, {
    description: 'Tries the skipped rows again now (after fixing their cause); rows that apply lose their failure record.',
  })
  retryProjectionFailures(
    @Arg('projection', () => String, { nullable: true, description: 'Only this projection (`metrics` or `segments`).' })
    projection: string | null,
  ): Promise<ProjectionRetryOutcome> {
    return this.projections.retry(projection ?? null);
  }
}
