import type { CreatePlaybookInput, PlaybookTriggerFieldsFragment, PlaybookTriggerKind, SegmentRuleInput } from '../../gql/graphql';

/*
 * The playbook builder's form as plain data: text fields as typed, turned
 * into the API's input (only the trigger fields its kind uses) by one pure
 * function. Ranges are the API's to check; the builder only refuses what is
 * not a whole number before sending.
 */

export type PlaybookDraft = {
  name: string;
  description: string;
  preset: string | null;
  enabled: boolean;
  kind: PlaybookTriggerKind;
  stage: string;
  segmentId: string;
  days: string;
  touchpointType: string;
  nth: string;
  delayHours: string;
  recheck: boolean;
  cooldownDays: string;
  outcomeDays: string;
};

export const TRIGGER_KINDS: ReadonlyArray<{ kind: PlaybookTriggerKind; label: string }> = [
  { kind: 'STAGE_ENTERED', label: 'Entered a stage' },
  { kind: 'SEGMENT_ENTERED', label: 'Entered a segment' },
  { kind: 'SEGMENT_EXITED', label: 'Left a segment' },
  { kind: 'STUCK_IN_STAGE', label: 'Stuck in a stage for N days' },
  { kind: 'NO_TOUCHPOINT', label: 'No touchpoint for N days' },
  { kind: 'TOUCHPOINT', label: 'A touchpoint (or the nth one)' },
];

/** Which draft fields each kind of trigger uses. */
export const KIND_FIELDS: Record<PlaybookTriggerKind, ReadonlyArray<'stage' | 'segmentId' | 'days' | 'touchpointType' | 'nth'>> = {
  STAGE_ENTERED: ['stage'],
  SEGMENT_ENTERED: ['segmentId'],
  SEGMENT_EXITED: ['segmentId'],
  STUCK_IN_STAGE: ['stage', 'days'],
  NO_TOUCHPOINT: ['days'],
  TOUCHPOINT: ['touchpointType', 'nth'],
};

export function emptyDraft(): PlaybookDraft {
  return {
    name: '',
    description: '',
    preset: null,
    enabled: false,
    kind: 'STAGE_ENTERED',
    stage: '',
    segmentId: '',
    days: '14',
    touchpointType: 'purchase',
    nth: '',
    delayHours: '0',
    recheck: true,
    cooldownDays: '30',
    outcomeDays: '30',
  };
}

type PresetLike = {
  key: string;
  name: string;
  trigger: PlaybookTriggerFieldsFragment;
  delayHours: number;
  cooldownDays: number;
  outcomeDays: number;
};

/** A preset in the builder, to adjust before turning it on. */
export function draftFromPreset(preset: PresetLike): PlaybookDraft {
  return { ...draftFromTrigger(preset.trigger), name: preset.name, preset: preset.key, enabled: true, ...numbers(preset) };
}

function draftFromTrigger(trigger: PlaybookTriggerFieldsFragment): PlaybookDraft {
  const draft = emptyDraft();
  return {
    ...draft,
    kind: trigger.kind,
    stage: trigger.stage ?? '',
    segmentId: trigger.segmentId ?? '',
    days: trigger.days == null ? draft.days : String(trigger.days),
    touchpointType: trigger.touchpointType ?? draft.touchpointType,
    nth: trigger.nth == null ? '' : String(trigger.nth),
  };
}

function numbers(source: { delayHours: number; cooldownDays: number; outcomeDays: number }) {
  return { delayHours: String(source.delayHours), cooldownDays: String(source.cooldownDays), outcomeDays: String(source.outcomeDays) };
}

/** Fields that are not whole numbers, by the API's paths (`input.trigger.days`). */
export function draftProblems(draft: PlaybookDraft): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const check = (text: string, path: string, optional = false) => {
    if (optional && text.trim() === '') return;
    if (!/^-?\d+$/.test(text.trim())) problems.push({ path, message: 'Give a whole number.' });
  };
  const uses = KIND_FIELDS[draft.kind];
  if (uses.includes('days')) check(draft.days, 'input.trigger.days');
  if (uses.includes('nth')) check(draft.nth, 'input.trigger.nth', true);
  check(draft.delayHours, 'input.delayHours');
  check(draft.cooldownDays, 'input.cooldownDays');
  check(draft.outcomeDays, 'input.outcomeDays');
  return problems;
}

/** The API's input for a draft (check `draftProblems` first) and its condition (null for none). */
export function draftToInput(draft: PlaybookDraft, condition: SegmentRuleInput | null): CreatePlaybookInput {
  const uses = KIND_FIELDS[draft.kind];
  const whole = (text: string) => Number.parseInt(text.trim(), 10);
  return {
    name: draft.name.trim(),
    description: draft.description.trim() === '' ? null : draft.description.trim(),
    preset: draft.preset,
    enabled: draft.enabled,
    trigger: {
      kind: draft.kind,
      ...(uses.includes('stage') ? { stage: draft.stage } : {}),
      ...(uses.includes('segmentId') ? { segmentId: draft.segmentId } : {}),
      ...(uses.includes('days') ? { days: whole(draft.days) } : {}),
      ...(uses.includes('touchpointType') ? { touchpointType: draft.touchpointType.trim() } : {}),
      ...(uses.includes('nth') && draft.nth.trim() !== '' ? { nth: whole(draft.nth) } : {}),
    },
    delayHours: whole(draft.delayHours),
    recheck: draft.recheck,
    condition,
    cooldownDays: whole(draft.cooldownDays),
    outcomeDays: whole(draft.outcomeDays),
  };
}

/** A trigger in words, with stage and segment names. */
export function describeTrigger(
  trigger: PlaybookTriggerFieldsFragment,
  stages: ReadonlyArray<{ key: string; name: string }>,
  segments: ReadonlyArray<{ id: string; name: string }>,
): string {
  const stage = stages.find((candidate) => candidate.key === trigger.stage)?.name ?? trigger.stage ?? '';
  const segment = segments.find((candidate) => candidate.id === trigger.segmentId)?.name ?? 'a deleted segment';
  switch (trigger.kind) {
    case 'STAGE_ENTERED':
      return `Entered ${stage}`;
    case 'SEGMENT_ENTERED':
      return `Entered “${segment}”`;
    case 'SEGMENT_EXITED':
      return `Left “${segment}”`;
    case 'STUCK_IN_STAGE':
      return `In ${stage} for ${trigger.days} days`;
    case 'NO_TOUCHPOINT':
      return `No touchpoint for ${trigger.days} days`;
    case 'TOUCHPOINT':
      return trigger.nth == null ? `Each ${trigger.touchpointType}` : `${ordinal(trigger.nth)} ${trigger.touchpointType}`;
  }
}

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st … */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}
