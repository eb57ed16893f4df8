import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { connectionTypes, SortDirection } from '../../../core/connection.types';
import { Customer } from '../customer.type';
import { CUSTOMER_SORTS } from '../customer.sql';
import type { CustomerSortField as SortFieldName } from '../customer.sql';
import { METRIC_MEMBERSHIPS } from '../customer-filter';
import type { MetricMembership as MembershipName } from '../customer-filter';

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

const MetricMembership = Object.fromEntries(METRIC_MEMBERSHIPS.map((key) => [key, key]));
const MEMBERSHIP_DESCRIPTIONS: { [K in MembershipName]: string } = {
  NEW_CUSTOMERS: 'The customers `newCustomers` counts: acquired in the range (credited to the channel or campaign by the attribution).',
  ACTIVE_CUSTOMERS: 'The customers `activeCustomers` counts: with a touchpoint (of the channel or campaign) in the range.',
  FUNNEL_REACHED: "The customers of a `funnel` step's `reached`: entered the lifecycle in the range and reached `stage` or a later one.",
  FUNNEL_DROPPED: 'Of those who reached `stage`, the ones who went no further (reached − the next step’s reached).',
  COHORT: 'A `cohortRetention` cell: the customers acquired in `cohort`, and with `month`, those of them active in that month after it.',
  FLOW: 'A flow of the stage overview: the customers who moved from `fromStage` (none: entering) to `stage` in the range (once each).',
};
registerEnumType(MetricMembership, {
  name: 'MetricMembership',
  description: 'Which metric’s customers (docs/metrics.md defines each; the count of the list equals the metric).',
  valuesConfig: Object.fromEntries(Object.entries(MEMBERSHIP_DESCRIPTIONS).map(([key, description]) => [key, { description }])),
});

@InputType({
  description:
    'The customers behind one number of `metrics`: the same range, filter and attribution as that query, and the funnel stage or cohort cell.',
})
export class CustomerMetricFilter {
  @Field(() => MetricMembership, { description: 'Which metric’s customers.' })
  membership!: MembershipName;
  @Field(() => String, { description: 'First day of the range, YYYY-MM-DD.' })
  from!: string;
  @Field(() => String, { description: 'Last day of the range, YYYY-MM-DD (included).' })
  to!: string;
  @Field(() => ID, { nullable: true, description: "The metrics filter's segment." })
  segment?: string | null;
  @Field(() => String, { nullable: true, description: "The metrics filter's channel." })
  channel?: string | null;
  @Field(() => String, { nullable: true, description: "The metrics filter's campaign." })
  campaign?: string | null;
  @Field(() => String, { nullable: true, description: 'FIRST_TOUCH (default), ACQUIRING_TOUCH or LAST_TOUCH, as in `metrics`.' })
  attribution?: string | null;
  @Field(() => Int, { nullable: true, description: 'LAST_TOUCH: the lookback in days (1–365; default 30).' })
  lookbackDays?: number | null;
  @Field(() => String, {
    nullable: true,
    description: 'FUNNEL_REACHED, FUNNEL_DROPPED: the funnel stage (a key of the model); FLOW: the stage moved to.',
  })
  stage?: string | null;
  @Field(() => String, { nullable: true, description: 'FLOW: the stage moved from; omitted for customers entering the lifecycle.' })
  fromStage?: string | null;
  @Field(() => String, { nullable: true, description: 'COHORT: the acquisition month, YYYY-MM.' })
  cohort?: string | null;
  @Field(() => Int, {
    nullable: true,
    description: 'COHORT: months after the acquisition month (0 = that month) the customers were active in.',
  })
  month?: number | null;
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
  @Field(() => CustomerMetricFilter, {
    nullable: true,
    description: 'The customers a metric counts (the list’s totalCount equals the metric).',
  })
  metric?: CustomerMetricFilter | null;
}

@InputType({ description: 'Sort order for customers.' })
export class CustomerOrder {
  @Field(() => CustomerSortField, { description: 'The field.' })
  field!: SortFieldName;
  @Field(() => SortDirection, { description: 'The direction.' })
  direction!: SortDirection;
}

export const { Connection: CustomerConnection } = connectionTypes(Customer, 'Customer', true);
