import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import type { RequestContext } from '../../server/context';
import { ClmError } from '../../server/errors';
import { Scope } from '../auth/api-key.entity';
import { Customer } from '../customers/customer.entity';
import { IngestStatus, TouchpointBatchResult, TouchpointEvent, TouchpointInput, TouchpointResult } from './dto/touchpoint.types';
import { MAX_BATCH } from './touchpoint-ingest.service';
import { Touchpoint } from './touchpoint.entity';

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
  @Authorized(Scope.INGEST)
  @Mutation(() => TouchpointResult, { description: 'Records one touchpoint. The response comes after commit.' })
  async recordTouchpoint(
    @Ctx() context: RequestContext,
    @Arg('input', () => TouchpointInput, { description: 'The touchpoint.' }) input: TouchpointInput,
  ): Promise<TouchpointResult> {
    const [result] = await context.services.ingest.record([input], () => 'input');
    return result as TouchpointResult;
  }

  @Authorized(Scope.INGEST)
  @Mutation(() => TouchpointBatchResult, {
    description: `Records up to ${MAX_BATCH} touchpoints. Each item is ACCEPTED, DUPLICATE or REJECTED on its own; good items are stored even when others are rejected. The response comes after commit.`,
  })
  async recordTouchpoints(
    @Ctx() context: RequestContext,
    @Arg('touchpoints', () => [TouchpointInput], { description: `The touchpoints, at most ${MAX_BATCH}.` }) touchpoints: TouchpointInput[],
  ): Promise<TouchpointBatchResult> {
    if (touchpoints.length > MAX_BATCH) {
      throw new ClmError('INVALID_INPUT', `touchpoints: at most ${MAX_BATCH} per batch, got ${touchpoints.length}`, {
        field: 'touchpoints',
      });
    }
    const results = (await context.services.ingest.record(touchpoints, (index) => `touchpoints[${index}]`)) as TouchpointResult[];
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
      context.services.stream.checkCursor(args.after ?? null);
      return context.services.stream.touchpoints({ customerId: args.customerId ?? null, types: args.types ?? null }, args.after ?? null);
    },
  })
  touchpointRecorded(@Root() event: { cursor: string; value: Touchpoint }, @Args() _args: TouchpointStreamArgs): TouchpointEvent {
    return { cursor: event.cursor, touchpoint: event.value };
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer (null if deleted since).' })
  customer(@Root() touchpoint: Touchpoint, @Ctx() context: RequestContext): Promise<Customer | null> {
    return context.loaders.customer.load(touchpoint.customerId);
  }
}
