import { Arg, Authorized, Field, Float, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Scope } from '../../core/principal';
import type { ReplicaHealth } from '../../database/db';
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

@ObjectType({ description: 'The read replica (CLM_READ_DATABASE_URL) as this instance last measured it.' })
class ReadReplicaHealthView {
  @Field({
    description:
      '`in use` (queries, previews, metrics and exports read it), `bypassed` (further behind than the limit: they read the primary), `unreachable`, `not a replica` (the server is not in recovery) or `starting` (not measured yet).',
  })
  state!: string;
  @Field(() => Float, {
    nullable: true,
    description:
      'Seconds the oldest write it has not replayed has waited (0 when it has replayed all the primary had flushed); null before a measurement.',
  })
  lagSeconds!: number | null;
  @Field(() => Float, { nullable: true, description: 'WAL bytes the primary had flushed and it had not replayed at the last measurement.' })
  lagBytes!: number | null;
  @Field(() => String, {
    nullable: true,
    description: 'The WAL position it had replayed at the last measurement (`pg_last_wal_replay_lsn()`).',
  })
  replayedLsn!: string | null;
  @Field(() => Float, { description: 'Beyond this lag reads go to the primary (CLM_READ_MAX_LAG_SECONDS).' })
  maxLagSeconds!: number;
  @Field(() => Date, { nullable: true, description: 'When it was last measured.' })
  checkedAt!: Date | null;
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
  @Query(() => ReadReplicaHealthView, {
    nullable: true,
    description: 'The read replica: whether reads go to it, and how far behind it is; null when none is configured (as in /healthz).',
  })
  readReplica(): ReplicaHealth | null {
    return this.projections.readReplica();
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
