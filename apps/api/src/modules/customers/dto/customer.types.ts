import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { connectionTypes, SortDirection } from '../../../core/connection.types';
import { Customer } from '../customer.type';
import { CUSTOMER_SORTS } from '../customer.sql';
import type { CustomerSortField as SortFieldName } from '../customer.sql';

const CustomerSortField = Object.fromEntries(Object.keys(CUSTOMER_SORTS).map((key) => [key, key]));
const SORT_FIELD_DESCRIPTIONS: { [K in SortFieldName]: string } = {
  CREATED_AT: 'When clm created the customer.',
  UPDATED_AT: 'When the customer record last changed.',
  LAST_SEEN_AT: 'Time of the latest touchpoint.',
  FIRST_SEEN_AT: 'Time of the earliest touchpoint.',
  STAGE_ENTERED_AT: 'When the customer entered the current stage.',
  REVENUE: 'Revenue (purchases minus refunds).',
  ORDERS: 'Number of purchases.',
  NAME: 'Display name.',
  EMAIL: 'Email address.',
};
registerEnumType(CustomerSortField, {
  name: 'CustomerSortField',
  description: 'What to sort customers by (ties broken by id; empty values last).',
  valuesConfig: Object.fromEntries(Object.entries(SORT_FIELD_DESCRIPTIONS).map(([key, description]) => [key, { description }])),
});

@InputType({ description: 'A new customer; give an externalId or an email so later events find it.' })
export class CreateCustomerInput {
  @Field(() => String, { nullable: true, description: "The customer's id in your own system (unique)." })
  externalId?: string | null;
  @Field(() => String, { nullable: true, description: 'Email address (unique, case-insensitive).' })
  email?: string | null;
  @Field(() => String, { nullable: true, description: 'Display name.' })
  name?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Free-form attributes.' })
  attributes?: Record<string, unknown> | null;
}

@InputType({ description: 'Changes to a customer. Omitted fields stay; attributes merge (a null value removes that attribute).' })
export class UpdateCustomerInput {
  @Field(() => String, { nullable: true, description: "The customer's id in your own system." })
  externalId?: string | null;
  @Field(() => String, { nullable: true, description: 'Email address.' })
  email?: string | null;
  @Field(() => String, { nullable: true, description: 'Display name.' })
  name?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Attributes to merge into the stored ones.' })
  attributes?: Record<string, unknown> | null;
}

@InputType({ description: 'Which customers to list; all given conditions must hold.' })
export class CustomerFilter {
  @Field(() => [String], { nullable: true, description: 'In any of these stages.' })
  stages?: string[] | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Attributes equal to these values (JSON containment: {"plan": "pro"}).' })
  attributes?: Record<string, unknown> | null;
  @Field(() => String, { nullable: true, description: 'Text found in the name or email (case-insensitive).' })
  search?: string | null;
  @Field(() => Date, { nullable: true, description: 'Last seen at or after this time.' })
  seenSince?: Date | null;
  @Field(() => ID, { nullable: true, description: 'Members of this segment.' })
  segment?: string | null;
}

@InputType({ description: 'Sort order for customers.' })
export class CustomerOrder {
  @Field(() => CustomerSortField, { description: 'The field.' })
  field!: SortFieldName;
  @Field(() => SortDirection, { description: 'The direction.' })
  direction!: SortDirection;
}

export const { Connection: CustomerConnection } = connectionTypes(Customer, 'Customer', true);
