import type { GraphQLResolveInfo } from 'graphql';
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Extensions,
  Field,
  FieldResolver,
  ID,
  Info,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { SortDirection } from '../../core/connection.types';
import { Scope } from '../../core/principal';
import { selectedFields } from '../../core/selection';
import type { RequestContext } from '../../core/request-context';
import { customersFieldCost } from './customer-cost';
import { Customer, CustomerIdentity } from './customer.type';
import type { CustomerPage, CustomerService } from './customer.service';
import { CreateCustomerInput, CustomerConnection, CustomerFilter, CustomerOrder, UpdateCustomerInput } from './dto/customer.types';

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

@Resolver(() => Customer)
export class CustomerResolver {
  constructor(private readonly service: CustomerService) {}

  @Authorized(Scope.READ)
  @Query(() => Customer, { nullable: true, description: 'One customer, by exactly one of id, externalId, email or anonymousId.' })
  customer(
    @Arg('id', () => ID, { nullable: true, description: 'The internal id.' }) id?: string,
    @Arg('externalId', () => String, { nullable: true, description: 'The id in your own system.' }) externalId?: string,
    @Arg('email', () => String, { nullable: true, description: 'The email address.' }) email?: string,
    @Arg('anonymousId', () => String, { nullable: true, description: 'An anonymous id the customer was seen with.' }) anonymousId?: string,
  ): Promise<Customer | null> {
    return this.service.find({ id, externalId, email, anonymousId });
  }

  @FieldResolver(() => [CustomerIdentity], {
    description: 'Every identity the customer is known by (externalIds, emails, anonymousIds), oldest first.',
  })
  identities(@Root() customer: Customer, @Ctx() context: RequestContext): Promise<CustomerIdentity[]> {
    return context.scope.get(this.service.identities).load(customer.id);
  }

  @Authorized(Scope.READ)
  @Query(() => CustomerConnection, {
    description: 'Customers as a Relay connection: filter, sort, page forwards (first/after) or backwards (last/before).',
  })
  @Extensions({ cost: customersFieldCost })
  customers(@Args() args: CustomersArgs, @Info() info: GraphQLResolveInfo): Promise<CustomerPage> {
    const sort = args.orderBy ?? { field: 'CREATED_AT' as const, direction: SortDirection.DESC };
    return this.service.list(args.filter ?? {}, sort, args, selectedFields(info, ['edges', 'node']));
  }

  @Authorized(Scope.INGEST)
  @Mutation(() => Customer, { description: 'Creates a customer; it enters the first lifecycle stage at once.' })
  createCustomer(
    @Arg('input', () => CreateCustomerInput, { description: 'The new customer.' }) input: CreateCustomerInput,
  ): Promise<Customer> {
    return this.service.create(input);
  }

  @Authorized(Scope.INGEST)
  @Mutation(() => Customer, { description: 'Changes a customer; attributes merge into the stored ones.' })
  updateCustomer(
    @Arg('id', () => ID, { description: 'The customer.' }) id: string,
    @Arg('input', () => UpdateCustomerInput, { description: 'The changes.' }) input: UpdateCustomerInput,
  ): Promise<Customer> {
    return this.service.update(id, input);
  }

  @Authorized(Scope.ADMIN)
  @Mutation(() => Boolean, {
    description: 'Deletes a customer with their touchpoints and transitions; false when there was none. Their messageIds stay duplicates.',
  })
  deleteCustomer(@Arg('id', () => ID, { description: 'The customer.' }) id: string): Promise<boolean> {
    return this.service.delete(id);
  }
}

@Resolver(() => CustomerConnection)
export class CustomerConnectionResolver {
  @FieldResolver(() => Int, { description: 'How many customers match the filter, over all pages.' })
  totalCount(@Root() page: CustomerPage): Promise<number> {
    return page.countTotal();
  }
}
