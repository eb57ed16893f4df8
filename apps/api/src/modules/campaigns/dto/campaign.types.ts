import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { ArgsType, Field, Float, InputType, Int, ObjectType } from 'type-graphql';

/*
 * Campaigns in GraphQL. Inputs are deliberately loose (days and amounts as
 * text): the service validates them and names the exact field
 * (`input.endsOn`, `spend[3].amount`) instead of GraphQL's generic coercion
 * errors.
 */

/**
 * An exact decimal amount. Out: text with 4 decimal places (`"1234.5000"`),
 * so no client parses it into a float by accident. In: a JSON number or a
 * decimal string; a literal in the query keeps its exact text. The service
 * decides what is a valid amount.
 */
export const DecimalScalar = new GraphQLScalarType<string | number, string>({
  name: 'Decimal',
  description:
    'An exact decimal amount. Returned as text with 4 decimal places ("1234.5000"); accepted as a JSON number or a string like "1234.50" (at most 4 decimal places).',
  serialize: (value) => String(value),
  parseValue: (value) => {
    if (typeof value === 'string' || typeof value === 'number') return value;
    throw new GraphQLError('a Decimal is a JSON number or a string like "1234.50"');
  },
  parseLiteral: (ast) => {
    if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT || ast.kind === Kind.STRING) return ast.value;
    throw new GraphQLError('a Decimal is a number or a string like "1234.50"', { nodes: ast });
  },
});

@InputType({ description: 'A new campaign.' })
export class CreateCampaignInput {
  @Field({
    description: 'The text your touchpoints carry in `campaign` (trimmed, 1–256 characters, case-sensitive). It cannot change later.',
  })
  key!: string;
  @Field({ description: 'A name to show.' })
  name!: string;
  @Field({ description: 'The channel, lowercase snake_case like a touchpoint channel (`email`, `paid_search`).' })
  channel!: string;
  @Field({ description: 'The first day, `YYYY-MM-DD`.' })
  startsOn!: string;
  @Field(() => String, { nullable: true, description: 'The last day, `YYYY-MM-DD`, on or after startsOn; omit for open-ended.' })
  endsOn?: string | null;
}

@InputType({ description: 'Changes to a campaign. Omitted fields stay as they are; `endsOn: null` makes it open-ended.' })
export class UpdateCampaignInput {
  @Field(() => String, { nullable: true, description: 'A name to show.' })
  name?: string | null;
  @Field(() => String, { nullable: true, description: 'The channel, lowercase snake_case.' })
  channel?: string | null;
  @Field(() => String, { nullable: true, description: 'The first day, `YYYY-MM-DD`.' })
  startsOn?: string | null;
  @Field(() => String, { nullable: true, description: 'The last day, `YYYY-MM-DD`, on or after startsOn; null for open-ended.' })
  endsOn?: string | null;
}

@InputType({ description: "A campaign's spend on one day. Recording it again for the same campaign and day replaces the amount." })
export class CampaignSpendInput {
  @Field({ description: 'The campaign key (the campaign must exist).' })
  campaign!: string;
  @Field({ description: 'The day, `YYYY-MM-DD` (years 0001–9999).' })
  day!: string;
  @Field(() => DecimalScalar, { description: 'The amount spent that day: not negative, below 10^15, at most 4 decimal places.' })
  amount!: string | number;
}

@ArgsType()
export class DayRangeArgs {
  @Field(() => String, { nullable: true, description: 'The first day included, `YYYY-MM-DD`; open when omitted.' })
  from?: string | null;
  @Field(() => String, { nullable: true, description: 'The last day included, `YYYY-MM-DD`; open when omitted.' })
  to?: string | null;
}

@ObjectType({ description: "A campaign's spend on one day." })
export class SpendDay {
  @Field({ description: 'The day, `YYYY-MM-DD`.' })
  day!: string;
  @Field(() => DecimalScalar, { description: 'The amount spent that day.' })
  amount!: string;
}

@ObjectType({ description: "A campaign's spend over a range of days." })
export class CampaignSpend {
  @Field(() => DecimalScalar, { description: 'The sum over the range (exact; "0.0000" when nothing was recorded).' })
  total!: string;
  @Field(() => [SpendDay], { description: 'Each day with recorded spend, oldest first.' })
  days!: SpendDay[];
}

@ObjectType({ description: 'What a spend recording or import did. It was all or nothing: this answer means every row was set.' })
export class SpendRecorded {
  @Field(() => Int, { description: 'Rows given (one per campaign and day).' })
  rows!: number;
  @Field(() => Int, { description: 'Rows that were new or had a different amount before; 0 when the same rows are recorded again.' })
  changed!: number;
  @Field(() => Int, { description: 'Distinct campaigns among the rows.' })
  campaigns!: number;
  @Field(() => DecimalScalar, { description: 'The sum of the amounts given.' })
  total!: string;
}

@ObjectType({ description: 'A campaign key that touchpoints carry but no campaign has: create a campaign with this key to attach spend.' })
export class UnknownCampaign {
  @Field({ description: 'The text of the touchpoints’ `campaign`.' })
  key!: string;
  @Field(() => Float, { description: 'How many touchpoints carry it (a whole number; Float because counts may pass 2^31).' })
  touchpoints!: number;
  @Field({ description: 'The first day (UTC, of the event time) a touchpoint carried it, `YYYY-MM-DD`.' })
  firstSeen!: string;
  @Field({ description: 'The last day (UTC, of the event time) a touchpoint carried it, `YYYY-MM-DD`.' })
  lastSeen!: string;
}
