import { Field, ObjectType } from 'type-graphql';

/** A marketing campaign. Touchpoints link to it by carrying its key in `campaign`. */
@ObjectType({ description: 'A marketing campaign, with its spend per day. Touchpoints link to it by carrying its key in `campaign`.' })
export class Campaign {
  @Field({ description: 'The text touchpoints carry in `campaign` (case-sensitive, 1–256 characters). Never changes.' })
  key!: string;

  @Field({ description: 'A name to show.' })
  name!: string;

  @Field({ description: 'The channel the campaign runs on, lowercase snake_case like a touchpoint channel (`email`, `paid_search`).' })
  channel!: string;

  @Field({ description: 'The first day of the campaign, `YYYY-MM-DD`.' })
  startsOn!: string;

  @Field(() => String, { nullable: true, description: 'The last day of the campaign, `YYYY-MM-DD`; null while it runs open-ended.' })
  endsOn!: string | null;

  @Field(() => Date, { description: 'When the campaign was created.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When the campaign was last changed.' })
  updatedAt!: Date;
}
