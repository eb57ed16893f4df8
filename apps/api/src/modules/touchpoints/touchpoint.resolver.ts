import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Info,
  Int,
  Mutation,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { invalidInput } from '../../core/errors';
import { Scope } from '../../core/principal';
import { selectedFields } from '../../core/selection';
import { streamKey } from '../../core/request-context';
import { TimelineArgs } from '../../core/connection.types';
import type { RequestContext, RequestScoped } from '../../core/request-context';
import type { TimelineLoader, TimelinePage } from '../../database/timeline';
import type { LogStream, StreamEvent } from '../../log';
import { Customer } from '../customers';
import type { CustomerService } from '../customers';
import {
  IngestStatus,
  TouchpointBatchResult,
  TouchpointConnection,
  TouchpointEvent,
  TouchpointInput,
  TouchpointResult,
} from './dto/touchpoint.types';
import { MAX_BATCH } from './ingest.service';
import type { IngestService } from './ingest.service';
import { Touchpoint } from './touchpoint.type';

/** The live stream of touchpoints, registered at start-up (see server/services.ts). */
export const TOUCHPOINT_STREAM = streamKey<LogStream<Touchpoint>>('touchpointRecorded');

@ArgsType()
class TouchpointStreamArgs {
  @Field(() => ID, { nullable: true, description: "Only this customer's touchpoints." })
  customerId?: string | null;
  @Field(() => [String], { nullable: true, description: 'Only these types.' })
  types?: string[] | null;
  @Field(() => String, { nullable: true, description: 'Resume after this cursor: first everything recorded since, then live.' })
  after?: string | null;
}

@Resolver(() => Touchpoint)
export class TouchpointResolver {
  constructor(
    private readonly ingest: IngestService,
    private readonly customers: CustomerService,
  ) {}

  @Authorized(Scope.INGEST)
  @Mutation(() => TouchpointResult, { description: 'Records one touchpoint. The response comes after commit.' })
  async recordTouchpoint(
    @Arg('input', () => TouchpointInput, { description: 'The touchpoint.' }) input: TouchpointInput,
  ): Promise<TouchpointResult> {
    const [result] = await this.ingest.record([input], () => 'input');
    return result;
  }

  @Authorized(Scope.INGEST)
  @Mutation(() => TouchpointBatchResult, {
    description: `Records up to ${MAX_BATCH} touchpoints. Each item is ACCEPTED, DUPLICATE or REJECTED on its own; good items are stored even when others are rejected. The response comes after commit.`,
  })
  async recordTouchpoints(
    @Arg('touchpoints', () => [TouchpointInput], { description: `The touchpoints, at most ${MAX_BATCH}.` }) touchpoints: TouchpointInput[],
  ): Promise<TouchpointBatchResult> {
    if (touchpoints.length > MAX_BATCH) throw invalidInput('touchpoints', `at most ${MAX_BATCH} per batch, got ${touchpoints.length}`);
    const results = await this.ingest.record(touchpoints, (index) => `touchpoints[${index}]`);
    const count = (status: IngestStatus) => results.filter((result) => result.status === status).length;
    return {
      accepted: count(IngestStatus.ACCEPTED),
      duplicates: count(IngestStatus.DUPLICATE),
      rejected: count(IngestStatus.REJECTED),
      results,
    };
  }

  @Authorized(Scope.READ)
  @Subscription(() => TouchpointEvent, {
    description: 'Touchpoints as they are committed, from every instance. With `after`, first the ones recorded since that cursor.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, TouchpointStreamArgs, RequestContext>) => {
      const touchpoints = context.streams.get(TOUCHPOINT_STREAM);
      const types = args.types ?? null;
      const customerId = args.customerId ?? null;
      const keep = (touchpoint: Touchpoint) =>
        (types === null || types.includes(touchpoint.type)) && (customerId === null || touchpoint.customerId === customerId);
      return touchpoints.open(keep, args.after ?? null);
    },
  })
  touchpointRecorded(@Root() event: StreamEvent<Touchpoint>, @Args() _args: TouchpointStreamArgs): TouchpointEvent {
    return { cursor: event.cursor, touchpoint: event.value };
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer (null if deleted since).' })
  customer(@Root() touchpoint: Touchpoint, @Ctx() context: RequestContext): Promise<Customer | null> {
    return context.scope.get(this.customers.byId).load(touchpoint.customerId);
  }
}

@Resolver(() => Customer)
export class CustomerTouchpointsResolver {
  constructor(private readonly pages: RequestScoped<TimelineLoader<Touchpoint>>) {}

  @FieldResolver(() => TouchpointConnection, { description: "The customer's touchpoints, newest first." })
  touchpoints(
    @Root() customer: Customer,
    @Ctx() context: RequestContext,
    @Args(() => TimelineArgs) args: TimelineArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<TimelinePage<Touchpoint>> {
    return context.scope.get(this.pages)(customer.id, {
      first: args.first,
      after: args.after ?? null,
      fields: selectedFields(info, ['edges', 'node']),
    });
  }
}

@Resolver(() => TouchpointConnection)
export class TouchpointConnectionResolver {
  @FieldResolver(() => Int, { description: 'How many touchpoints the customer has, over all pages.' })
  totalCount(@Root() page: TimelinePage<Touchpoint>): Promise<number> {
    return page.countTotal();
  }
}
