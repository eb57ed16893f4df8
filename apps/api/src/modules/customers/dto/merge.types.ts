import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum MergeCause {
  MANUAL = 'MANUAL',
  IDENTIFY = 'IDENTIFY',
  TOUCHPOINT = 'TOUCHPOINT',
}

registerEnumType(MergeCause, {
  name: 'MergeCause',
  description: 'What merged two customers.',
  valuesConfig: {
    MANUAL: { description: 'An admin, with mergeCustomers.' },
    IDENTIFY: { description: 'An identify message (or alias) linked an identity of one to the other.' },
    TOUCHPOINT: { description: 'A touchpoint named an identity of each.' },
  },
});

@ObjectType({ description: 'A stored merge of one customer into another: who, when, why and what moved. Undone by unmergeCustomers.' })
export class CustomerMerge {
  @Field(() => ID, { description: 'The merge (pass it to unmergeCustomers).' })
  id!: string;
  @Field(() => ID, { description: 'The survivor, which holds everything the merged customer had.' })
  intoId!: string;
  @Field(() => ID, { description: 'The merged customer; its id keeps finding the survivor while the merge stands.' })
  fromId!: string;
  @Field(() => MergeCause, { description: 'What merged them.' })
  cause!: MergeCause;
  @Field(() => String, { nullable: true, description: 'The API key that merged them (by hand or by the event it sent).' })
  actor!: string | null;
  @Field({ description: 'Why: the admin’s reason, or the identity that linked them.' })
  reason!: string;
  @Field(() => Date, { description: 'When the merge was made.' })
  mergedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When it was undone; null while it stands.' })
  unmergedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'The API key that undid it.' })
  unmergedBy!: string | null;
  @Field(() => Int, { description: 'Touchpoints moved to the survivor.' })
  touchpointsMoved!: number;
  @Field(() => Int, { description: 'Stage transitions moved to the survivor.' })
  transitionsMoved!: number;
  @Field(() => [String], { description: 'The identities (externalIds, emails, anonymousIds) moved to the survivor.' })
  identitiesMoved!: string[];
  @Field(() => [String], { description: 'Attribute keys the survivor took from the merged customer (it lacked them).' })
  attributesAdded!: string[];
}

@ObjectType({ description: 'A merge or an unmerge, as the live stream delivers it.' })
export class CustomerMergeChange {
  @Field(() => ID, { description: 'The merge.' })
  mergeId!: string;
  @Field({ description: '`merged` or `unmerged`.' })
  kind!: string;
  @Field(() => ID, { description: 'The survivor.' })
  intoId!: string;
  @Field(() => ID, { description: 'The merged customer.' })
  fromId!: string;
  @Field(() => Date, { description: 'When it happened.' })
  occurredAt!: Date;
}

@ObjectType({ description: 'A merge or unmerge delivered by the live stream, with its position in the log.' })
export class CustomerMergeEvent {
  @Field({ description: 'Pass as `after` to resume after this event.' })
  cursor!: string;
  @Field(() => CustomerMergeChange, { description: 'What happened.' })
  change!: CustomerMergeChange;
}
