import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Customer } from '../customers';
import type { SegmentRule } from '../segments';
import { TRIGGER_KINDS } from './playbook-definition';
import type { PlaybookTrigger as TriggerValue, TriggerKind } from './playbook-definition';

const KIND_DESCRIPTIONS: Record<TriggerKind, string> = {
  STAGE_ENTERED: 'The customer entered `stage` (at-risk and churned included).',
  SEGMENT_ENTERED: 'The customer entered the segment `segmentId`.',
  SEGMENT_EXITED: 'The customer left the segment `segmentId`.',
  STUCK_IN_STAGE: 'The customer has been in `stage` for `days` days without moving (a per-customer alert).',
  NO_TOUCHPOINT: 'The customer has had no touchpoint for `days` days.',
  TOUCHPOINT: 'A touchpoint of type `touchpointType`; with `nth`, only the customer’s nth one of that type (2: the second purchase).',
};
export const TriggerKindEnum = Object.fromEntries(TRIGGER_KINDS.map((kind) => [kind, kind]));
registerEnumType(TriggerKindEnum, {
  name: 'PlaybookTriggerKind',
  description: 'What a playbook reacts to. (A prediction crossing a threshold will join these when predictions land.)',
  valuesConfig: Object.fromEntries(TRIGGER_KINDS.map((kind) => [kind, { description: KIND_DESCRIPTIONS[kind] }])),
});

@ObjectType({ description: 'What a playbook reacts to; only the fields its kind uses are set.' })
export class PlaybookTrigger {
  @Field(() => TriggerKindEnum, { description: 'The kind of trigger.' })
  kind!: TriggerKind;
  @Field(() => String, { nullable: true, description: 'The stage (STAGE_ENTERED, STUCK_IN_STAGE).' })
  stage?: string | null;
  @Field(() => ID, { nullable: true, description: 'The segment (SEGMENT_ENTERED, SEGMENT_EXITED).' })
  segmentId?: string | null;
  @Field(() => Int, { nullable: true, description: 'Days (STUCK_IN_STAGE, NO_TOUCHPOINT).' })
  days?: number | null;
  @Field(() => String, { nullable: true, description: 'The touchpoint type (TOUCHPOINT).' })
  touchpointType?: string | null;
  @Field(() => Int, { nullable: true, description: 'Only the nth touchpoint of that type (TOUCHPOINT); null for every one.' })
  nth?: number | null;
}

/** A playbook as clients see it; `trigger` is the stored trigger value (its fields resolve by name). */
@ObjectType({
  description:
    'When something happens in a customer’s lifecycle, after an optional delay and if a condition still holds, at most once per customer per `cooldownDays`: deliver `playbook.fired` to the webhooks that want it. Measured by outcome.',
})
export class Playbook {
  @Field(() => ID, { description: 'The playbook id (a UUID).' })
  id!: string;
  @Field(() => String, { description: 'The name, unique (case-insensitive).' })
  name!: string;
  @Field(() => String, { nullable: true, description: 'What it is for.' })
  description!: string | null;
  @Field(() => String, { nullable: true, description: 'The preset it was made from, if any (see `playbookPresets`).' })
  preset!: string | null;
  @Field(() => Boolean, {
    description:
      'Whether it fires. While off, customers who meet its trigger are still recorded: they are the holdout its outcome is compared with.',
  })
  enabled!: boolean;
  @Field(() => PlaybookTrigger, { description: 'What it reacts to.' })
  trigger!: TriggerValue;
  @Field(() => Int, { description: 'Hours between meeting the trigger and firing (0: at once).' })
  delayHours!: number;
  @Field(() => Boolean, {
    description: 'Whether the trigger must still hold when it fires (still in the stage or segment, still without a touchpoint).',
  })
  recheck!: boolean;
  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'A segment rule the customer must match when it fires (same shape as `SegmentRuleInput`).',
  })
  condition!: SegmentRule | null;
  @Field(() => Int, { description: 'At most one firing per customer per this many days.' })
  cooldownDays!: number;
  @Field(() => Int, {
    description: 'The outcome window: days after it fired (or would have) in which reaching a later stage or a purchase counts.',
  })
  outcomeDays!: number;
  @Field(() => Date, { description: 'When it was created; only events clm received after this trigger it.' })
  createdAt!: Date;
  @Field(() => Date, { description: 'When it was last changed.' })
  updatedAt!: Date;
}

