import { MAX_TEXT, textProblem } from '../../core/ids';
import { validateSegmentRule } from '../segments';
import { PRESET_KEYS } from './playbook-presets';
import type { SegmentRule } from '../segments';

/*
 * What a playbook is, as plain data, and the one check of a submitted one.
 * Pure: the stages and segments a playbook may name come in as arguments.
 *
 * Invariants of a valid definition:
 * - the trigger has exactly the fields its kind uses, each within its limits;
 * - every number of days, hours or purchases is a whole number in its range
 *   (0, negatives, fractions and 10^9 are refused, naming the field);
 * - stages and segments it names exist (unknown ones are refused by name);
 * - the condition, when given, is a valid segment rule (its own size and
 *   depth limits apply: a huge condition is refused before anything stores
 *   or compiles it).
 */

export const TRIGGER_KINDS = [
  'STAGE_ENTERED',
  'SEGMENT_ENTERED',
  'SEGMENT_EXITED',
  'STUCK_IN_STAGE',
  'NO_TOUCHPOINT',
  'TOUCHPOINT',
] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

/** What a playbook reacts to. */
export type PlaybookTrigger =
  | { kind: 'STAGE_ENTERED'; stage: string }
  | { kind: 'SEGMENT_ENTERED'; segmentId: string }
  | { kind: 'SEGMENT_EXITED'; segmentId: string }
  | { kind: 'STUCK_IN_STAGE'; stage: string; days: number }
  | { kind: 'NO_TOUCHPOINT'; days: number }
  /** A touchpoint of this type; with `nth`, only the customer's nth one of that type (by time). */
  | { kind: 'TOUCHPOINT'; touchpointType: string; nth: number | null };

/** A playbook as stored. */
export type PlaybookDefinition = {
  name: string;
  /** The preset it was made from (`playbookPresets`), or null. */
  preset: string | null;
  description: string | null;
  enabled: boolean;
  trigger: PlaybookTrigger;
  /** Hours between meeting the trigger and firing. */
  delayHours: number;
  /** Whether the trigger must still hold when the playbook fires (still in the stage or segment, still idle). */
  recheck: boolean;
  /** A segment rule the customer must match when the playbook fires; null for none. */
  condition: SegmentRule | null;
  /** At most one firing per customer per this many days. */
  cooldownDays: number;
  /** The window, from when it fired (or would have), in which reaching a later stage or a purchase counts as its outcome. */
  outcomeDays: number;
};

/** A submitted trigger, as GraphQL delivers it: every field optional. */
export type TriggerInput = {
  kind: string;
  stage?: string | null;
  segmentId?: string | null;
  days?: number | null;
  touchpointType?: string | null;
  nth?: number | null;
};

/** A submitted playbook (a creation, or an existing one with changes applied). */
export type PlaybookInput = {
  name: string;
  preset?: string | null;
  description?: string | null;
  enabled?: boolean | null;
  trigger: TriggerInput;
  delayHours?: number | null;
  recheck?: boolean | null;
  condition?: unknown;
  cooldownDays?: number | null;
  outcomeDays?: number | null;
};

export const PLAYBOOK_LIMITS = {
  minDays: 1,
  maxDays: 3650,
  maxDelayHours: 8760,
  maxOutcomeDays: 365,
  maxNth: 1000,
  maxDescription: 4096,
  maxTouchpointType: 100,
} as const;

export const PLAYBOOK_DEFAULTS = { delayHours: 0, recheck: true, cooldownDays: 30, outcomeDays: 30 } as const;

/** One problem, with the path of the field as the caller wrote it. */
export type PlaybookIssue = { path: string; message: string };

/** What a playbook may name: the model's stages (funnel and off-path) and the ids of the segments that exist. */
export type PlaybookContext = { stages: readonly string[]; segmentIds: ReadonlySet<string> };

