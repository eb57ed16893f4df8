import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { allStageKeys, LIFECYCLE_PRESETS } from '@clm/schema';
import { MAX_TEXT } from '../../../core/ids';
import { PLAYBOOK_LIMITS, validatePlaybook } from '../playbook-definition';
import type { PlaybookInput, TriggerInput } from '../playbook-definition';
import { playbookPresets } from '../playbook-presets';

const SEGMENT = '0f8c1a52-3b4d-4c6e-9f00-0000000000aa';
const CONTEXT = {
  stages: ['awareness', 'acquisition', 'engagement', 'retention', 'advocacy', 'at-risk', 'churned'],
  segmentIds: new Set([SEGMENT]),
};
const base = (trigger: TriggerInput, rest: Partial<PlaybookInput> = {}): PlaybookInput => ({ name: 'Welcome', trigger, ...rest });
const issuesOf = (input: PlaybookInput) => validatePlaybook(input, CONTEXT).issues;

describe('playbook definitions', () => {
  it('accepts each kind of trigger with its defaults filled in', () => {
    expect(validatePlaybook(base({ kind: 'STAGE_ENTERED', stage: 'acquisition' }), CONTEXT)).toEqual({
      issues: [],
      definition: {
        name: 'Welcome',
        preset: null,
        description: null,
        enabled: false,
        trigger: { kind: 'STAGE_ENTERED', stage: 'acquisition' },
        delayHours: 0,
        recheck: true,
        condition: null,
        cooldownDays: 30,
        outcomeDays: 30,
      },
    });
    const triggers: Array<[TriggerInput, unknown]> = [
      [
        { kind: 'SEGMENT_ENTERED', segmentId: SEGMENT.toUpperCase() },
        { kind: 'SEGMENT_ENTERED', segmentId: SEGMENT },
      ],
      [
        { kind: 'SEGMENT_EXITED', segmentId: SEGMENT },
        { kind: 'SEGMENT_EXITED', segmentId: SEGMENT },
      ],
      [
        { kind: 'STUCK_IN_STAGE', stage: 'engagement', days: 14 },
        { kind: 'STUCK_IN_STAGE', stage: 'engagement', days: 14 },
      ],
      [
        { kind: 'NO_TOUCHPOINT', days: 60 },
        { kind: 'NO_TOUCHPOINT', days: 60 },
      ],
      [
        { kind: 'TOUCHPOINT', touchpointType: 'purchase' },
        { kind: 'TOUCHPOINT', touchpointType: 'purchase', nth: null },
      ],
      [
        { kind: 'TOUCHPOINT', touchpointType: 'purchase', nth: 2 },
        { kind: 'TOUCHPOINT', touchpointType: 'purchase', nth: 2 },
      ],
    ];
    for (const [input, expected] of triggers) expect(validatePlaybook(base(input), CONTEXT).definition?.trigger).toEqual(expected);
  });

  it('names every problem with its field: unknown stage and segment, fields the kind does not use, missing ones', () => {
    expect(
      issuesOf(
        base({ kind: 'STUCK_IN_STAGE', stage: 'limbo', days: 0 }, { cooldownDays: -1, outcomeDays: 1e9, delayHours: 0.5, name: ' ' }),
      ),
    ).toEqual([
      { path: 'input.name', message: 'must not be empty' },
      { path: 'input.trigger.stage', message: expect.stringContaining('the lifecycle model has no stage "limbo"') },
      { path: 'input.trigger.days', message: 'must be a whole number from 1 to 3650 (got 0)' },
      { path: 'input.delayHours', message: 'must be a whole number from 0 to 8760 (got 0.5)' },
      { path: 'input.cooldownDays', message: 'must be a whole number from 1 to 3650 (got -1)' },
      { path: 'input.outcomeDays', message: 'must be a whole number from 1 to 365 (got 1000000000)' },
    ]);
    expect(issuesOf(base({ kind: 'SEGMENT_ENTERED', segmentId: '0f8c1a52-3b4d-4c6e-9f00-0000000000bb' }))).toEqual([
      { path: 'input.trigger.segmentId', message: 'no segment with id "0f8c1a52-3b4d-4c6e-9f00-0000000000bb"' },
    ]);
    expect(issuesOf(base({ kind: 'NO_TOUCHPOINT', stage: 'engagement' }))).toEqual([
      { path: 'input.trigger.stage', message: 'is not used by a NO_TOUCHPOINT trigger; leave it out' },
      { path: 'input.trigger.days', message: 'a NO_TOUCHPOINT trigger needs it' },
    ]);
    expect(issuesOf(base({ kind: 'PREDICTION' }))).toEqual([
      { path: 'input.trigger.kind', message: expect.stringContaining('must be one of STAGE_ENTERED') },
    ]);
    expect(issuesOf(base({ kind: 'TOUCHPOINT', touchpointType: 'purchase', nth: 0 }, { preset: 'spam' }))).toEqual([
      { path: 'input.trigger.nth', message: 'must be a whole number from 1 to 1000 (got 0)' },
      { path: 'input.preset', message: expect.stringContaining('must be one of welcome') },
    ]);
  });

  it('refuses a condition that is not a valid segment rule, by its path', () => {
    expect(
      issuesOf(base({ kind: 'NO_TOUCHPOINT', days: 30 }, { condition: { field: { field: 'NOPE', operator: 'EQ', value: 1 } } })),
    ).toEqual([expect.objectContaining({ path: expect.stringMatching(/^input\.condition/) })]);
  });

  it('refuses any number of days outside 1–3650, of hours outside 0–8760, and any fraction (property)', () => {
    const outside = fc.oneof(
      fc.integer({ min: -2_000_000_000, max: 0 }),
      fc.integer({ min: PLAYBOOK_LIMITS.maxDays + 1, max: 2_000_000_000 }),
      fc.double({ noNaN: false }).filter((value) => !Number.isInteger(value)),
      fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e9, -0.5),
    );
    fc.assert(
      fc.property(outside, fc.constantFrom('days', 'cooldownDays', 'delayHours'), (value, field) => {
        if (field === 'delayHours' && Number.isInteger(value) && value >= 0 && value <= PLAYBOOK_LIMITS.maxDelayHours) return;
        const input =
          field === 'days' ? base({ kind: 'NO_TOUCHPOINT', days: value }) : base({ kind: 'NO_TOUCHPOINT', days: 7 }, { [field]: value });
        const result = validatePlaybook(input, CONTEXT);
        expect(result.definition).toBeNull();
        expect(result.issues.map((issue) => issue.path)).toEqual([field === 'days' ? 'input.trigger.days' : `input.${field}`]);
      }),
    );
  });

  it('accepts every whole number of days inside the range and keeps it (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: PLAYBOOK_LIMITS.maxDays }),
        fc.integer({ min: 0, max: PLAYBOOK_LIMITS.maxDelayHours }),
        (days, hours) => {
          const result = validatePlaybook(
            base({ kind: 'STUCK_IN_STAGE', stage: 'engagement', days }, { delayHours: hours, cooldownDays: days }),
            CONTEXT,
          );
          expect(result.issues).toEqual([]);
          expect(result.definition).toMatchObject({ trigger: { days }, delayHours: hours, cooldownDays: days });
        },
      ),
    );
  });

  it('refuses unknown stages and segments of any text, lone surrogates and NUL included, naming the field (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        fc.pre(!CONTEXT.stages.includes(text) && !CONTEXT.segmentIds.has(text.toLowerCase()));
        expect(issuesOf(base({ kind: 'STAGE_ENTERED', stage: text })).map((issue) => issue.path)).toEqual(['input.trigger.stage']);
        expect(issuesOf(base({ kind: 'SEGMENT_EXITED', segmentId: text })).map((issue) => issue.path)).toEqual(['input.trigger.segmentId']);
      }),
    );
  });

  it('refuses names and touchpoint types PostgreSQL cannot store or that are too long (property)', () => {
    const bad = fc.oneof(
      fc.string({ minLength: 1, maxLength: 20 }).map((text) => `${text}\u0000`),
      fc.string({ maxLength: 20 }).map((text) => `x${text}\uD800`),
      fc.string().map((text) => `${'x'.repeat(MAX_TEXT)}${text}x`),
    );
    fc.assert(
      fc.property(bad, (text) => {
        expect(issuesOf(base({ kind: 'TOUCHPOINT', touchpointType: text })).map((issue) => issue.path)).toEqual([
          'input.trigger.touchpointType',
        ]);
        expect(issuesOf({ name: text, trigger: { kind: 'NO_TOUCHPOINT', days: 3 } }).map((issue) => issue.path)).toEqual(['input.name']);
      }),
    );
  });

  it('refuses a huge or deeply nested condition without throwing', () => {
    let deep: unknown = { field: { field: 'ORDERS', operator: 'GTE', value: 1 } };
    for (let level = 0; level < 100_000; level++) deep = { not: deep };
    const wide = { or: Array.from({ length: 50_000 }, () => ({ attribute: { name: 'plan', operator: 'EQ', value: 'x'.repeat(10) } })) };
    for (const condition of [deep, wide]) {
      const result = validatePlaybook(base({ kind: 'NO_TOUCHPOINT', days: 30 }, { condition }), CONTEXT);
      expect(result.definition).toBeNull();
      expect(result.issues[0].path).toMatch(/^input\.condition/);
    }
  });
});

