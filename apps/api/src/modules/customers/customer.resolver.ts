import { Arg, Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../server/context';
import { Scope } from '../auth/api-key.entity';
import { Customer } from './customer.entity';
import type { CustomerPage } from './customer.service';
import {
  CreateCustomerInput,
  CustomerConnection,
  CustomerFilter,
  CustomerOrder,
  SortDirection,
  StageTransitionConnection,
  TouchpointConnection,
  UpdateCustomerInput,
} from './dto/customer.types';
import type { TimelinePage } from './timeline.service';
import type { StageTransition } from '../lifecycle/stage-transition.entity';
import type { Touchpoint } from '../touchpoints/touchpoint.entity';

@ArgsType()
class CustomersArgs {
  @Field(() => Int, { nullable: true, description: 'Page size from the start (or after `after`); default 50, at most 500.' })
  first?: number | null;
  @Field(() => String, { nullable: true, description: 'Return customers after this cursor.' })
  after?: string | null;
  @Field(() => Int, { nullable: true, description: 'Page size from the end (or before `before`); at most 500.' })
  last?: number | null;
  @Field(() => String, { nullable: true, description: 'Return customers before this cursor.' })
  before?: string | null;
  @Field(() => CustomerFilter, { nullable: true, description: 'Which customers.' })
  filter?: CustomerFilter | null;
  @Field(() => CustomerOrder, { nullable: true, description: 'Sort order; default CREATED_AT DESC.' })
  orderBy?: CustomerOrder | null;
}

@ArgsType()
class TimelineArgs {
  @Field(() => Int, { defaultValue: 20, description: 'Page size, newest first; at most 200.' })
  first!: number;
  @Field(() => String, { nullable: true, description: 'Continue after this cursor.' })
  after?: string | null;
}

@Resolver(() => Customer)
export class CustomerResolver {
  @Authorized(Scope.READ)
  @Query(() => Customer, { nullable: true, description: 'One customer, by exactly one of id, externalId or email.' })
  customer(
    @Ctx() context: RequestContext,
    @Arg('id', () => ID, { nullable: true, description: 'The internal id.' }) id?: string,
    @Arg('externalId', () => String, { nullable: true, description: 'The id in your own system.' }) externalId?: string,
    @Arg('email', () => String, { nullable: true, description: 'The email address.' }) email?: string,
  ): Promise<Customer | null> {
    return context.services.customers.find({ id, externalId, email });
  }

  @Authorized(Scope.READ)
  @Query(() => CustomerConnection, {
    description: 'Customers as a Relay connection: filter, sort, page forwards (first/after) or backwards (last/before).',
  })
  customers(@Ctx() context: RequestContext, @Args() args: CustomersArgs): Promise<CustomerPage> {
    const sort = args.orderBy ?? { field: 'CREATED_AT' as const, direction: SortDirection.DESC };
    return context.services.customers.list(args.filter ?? {}, sort, args);
  }

  @Authorized(Scope.INGEST)
  @Mutation(() => Customer, { description: 'Creates a customer; it enters the first lifecycle stage at once.' })
  createCustomer(
    @Ctx() context: RequestContext,
    @Arg('input', () => CreateCustomerInput, { description: 'The new customer.' }) input: CreateCustomerInput,
  ): Promise<Customer> {
    return context.services.customers.create(input);
  }

  @Authorized(Scope.INGEST)
  @Mutation(() => Customer, { description: 'Changes a customer; attributes merge into the stored ones.' })
  updateCustomer(
    @Ctx() context: RequestContext,
    @Arg('id', () => ID, { description: 'The customer.' }) id: string,
    @Arg('input', () => UpdateCustomerInput, { description: 'The changes.' }) input: UpdateCustomerInput,
  ): Promise<Customer> {
    return context.services.customers.update(id, input);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => Boolean, {
    description: 'Deletes a customer with their touchpoints and transitions; false when there was none. Their messageIds stay duplicates.',
  })
  deleteCustomer(@Ctx() context: RequestContext, @Arg('id', () => ID, { description: 'The customer.' }) id: string): Promise<boolean> {
    return context.services.customers.delete(id);
  }

  @FieldResolver(() => TouchpointConnection, { description: "The customer's touchpoints, newest first." })
  touchpoints(@Root() customer: Customer, @Ctx() context: RequestContext, @Args() args: TimelineArgs): Promise<TimelinePage<Touchpoint>> {
    return context.loaders.touchpoints({ first: args.first, after: args.after ?? null }).load(customer.id);
  }

  @FieldResolver(() => StageTransitionConnection, { description: "The customer's stage transitions, newest first." })
  transitions(
    @Root() customer: Customer,
    @Ctx() context: RequestContext,
    @Args() args: TimelineArgs,
  ): Promise<TimelinePage<StageTransition>> {
    return context.loaders.transitions({ first: args.first, after: args.after ?? null }).load(customer.id);
  }
}

@Resolver(() => CustomerConnection)
export class CustomerConnectionResolver {
  @FieldResolver(() => Int, { description: 'How many customers match the filter, over all pages.' })
  totalCount(@Root() page: CustomerPage): Promise<number> {
    return page.countTotal();
  }
}