/** Which trigger fields each kind uses; any other given field is refused. */
const TRIGGER_FIELDS: Record<TriggerKind, ReadonlyArray<keyof Omit<TriggerInput, 'kind'>>> = {
  STAGE_ENTERED: ['stage'],
  SEGMENT_ENTERED: ['segmentId'],
  SEGMENT_EXITED: ['segmentId'],
  STUCK_IN_STAGE: ['stage', 'days'],
  NO_TOUCHPOINT: ['days'],
  TOUCHPOINT: ['touchpointType', 'nth'],
};
const OPTIONAL_TRIGGER_FIELDS: ReadonlySet<string> = new Set(['nth']);

/** Checks a whole playbook; every problem is reported, each with its path under `path`. */
export function validatePlaybook(
  input: PlaybookInput,
  context: PlaybookContext,
  path = 'input',
): { definition: PlaybookDefinition | null; issues: PlaybookIssue[] } {
  const issues: PlaybookIssue[] = [];
  const name = checkText(input.name, `${path}.name`, MAX_TEXT, issues, true);
  const description =
    input.description == null ? null : checkText(input.description, `${path}.description`, PLAYBOOK_LIMITS.maxDescription, issues, false);
  const trigger = checkTrigger(input.trigger, context, `${path}.trigger`, issues);
  const delayHours = wholeNumber(
    input.delayHours ?? PLAYBOOK_DEFAULTS.delayHours,
    `${path}.delayHours`,
    0,
    PLAYBOOK_LIMITS.maxDelayHours,
    issues,
  );
  const cooldownDays = wholeNumber(
    input.cooldownDays ?? PLAYBOOK_DEFAULTS.cooldownDays,
    `${path}.cooldownDays`,
    PLAYBOOK_LIMITS.minDays,
    PLAYBOOK_LIMITS.maxDays,
    issues,
  );
  const outcomeDays = wholeNumber(
    input.outcomeDays ?? PLAYBOOK_DEFAULTS.outcomeDays,
    `${path}.outcomeDays`,
    PLAYBOOK_LIMITS.minDays,
    PLAYBOOK_LIMITS.maxOutcomeDays,
    issues,
  );
  const preset = input.preset ?? null;
  if (preset !== null && !(PRESET_KEYS as readonly string[]).includes(preset))
    issues.push({ path: `${path}.preset`, message: `must be one of ${PRESET_KEYS.join(', ')}` });
  let condition: SegmentRule | null = null;
  if (input.condition != null) {
    const validation = validateSegmentRule(input.condition, `${path}.condition`);
    issues.push(...validation.issues);
    condition = validation.rule;
  }
  if (issues.length > 0 || name === null || trigger === null) return { definition: null, issues };
  return {
    definition: {
      name,
      preset,
      description: description === '' ? null : description,
      enabled: input.enabled ?? false,
      trigger,
      delayHours,
      recheck: input.recheck ?? PLAYBOOK_DEFAULTS.recheck,
      condition,
      cooldownDays,
      outcomeDays,
    },
    issues,
  };
}