@ObjectType({
  description:
    'What a playbook led to. Counted over customers whose outcome window (from when it fired, or would have, to `outcomeDays` later) has ended: those it fired for, and the holdout — customers who met its trigger and condition while it was off, or while they were limited by `cooldownDays`. "Reached" means a later funnel stage than the one held at that moment (from at-risk or churned: any funnel stage), or a purchase, within the window.',
})
export class PlaybookOutcome {
  @Field(() => Int, { description: 'Firings whose window has ended.' })
  fired!: number;
  @Field(() => Int, { description: 'Of `fired`, how many reached a later stage or a purchase within the window.' })
  firedReached!: number;
  @Field(() => Float, { nullable: true, description: '`firedReached ÷ fired`; null when nothing fired.' })
  firedRate!: number | null;
  @Field(() => Int, { description: 'Holdout customers (met the trigger while the playbook was off or limited) whose window has ended.' })
  heldOut!: number;
  @Field(() => Int, { description: 'Of `heldOut`, how many reached a later stage or a purchase within the window.' })
  heldOutReached!: number;
  @Field(() => Float, { nullable: true, description: '`heldOutReached ÷ heldOut`; null without a holdout.' })
  heldOutRate!: number | null;
  @Field(() => Float, { nullable: true, description: '`firedRate − heldOutRate`: what the playbook adds; null unless both are known.' })
  lift!: number | null;
  @Field(() => Int, { description: 'Firings and holdout customers whose window is still open (not counted above yet).' })
  open!: number;
  @Field(() => Int, { description: 'Customers waiting for the delay to pass.' })
  pending!: number;
  @Field(() => Int, { description: 'Customers dropped because the trigger or condition no longer held when it was due.' })
  dropped!: number;
  @Field(() => Date, { description: 'The moment the windows were measured against.' })
  asOf!: Date;
}

/** One firing, as the timeline and the `playbook.fired` event carry it. */
@ObjectType({ description: 'A playbook fired for a customer.' })
export class PlaybookFiring {
  @Field(() => ID, { description: 'The firing id (its position in the firing log).' })
  id!: string;
  @Field(() => ID, { description: 'The playbook.' })
  playbookId!: string;
  @Field(() => String, { description: 'The playbook’s name when it fired.' })
  playbookName!: string;
  @Field(() => ID, { description: 'The customer.' })
  customerId!: string;
  @Field(() => PlaybookTrigger, { description: 'The trigger, as the playbook had it when it fired.' })
  trigger!: TriggerValue;
  @Field(() => String, {
    description:
      'What met the trigger: `transition:<id>`, `segment:<change id>`, `touchpoint:<id>`, `nth:<n>`, `stuck:<epoch of stage entry>`, `idle:<epoch of last touchpoint>`.',
  })
  triggerKey!: string;
  @Field(() => Date, { description: 'When the customer met the trigger.' })
  metAt!: Date;
  @Field(() => Date, { description: 'When it was due (met plus the delay).' })
  dueAt!: Date;
  @Field(() => Date, { description: 'When it fired.' })
  firedAt!: Date;
  /** Filled by the firing log (the webhook payload); null on timelines, where the customer is the parent. */
  customer!: Customer | null;
}

@ObjectType({ description: 'A ready-made playbook from the lifecycle strategies, filled in for the current lifecycle model.' })
export class PlaybookPreset {
  @Field(() => String, { description: 'Its key (`Playbook.preset` of a playbook made from it).' })
  key!: string;
  @Field(() => String, { description: 'Its name.' })
  name!: string;
  @Field(() => String, { description: 'What it does.' })
  description!: string;
  @Field(() => PlaybookTrigger, { description: 'Its trigger.' })
  trigger!: TriggerValue;
  @Field(() => Int, { description: 'Its delay in hours.' })
  delayHours!: number;
  @Field(() => Int, { description: 'Its limit: once per customer per this many days.' })
  cooldownDays!: number;
  @Field(() => Int, { description: 'Its outcome window in days.' })
  outcomeDays!: number;
  @Field(() => Boolean, { description: 'Whether a playbook made from it exists.' })
  inUse!: boolean;
}
