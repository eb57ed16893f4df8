import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/** One person or account, with the lifecycle fields clm keeps current. */
@ObjectType({ description: 'A person or account, with its lifecycle stage and the figures clm keeps up to date.', simpleResolvers: true })
export class Customer {
  @Field(() => ID, { description: 'The internal id (a UUID).' })
  id!: string;

  @Field(() => String, { nullable: true, description: "The id of this customer in the business's own system." })
  externalId!: string | null;

  @Field(() => String, { nullable: true, description: 'Email address, stored lowercase.' })
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'Display name.' })
  name!: string | null;

  @Field(() => GraphQLJSONObject, { description: 'Free-form attributes (plan, country, company size...). Updates merge into them.' })
  attributes!: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'The current lifecycle stage key; null until the first touchpoint.' })
  stage!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the customer entered the current stage (event time).' })
  stageEnteredAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Time of the earliest touchpoint.' })
  firstSeenAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Time of the latest touchpoint.' })
  lastSeenAt!: Date | null;

  @Field(() => Int, { description: 'Number of `purchase` touchpoints.' })
  orders!: number;

  @Field(() => Float, { description: 'Sum of `purchase` values minus `refund` values, in the units sent (no currency conversion).' })
  revenue!: number;

  @Field(() => Date, { description: 'When clm created the record.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When clm last changed the record.' })
  updatedAt!: Date;

  @Field(() => ID, {
    nullable: true,
    description: 'Set when this customer was found by the id of a customer merged into it: that id (see `merges`).',
  })
  mergedId?: string | null;
}

export enum IdentityKindName {
  EXTERNAL_ID = 'EXTERNAL_ID',
  EMAIL = 'EMAIL',
  ANONYMOUS_ID = 'ANONYMOUS_ID',
}

registerEnumType(IdentityKindName, {
  name: 'IdentityKind',
  description: 'A kind of identity a customer is known by.',
  valuesConfig: {
    EXTERNAL_ID: { description: "The id in the business's own system (Segment's userId)." },
    EMAIL: { description: 'An email address.' },
    ANONYMOUS_ID: { description: "An id given to a visitor before they were known (Segment's anonymousId)." },
  },
});

@ObjectType({ description: 'One identity a customer is known by: events naming it find this customer.' })
export class CustomerIdentity {
  @Field(() => IdentityKindName, { description: 'What kind of identity.' })
  kind!: IdentityKindName;

  @Field({ description: 'The identity (an email lowercase).' })
  value!: string;

  @Field(() => Date, { description: 'When clm first saw it on this customer (or on a customer merged into it).' })
  firstSeenAt!: Date;
}
