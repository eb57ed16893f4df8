import { describe, expect, it } from 'vitest';
import { describeTrigger, draftFromPreset, draftProblems, draftToInput, emptyDraft, ordinal } from '../playbook-draft';

const stages = [
  { key: 'acquisition', name: 'Acquisition' },
  { key: 'engagement', name: 'Engagement' },
];
const segments = [{ id: 's1', name: 'Pro accounts' }];

describe('the playbook draft', () => {
  it('sends only the trigger fields its kind uses, numbers as numbers', () => {
    const draft = { ...emptyDraft(), name: ' Nudge ', kind: 'STUCK_IN_STAGE' as const, stage: 'engagement', days: '14', segmentId: 's1' };
    expect(draftToInput(draft, null)).toEqual({
      name: 'Nudge',
      description: null,
      preset: null,
      enabled: false,
      trigger: { kind: 'STUCK_IN_STAGE', stage: 'engagement', days: 14 },
      delayHours: 0,
      recheck: true,
      condition: null,
      cooldownDays: 30,
      outcomeDays: 30,
    });
    const nth = draftToInput(
      { ...emptyDraft(), name: 'Review', kind: 'TOUCHPOINT', touchpointType: 'purchase', nth: '2' },
      { field: null },
    );
    expect(nth.trigger).toEqual({ kind: 'TOUCHPOINT', touchpointType: 'purchase', nth: 2 });
    expect(draftToInput({ ...emptyDraft(), kind: 'TOUCHPOINT', nth: ' ' }, null).trigger).toEqual({
      kind: 'TOUCHPOINT',
      touchpointType: 'purchase',
    });
  });

  it('names the fields that are not whole numbers by the API paths, leaving ranges to the API', () => {
    const draft = { ...emptyDraft(), kind: 'NO_TOUCHPOINT' as const, days: '1.5', delayHours: 'soon', cooldownDays: '-3', nth: 'x' };
    expect(draftProblems(draft)).toEqual([
      { path: 'input.trigger.days', message: 'Give a whole number.' },
      { path: 'input.delayHours', message: 'Give a whole number.' },
    ]);
  });

  it('starts from a preset turned on, with its numbers', () => {
    const draft = draftFromPreset({
      key: 'review-request',
      name: 'Review request',
      trigger: { kind: 'TOUCHPOINT', touchpointType: 'purchase', nth: 2, stage: null, segmentId: null, days: null },
      delayHours: 48,
      cooldownDays: 365,
      outcomeDays: 30,
    });
    expect(draft).toMatchObject({
      name: 'Review request',
      preset: 'review-request',
      enabled: true,
      kind: 'TOUCHPOINT',
      nth: '2',
      delayHours: '48',
    });
  });

  it('describes triggers in words, with stage and segment names', () => {
    const none = { stage: null, segmentId: null, days: null, touchpointType: null, nth: null };
    expect(describeTrigger({ ...none, kind: 'STAGE_ENTERED', stage: 'acquisition' }, stages, segments)).toBe('Entered Acquisition');
    expect(describeTrigger({ ...none, kind: 'SEGMENT_EXITED', segmentId: 's1' }, stages, segments)).toBe('Left “Pro accounts”');
    expect(describeTrigger({ ...none, kind: 'STUCK_IN_STAGE', stage: 'engagement', days: 14 }, stages, segments)).toBe(
      'In Engagement for 14 days',
    );
    expect(describeTrigger({ ...none, kind: 'TOUCHPOINT', touchpointType: 'purchase', nth: 2 }, stages, segments)).toBe('2nd purchase');
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 111].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '111th',
    ]);
  });
});
