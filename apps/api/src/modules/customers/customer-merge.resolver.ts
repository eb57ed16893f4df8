import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { Scope } from '../../core/principal';
import { streamKey } from '../../core/request-context';
import type { RequestContext } from '../../core/request-context';
import type { LogStream, StreamEvent } from '../../log';
import { Customer } from './customer.type';
import type { MergeService } from './customer-merge.service';
import type { CustomerMergeChange } from './dto/merge.types';
import { CustomerMerge, CustomerMergeEvent } from './dto/merge.types';

/** The live stream of merges and unmerges, registered at start-up (see server/services.ts). */
export const CUSTOMER_MERGE_STREAM = streamKey<LogStream<CustomerMergeChange>>('customerMerged');

@ArgsType()
class MergeStreamArgs {
  @Field(() => ID, { nullable: true, description: 'Only merges this customer took part in (as survivor or as merged).' })
  customerId?: string | null;
  @Field(() => String, { nullable: true, description: 'Resume after this cursor: first everything since, then live.' })
  after?: string | null;
}

@Resolver(() => Customer)
export class CustomerMergeResolver {
  constructor(private readonly service: MergeService) {}

  @Authorized(Scope.ADMIN)
  @Mutation(() => CustomerMerge, {
    description:
      'Merges one customer into another: touchpoints, transitions, identities, segment membership and missing attributes move to `into`, whose journey is recomputed from the merged history. Undo with unmergeCustomers.',
  })
  mergeCustomers(
    @Ctx() context: RequestContext,
    @Arg('into', () => ID, { description: 'The survivor.' }) into: string,
    @Arg('from', () => ID, { description: 'The customer merged into it; its id keeps finding the survivor.' }) from: string,
    @Arg('reason', () => String, { description: 'Why; kept with the merge record.' }) reason: string,
  ): Promise<CustomerMerge> {
    return this.service.merge({ intoId: into, fromId: from, reason, actor: context.principal.name, cause: 'manual' });
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => CustomerMerge, {
    description:
      'Undoes a merge: both customers as they were, each with its own touchpoints and transitions (and the events since that carry its identities), journeys recomputed.',
  })
  unmergeCustomers(
    @Ctx() context: RequestContext,
    @Arg('mergeId', () => ID, { description: 'The merge to undo.' }) mergeId: string,
  ): Promise<CustomerMerge> {
    return this.service.unmerge(mergeId, context.principal.name);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => Boolean, {
    description: 'Marks two customers as never to be merged (a shared family email): an event linking them is refused, naming this reason.',
  })
  markNeverMerge(
    @Ctx() context: RequestContext,
    @Arg('first', () => ID, { description: 'One customer.' }) first: string,
    @Arg('second', () => ID, { description: 'The other.' }) second: string,
    @Arg('reason', () => String, { description: 'Why they are two people.' }) reason: string,
  ): Promise<boolean> {
    return this.service.neverMerge(first, second, reason, context.principal.name);
  }

  @FieldResolver(() => [CustomerMerge], { description: 'Every merge this customer took part in (as survivor or as merged), oldest first.' })
  merges(@Root() customer: Customer, @Ctx() context: RequestContext): Promise<CustomerMerge[]> {
    return context.scope.get(this.service.merges).load(customer.id);
  }

  @Authorized(Scope.READ)
  @Subscription(() => CustomerMergeEvent, {
    description: 'Merges and unmerges as they are committed, from every instance. With `after`, first the ones since that cursor.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, MergeStreamArgs, RequestContext>) => {
      const customerId = args.customerId?.toLowerCase() ?? null;
      const keep = (change: CustomerMergeChange) => customerId === null || change.intoId === customerId || change.fromId === customerId;
      return context.streams.get(CUSTOMER_MERGE_STREAM).open(keep, args.after ?? null);
    },
  })
  customerMerged(@Root() event: StreamEvent<CustomerMergeChange>, @Args() _args: MergeStreamArgs): CustomerMergeEvent {
    return { cursor: event.cursor, change: event.value };
  }
}
