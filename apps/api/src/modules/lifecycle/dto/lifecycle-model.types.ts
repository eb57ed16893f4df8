import { GraphQLJSON } from 'graphql-scalars';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import type { ConditionOperator, JsonValue } from '@clm/schema';

/*
 * The lifecycle model in GraphQL: object types to read it, input types to
 * replace it. Both mirror the plain-data LifecycleModel of @clm/schema.
 */

@ObjectType('Stage', { description: 'A funnel stage.' })
export class StageType {
  @Field({ description: 'Stable key used in rules, filters and transitions (kebab-case).' })
  key!: string;
  @Field({ description: 'Display name.' })
  name!: string;
  @Field({ description: 'What being in this stage means.' })
  description!: string;
}

@ObjectType('PropertyCondition', { description: 'A condition on one touchpoint property.' })
export class PropertyConditionType {
  @Field({ description: 'Dot path into the touchpoint properties, e.g. `rating` or `survey.score`.' })
  property!: string;
  @Field(() => String, {
    description: 'One of eq, neq, gt, gte, lt, lte, in, exists, contains. Numeric operators compare numbers and numeric strings.',
  })
  operator!: ConditionOperator;
  @Field(() => GraphQLJSON, { nullable: true, description: 'The value compared against (an array for `in`; none for `exists`).' })
  value?: JsonValue;
}

@ObjectType('TouchpointMatch', { description: 'What a touchpoint must look like for a rule to fire; every given part must hold.' })
export class TouchpointMatchType {
  @Field(() => [String], { nullable: true, description: 'Touchpoint types, any of.' })
  types?: string[];
  @Field(() => [String], { nullable: true, description: 'Channels, any of.' })
  channels?: string[];
  @Field(() => [PropertyConditionType], { nullable: true, description: 'Property conditions, all of.' })
  conditions?: PropertyConditionType[];
  @Field(() => Int, { nullable: true, description: "Fires from the customer's Nth touchpoint of these types on (2 = second purchase)." })
  minCount?: number;
}

@ObjectType('TransitionRule', { description: 'Moves a customer forward to `to` when a touchpoint matches `when`.' })
export class TransitionRuleType {
  @Field({ description: 'Stable rule id, recorded on the transitions it causes.' })
  id!: string;
  @Field({ description: 'What the rule means.' })
  description!: string;
  @Field({ description: 'The stage the rule moves customers to.' })
  to!: string;
  @Field(() => TouchpointMatchType, { description: 'The touchpoints that fire the rule.' })
  when!: TouchpointMatchType;
  @Field(() => [String], {
    nullable: true,
    description: 'Only customers in these stages (at-risk and churned allowed); any stage when null.',
  })
  from?: string[];
}

@ObjectType('InactivityPolicy', { description: 'When silent customers become at-risk and churned.' })
export class InactivityPolicyType {
  @Field({ description: 'The first funnel stage the sweep applies to; earlier stages are never swept.' })
  fromStage!: string;
  @Field(() => Int, { description: 'Days without a touchpoint before a customer is at-risk.' })
  atRiskAfterDays!: number;
  @Field(() => Int, { description: 'Days without a touchpoint before a customer is churned.' })
  churnedAfterDays!: number;
}

@ObjectType('WinBackPolicy', { description: 'How at-risk and churned customers come back.' })
export class WinBackPolicyType {
  @Field(() => TouchpointMatchType, { description: 'The touchpoint that wins a customer back (a purchase in every preset).' })
  when!: TouchpointMatchType;
  @Field(() => String, { nullable: true, description: 'The stage they return to; null for the funnel stage they held before.' })
  to!: string | null;
}

@ObjectType('LifecycleModel', {
  description: 'The lifecycle: ordered funnel stages, the rules that move customers, and the off-path policies.',
})
export class LifecycleModelType {
  @Field({ description: 'Model name (a preset name or your own).' })
  name!: string;
  @Field({ description: 'What the model is for.' })
  description!: string;
  @Field(() => [StageType], { description: 'Funnel stages in order. Every model also has the off-path states at-risk and churned.' })
  stages!: StageType[];
  @Field({
    description:
      'The funnel stage that counts as acquired: entering it makes someone a customer (new customers, CAC, acquisition channel and campaign). In every preset, the first stage a purchase reaches.',
  })
  acquiredStage!: string;
  @Field(() => [TransitionRuleType], { description: 'Rules that move customers forward on touchpoints.' })
  rules!: TransitionRuleType[];
  @Field(() => InactivityPolicyType, { description: 'The inactivity policy.' })
  inactivity!: InactivityPolicyType;
  @Field(() => WinBackPolicyType, { description: 'The win-back policy.' })
  winBack!: WinBackPolicyType;
}

