import { Field, ID, InputType, Int } from 'type-graphql';
import { SegmentRuleInput } from '../../segments';
import { PLAYBOOK_DEFAULTS, PLAYBOOK_LIMITS } from '../playbook-definition';
import { TriggerKindEnum } from '../playbook.type';

/*
 * The inputs of the playbook mutations. Ranges are checked by
 * validatePlaybook (one error naming every bad field), not here, so the
 * dashboard and the API report them the same way.
 */

@InputType({ description: 'What a playbook reacts to: `kind` and exactly the fields it uses.' })
export class PlaybookTriggerInput {
  @Field(() => TriggerKindEnum, { description: 'The kind of trigger.' })
  kind!: string;
  @Field(() => String, {
    nullable: true,
    description: 'A stage key of the lifecycle model, at-risk and churned included (STAGE_ENTERED, STUCK_IN_STAGE).',
  })
  stage?: string | null;
  @Field(() => ID, { nullable: true, description: 'An existing segment (SEGMENT_ENTERED, SEGMENT_EXITED).' })
  segmentId?: string | null;
  @Field(() => Int, {
    nullable: true,
    description: `Days, ${PLAYBOOK_LIMITS.minDays} to ${PLAYBOOK_LIMITS.maxDays} (STUCK_IN_STAGE, NO_TOUCHPOINT).`,
  })
  days?: number | null;
  @Field(() => String, { nullable: true, description: 'A touchpoint type, e.g. `purchase` (TOUCHPOINT).' })
  touchpointType?: string | null;
  @Field(() => Int, {
    nullable: true,
    description: `Only the customer’s nth touchpoint of that type by time, 1 to ${PLAYBOOK_LIMITS.maxNth} (TOUCHPOINT; omit for every one).`,
  })
  nth?: number | null;
}

@InputType({ description: 'A new playbook.' })
export class CreatePlaybookInput {
  @Field(() => String, { description: 'The name, unique (case-insensitive).' })
  name!: string;
  @Field(() => String, { nullable: true, description: 'What it is for.' })
  description?: string | null;
  @Field(() => String, { nullable: true, description: 'The preset it is made from (a `PlaybookPreset.key`), if any.' })
  preset?: string | null;
  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether it fires; default false (off: its trigger is still recorded, as the holdout).',
  })
  enabled?: boolean | null;
  @Field(() => PlaybookTriggerInput, { description: 'What it reacts to.' })
  trigger!: PlaybookTriggerInput;
  @Field(() => Int, {
    nullable: true,
    description: `Hours from the trigger to firing, 0 to ${PLAYBOOK_LIMITS.maxDelayHours}; default ${PLAYBOOK_DEFAULTS.delayHours}.`,
  })
  delayHours?: number | null;
  @Field(() => Boolean, { nullable: true, description: 'Whether the trigger must still hold when it fires; default true.' })
  recheck?: boolean | null;
  @Field(() => SegmentRuleInput, { nullable: true, description: 'A segment rule the customer must match when it fires.' })
  condition?: SegmentRuleInput | null;
  @Field(() => Int, {
    nullable: true,
    description: `At most one firing per customer per this many days, ${PLAYBOOK_LIMITS.minDays} to ${PLAYBOOK_LIMITS.maxDays}; default ${PLAYBOOK_DEFAULTS.cooldownDays}.`,
  })
  cooldownDays?: number | null;
  @Field(() => Int, {
    nullable: true,
    description: `The outcome window in days, ${PLAYBOOK_LIMITS.minDays} to ${PLAYBOOK_LIMITS.maxOutcomeDays}; default ${PLAYBOOK_DEFAULTS.outcomeDays}.`,
  })
  outcomeDays?: number | null;
}

@InputType({ description: 'Changes to a playbook; omitted fields stay. `clearCondition` removes the condition.' })
export class UpdatePlaybookInput {
  @Field(() => String, { nullable: true, description: 'The new name.' })
  name?: string | null;
  @Field(() => String, { nullable: true, description: 'The new description.' })
  description?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Turn it on or off.' })
  enabled?: boolean | null;
  @Field(() => PlaybookTriggerInput, { nullable: true, description: 'The new trigger.' })
  trigger?: PlaybookTriggerInput | null;
  @Field(() => Int, { nullable: true, description: 'The new delay in hours.' })
  delayHours?: number | null;
  @Field(() => Boolean, { nullable: true, description: 'Whether the trigger must still hold when it fires.' })
  recheck?: boolean | null;
  @Field(() => SegmentRuleInput, { nullable: true, description: 'The new condition.' })
  condition?: SegmentRuleInput | null;
  @Field(() => Boolean, { nullable: true, description: 'Remove the condition.' })
  clearCondition?: boolean | null;
  @Field(() => Int, { nullable: true, description: 'The new limit in days.' })
  cooldownDays?: number | null;
  @Field(() => Int, { nullable: true, description: 'The new outcome window in days.' })
  outcomeDays?: number | null;
}