describe('playbook presets', () => {
  it('fill in the classic model: welcome on acquisition, survey 3 days after a purchase, win-back at-risk, review after the second purchase, stuck in engagement 14 days', () => {
    const presets = playbookPresets(LIFECYCLE_PRESETS.classic);
    expect(presets.map((preset) => [preset.key, preset.input.trigger, preset.input.delayHours])).toEqual([
      ['welcome', { kind: 'STAGE_ENTERED', stage: LIFECYCLE_PRESETS.classic.acquiredStage }, 0],
      ['post-purchase-survey', { kind: 'TOUCHPOINT', touchpointType: 'purchase' }, 72],
      ['win-back', { kind: 'STAGE_ENTERED', stage: 'at-risk' }, 0],
      ['review-request', { kind: 'TOUCHPOINT', touchpointType: 'purchase', nth: 2 }, 48],
      ['stuck-in-engagement', { kind: 'STUCK_IN_STAGE', stage: 'engagement', days: 14 }, 0],
    ]);
  });

  it('are valid playbooks for every preset model', () => {
    for (const model of Object.values(LIFECYCLE_PRESETS)) {
      for (const preset of playbookPresets(model)) {
        expect(validatePlaybook(preset.input, { stages: allStageKeys(model), segmentIds: new Set() }).issues).toEqual([]);
      }
    }
  });
});