@InputType({ description: 'A funnel stage.' })
export class StageInput {
  @Field({ description: 'Stable key (kebab-case; not at-risk or churned).' })
  key!: string;
  @Field({ description: 'Display name.' })
  name!: string;
  @Field({ defaultValue: '', description: 'What being in this stage means.' })
  description!: string;
}

@InputType({ description: 'A condition on one touchpoint property.' })
export class PropertyConditionInput {
  @Field({ description: 'Dot path into the touchpoint properties.' })
  property!: string;
  @Field({ description: 'One of eq, neq, gt, gte, lt, lte, in, exists, contains.' })
  operator!: string;
  @Field(() => GraphQLJSON, { nullable: true, description: 'The value compared against.' })
  value?: JsonValue;
}

@InputType({ description: 'What a touchpoint must look like for a rule to fire.' })
export class TouchpointMatchInput {
  @Field(() => [String], { nullable: true, description: 'Touchpoint types, any of.' })
  types?: string[];
  @Field(() => [String], { nullable: true, description: 'Channels, any of.' })
  channels?: string[];
  @Field(() => [PropertyConditionInput], { nullable: true, description: 'Property conditions, all of.' })
  conditions?: PropertyConditionInput[];
  @Field(() => Int, { nullable: true, description: "Fires from the customer's Nth touchpoint of these types on." })
  minCount?: number;
}

@InputType({ description: 'A transition rule.' })
export class TransitionRuleInput {
  @Field({ description: 'Stable rule id (kebab-case).' })
  id!: string;
  @Field({ defaultValue: '', description: 'What the rule means.' })
  description!: string;
  @Field({ description: 'The stage the rule moves customers to.' })
  to!: string;
  @Field(() => TouchpointMatchInput, { description: 'The touchpoints that fire the rule.' })
  when!: TouchpointMatchInput;
  @Field(() => [String], { nullable: true, description: 'Only customers in these stages.' })
  from?: string[];
}

@InputType({ description: 'When silent customers become at-risk and churned.' })
export class InactivityPolicyInput {
  @Field({ description: 'The first funnel stage the sweep applies to.' })
  fromStage!: string;
  @Field(() => Int, { description: 'Days without a touchpoint before at-risk.' })
  atRiskAfterDays!: number;
  @Field(() => Int, { description: 'Days without a touchpoint before churned.' })
  churnedAfterDays!: number;
}

@InputType({ description: 'How at-risk and churned customers come back.' })
export class WinBackPolicyInput {
  @Field(() => TouchpointMatchInput, { description: 'The touchpoint that wins a customer back.' })
  when!: TouchpointMatchInput;
  @Field(() => String, { nullable: true, description: 'The stage they return to; null for the one they held before.' })
  to!: string | null;
}

@InputType({ description: 'A whole lifecycle model.' })
export class LifecycleModelInput {
  @Field({ description: 'Model name.' })
  name!: string;
  @Field({ defaultValue: '', description: 'What the model is for.' })
  description!: string;
  @Field(() => [StageInput], { description: 'Funnel stages in order.' })
  stages!: StageInput[];
  @Field(() => String, {
    nullable: true,
    description:
      'The funnel stage that counts as acquired (not at-risk or churned). When omitted: the first funnel stage, in funnel order, that a rule matching `purchase` moves to; else the last funnel stage.',
  })
  acquiredStage?: string | null;
  @Field(() => [TransitionRuleInput], { description: 'Transition rules.' })
  rules!: TransitionRuleInput[];
  @Field(() => InactivityPolicyInput, { description: 'The inactivity policy.' })
  inactivity!: InactivityPolicyInput;
  @Field(() => WinBackPolicyInput, { description: 'The win-back policy.' })
  winBack!: WinBackPolicyInput;
}

@ObjectType({ description: 'One problem found in a lifecycle model.' })
export class ModelIssue {
  @Field({ description: 'Where: a path such as `rules[2].to`.' })
  path!: string;
  @Field({ description: 'What is wrong.' })
  message!: string;
}

@ObjectType({ description: 'The result of validating a lifecycle model.' })
export class ModelValidation {
  @Field({ description: 'True when the model has no issues.' })
  valid!: boolean;
  @Field(() => [ModelIssue], { description: 'Every issue found, in field order.' })
  issues!: ModelIssue[];
}
