import { Field, InputType, Int, ObjectType } from 'type-graphql';

/*
 * The tracking mapping as GraphQL reads and writes it (the same shape as
 * tracking-mapping.ts), and the rejected messages an admin can read.
 * Inputs are checked as a whole by `mappingIssues`, every problem named by
 * its path.
 */

@ObjectType('TrackingNumberRule', {
  description: 'A number copied into the touchpoint properties: `to` takes the first of `from` that holds a number.',
})
@InputType('TrackingNumberRuleInput', { description: 'A number copied into the touchpoint properties (see TrackingNumberRule).' })
export class NumberRuleType {
  @Field({ description: 'The property written, e.g. `score`.' })
  to!: string;
  @Field(() => [String], { description: 'The properties read, in order, e.g. `["score", "nps"]`.' })
  from!: string[];
}

@ObjectType('TrackingEventRule', { description: 'What one Segment `track` event name becomes.' })
@InputType('TrackingEventRuleInput', { description: 'What one Segment `track` event name becomes (see TrackingEventRule).' })
export class EventRuleType {
  @Field({ description: 'The event name as sent, compared ignoring case, e.g. `Order Completed`.' })
  event!: string;
  @Field({ description: 'The touchpoint type (lowercase snake_case), e.g. `purchase`.' })
  type!: string;
  @Field(() => String, {
    nullable: true,
    description: 'The channel, when the event says it (Email Opened: email); else the UTM medium or the default.',
  })
  channel!: string | null;
  @Field(() => [String], { description: 'Properties whose first number is the value, e.g. `["revenue", "total"]`.' })
  valueFrom!: string[];
  @Field(() => String, { nullable: true, description: 'The property holding the currency of the value, e.g. `currency`.' })
  currencyFrom!: string | null;
  @Field(() => [NumberRuleType], { description: 'Numbers copied into the properties (review `rating`, survey `score`).' })
  numbers!: NumberRuleType[];
}

@ObjectType('TrackingMediumRule', { description: 'A UTM medium (`context.campaign.medium`, case ignored) and the channel it means.' })
@InputType('TrackingMediumRuleInput', { description: 'A UTM medium and the channel it means (see TrackingMediumRule).' })
export class MediumRuleType {
  @Field({ description: 'The medium, e.g. `cpc`.' })
  medium!: string;
  @Field({ description: 'The channel, e.g. `ads`.' })
  channel!: string;
}

@ObjectType('TrackingTraitNames', { description: 'Which `identify` traits are the customer email and name.' })
@InputType('TrackingTraitNamesInput', { description: 'Which `identify` traits are the customer email and name.' })
export class TraitNamesType {
  @Field({ description: 'The trait holding the email, e.g. `email`.' })
  email!: string;
  @Field({ description: 'The trait holding the whole name, e.g. `name`.' })
  name!: string;
  @Field({ description: 'Joined with lastName when there is no name.' })
  firstName!: string;
  @Field({ description: 'Joined after firstName when there is no name.' })
  lastName!: string;
}

@ObjectType('TrackingMapping', { description: 'How Segment messages on /v1 become customers and touchpoints.' })
@InputType('TrackingMappingInput', { description: 'The whole /v1 mapping, as trackingMapping returns it.' })
export class TrackingMappingType {
  @Field(() => [EventRuleType], { description: 'Event names with a rule; any other event becomes its name in snake_case.' })
  events!: EventRuleType[];
  @Field({ description: 'The touchpoint type of `page` messages.' })
  pageType!: string;
  @Field({ description: 'The touchpoint type of `screen` messages.' })
  screenType!: string;
  @Field({ description: 'The channel when neither the event rule nor the UTM medium names one.' })
  defaultChannel!: string;
  @Field(() => [MediumRuleType], { description: 'UTM mediums and their channels; another medium is taken as a channel in snake_case.' })
  mediums!: MediumRuleType[];
  @Field(() => TraitNamesType, { description: 'Which traits are the email and name.' })
  traits!: TraitNamesType;
  @Field({ description: 'The customer attribute `group` writes the account to, as `{ id: groupId, ...traits }`.' })
  groupAttribute!: string;
  @Field({ description: 'Keep `context.ip` in stored properties. Off by default: IP addresses are dropped before storing.' })
  storeIpAddress!: boolean;
}

@ObjectType({ description: 'A message /v1 did not store (or a request it refused), and why.' })
export class TrackingRejection {
  @Field({ description: 'When the request arrived.' })
  receivedAt!: Date;
  @Field({ description: 'The route, e.g. `/v1/batch`.' })
  route!: string;
  @Field(() => String, { nullable: true, description: 'The name of the key that sent it.' })
  keyName!: string | null;
  @Field(() => String, { nullable: true, description: 'The message type (track, identify...), when it said one.' })
  messageType!: string | null;
  @Field(() => String, { nullable: true, description: 'Its messageId (given or derived), when it could be read.' })
  messageId!: string | null;
  @Field({ description: 'The offending field, as the sender wrote it: `batch[3].timestamp`.' })
  field!: string;
  @Field({ description: 'What is wrong.' })
  reason!: string;
}

@ObjectType({ description: 'Rejected /v1 messages: how many ever, and the latest.' })
export class TrackingRejections {
  @Field(() => Int, { description: 'Messages (and refused requests) rejected since the start, capped at 2^31 − 1.' })
  total!: number;
  @Field(() => [TrackingRejection], { description: 'The latest, newest first (the newest 1,000 are kept).' })
  latest!: TrackingRejection[];
}