function checkTrigger(
  input: TriggerInput | null | undefined,
  context: PlaybookContext,
  path: string,
  issues: PlaybookIssue[],
): PlaybookTrigger | null {
  if (input == null || typeof input !== 'object') {
    issues.push({ path, message: 'give the trigger' });
    return null;
  }
  if (!(TRIGGER_KINDS as readonly string[]).includes(input.kind)) {
    issues.push({ path: `${path}.kind`, message: `must be one of ${TRIGGER_KINDS.join(', ')}` });
    return null;
  }
  const kind = input.kind as TriggerKind;
  const before = issues.length;
  const uses = TRIGGER_FIELDS[kind];
  for (const field of ['stage', 'segmentId', 'days', 'touchpointType', 'nth'] as const) {
    const given = input[field] != null;
    if (given && !uses.includes(field))
      issues.push({ path: `${path}.${field}`, message: `is not used by a ${kind} trigger; leave it out` });
    if (!given && uses.includes(field) && !OPTIONAL_TRIGGER_FIELDS.has(field))
      issues.push({ path: `${path}.${field}`, message: `a ${kind} trigger needs it` });
  }
  if (issues.length > before) return null;
  const stage = (): string => checkStage(input.stage as string, context, `${path}.stage`, issues);
  const days = (): number => wholeNumber(input.days as number, `${path}.days`, PLAYBOOK_LIMITS.minDays, PLAYBOOK_LIMITS.maxDays, issues);
  const segmentId = (): string => checkSegment(input.segmentId as string, context, `${path}.segmentId`, issues);
  let trigger: PlaybookTrigger;
  switch (kind) {
    case 'STAGE_ENTERED':
      trigger = { kind, stage: stage() };
      break;
    case 'SEGMENT_ENTERED':
    case 'SEGMENT_EXITED':
      trigger = { kind, segmentId: segmentId() };
      break;
    case 'STUCK_IN_STAGE':
      trigger = { kind, stage: stage(), days: days() };
      break;
    case 'NO_TOUCHPOINT':
      trigger = { kind, days: days() };
      break;
    case 'TOUCHPOINT': {
      const touchpointType = checkText(
        input.touchpointType as string,
        `${path}.touchpointType`,
        PLAYBOOK_LIMITS.maxTouchpointType,
        issues,
        true,
      );
      const nth = input.nth == null ? null : wholeNumber(input.nth, `${path}.nth`, 1, PLAYBOOK_LIMITS.maxNth, issues);
      trigger = { kind, touchpointType: touchpointType ?? '', nth };
      break;
    }
  }
  return issues.length > before ? null : trigger;
}

function checkStage(stage: string, context: PlaybookContext, path: string, issues: PlaybookIssue[]): string {
  if (!context.stages.includes(stage)) {
    const shown = stage.length > 100 ? `${stage.slice(0, 100)}…` : stage;
    issues.push({ path, message: `the lifecycle model has no stage "${shown}" (its stages: ${context.stages.join(', ')})` });
  }
  return stage;
}

function checkSegment(segmentId: string, context: PlaybookContext, path: string, issues: PlaybookIssue[]): string {
  const id = segmentId.toLowerCase();
  if (!context.segmentIds.has(id)) {
    const shown = segmentId.length > 100 ? `${segmentId.slice(0, 100)}…` : segmentId;
    issues.push({ path, message: `no segment with id "${shown}"` });
  }
  return id;
}

/** Trimmed text within `max` characters that PostgreSQL can store; null (with an issue) otherwise. */
function checkText(value: string, path: string, max: number, issues: PlaybookIssue[], required: boolean): string | null {
  if (typeof value !== 'string') {
    issues.push({ path, message: 'must be text' });
    return null;
  }
  const text = value.trim();
  if (required && text === '') {
    issues.push({ path, message: 'must not be empty' });
    return null;
  }
  if (text.length > max) {
    issues.push({ path, message: `must be at most ${max} characters (got ${text.length})` });
    return null;
  }
  const problem = textProblem(text);
  if (problem !== null) {
    issues.push({ path, message: problem });
    return null;
  }
  return text;
}

function wholeNumber(value: number, path: string, min: number, max: number, issues: PlaybookIssue[]): number {
  if (!Number.isInteger(value) || value < min || value > max)
    issues.push({ path, message: `must be a whole number from ${min} to ${max} (got ${value})` });
  return value;
}

/** The trigger's own condition, in words: for timelines, the dashboard and the webhook payload's `description`. */
export function describeTrigger(trigger: PlaybookTrigger): string {
  switch (trigger.kind) {
    case 'STAGE_ENTERED':
      return `entered the ${trigger.stage} stage`;
    case 'SEGMENT_ENTERED':
      return `entered segment ${trigger.segmentId}`;
    case 'SEGMENT_EXITED':
      return `left segment ${trigger.segmentId}`;
    case 'STUCK_IN_STAGE':
      return `in the ${trigger.stage} stage for ${trigger.days} days`;
    case 'NO_TOUCHPOINT':
      return `no touchpoint for ${trigger.days} days`;
    case 'TOUCHPOINT':
      return trigger.nth === null ? `a ${trigger.touchpointType} touchpoint` : `touchpoint ${trigger.touchpointType} number ${trigger.nth}`;
  }
}
