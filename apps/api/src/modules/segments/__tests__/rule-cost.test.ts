import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { behaviourWindowDays, previewSegmentCost, RULE_COST, ruleCost, segmentDefinitionCost } from '../rule-cost';
import { validateSegmentRule } from '../rule-validation';
import { ruleArbitrary } from './rule-arbitraries';

const AS_OF = new Date('2026-06-01T00:00:00Z');

/** `n` behaviour conditions "at least one purchase", with `window` added to each, under one `and`. */
function behaviours(n: number, window: Record<string, unknown> = {}): unknown {
  return { and: Array.from({ length: n }, () => ({ behaviour: { types: ['purchase'], ...window } })) };
}

describe('the price of a segment rule', () => {
  it('prices a field or attribute condition at 1', () => {
    expect(ruleCost({ field: { field: 'ORDERS', operator: 'GTE', value: 2 } }, AS_OF)).toBe(1);
    expect(ruleCost({ attribute: { name: 'plan', operator: 'EQ', value: 'pro' } }, AS_OF)).toBe(1);
  });

  it('prices groups at 1 per node: and(a, or(b, not(c))) is 6', () => {
    const leaf = { field: { field: 'STAGE', operator: 'EQ', value: 'retention' } };
    expect(ruleCost({ and: [leaf, { or: [leaf, { not: leaf }] }] }, AS_OF)).toBe(6);
  });

  it('adds a lookup field once per field name: NPS twice is 2 + 50', () => {
    const nps = { field: { field: 'NPS_SCORE', operator: 'GTE', value: 9 } };
    expect(ruleCost({ or: [nps, nps] }, AS_OF)).toBe(3 + 50);
  });

  it('joins acquisitions once: two acquisition conditions are 3 + 10', () => {
    expect(ruleCost({ or: [{ acquisition: { touch: 'FIRST' } }, { acquisition: { channels: ['ads'] } }] }, AS_OF)).toBe(3 + 10);
  });

  it('prices a behaviour condition by its window: 1 + 100 + ⌈days ÷ 4⌉', () => {
    // 90 days: 1 + 100 + 23; 30 days: 1 + 100 + 8; all history (3,650 days): 1 + 100 + 913.
    expect(ruleCost({ behaviour: { types: ['purchase'], withinDays: 90 } }, AS_OF)).toBe(124);
    expect(ruleCost({ behaviour: { withinDays: 30 } }, AS_OF)).toBe(109);
    expect(ruleCost({ behaviour: { types: ['purchase'] } }, AS_OF)).toBe(1014);
  });

  it('prices from/to by their span, from alone up to asOf, and 10 per property condition', () => {
    expect(ruleCost({ behaviour: { from: '2026-01-01T00:00:00Z', to: '2026-01-11T00:00:00Z' } }, AS_OF)).toBe(1 + 100 + 3);
    // 2026-05-02 → 2026-06-01: 30 days.
    expect(ruleCost({ behaviour: { from: '2026-05-02T00:00:00Z' } }, AS_OF)).toBe(1 + 100 + 8);
    const properties = [
      { property: 'plan', operator: 'EQ', value: 'annual' },
      { property: 'coupon', operator: 'EXISTS' },
    ];
    expect(ruleCost({ behaviour: { withinDays: 4, properties } }, AS_OF)).toBe(1 + 100 + 1 + 20);
  });

  it('caps a window at ten years and never goes below none', () => {
    expect(behaviourWindowDays({ withinDays: 36_500 }, AS_OF)).toBe(3650);
    expect(behaviourWindowDays({ from: '0001-01-01T00:00:00Z' }, AS_OF)).toBe(3650);
    expect(behaviourWindowDays({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, AS_OF)).toBe(0);
    expect(behaviourWindowDays({ to: '2026-01-01T00:00:00Z' }, AS_OF)).toBe(3650);
  });

  it('prices the reported preview of ~200 behaviour conditions far above the default limit of 10,000', () => {
    // 1 (and) + 199 × (1 + 100 + 913): 200 nodes, as many as the validator allows
    expect(ruleCost(behaviours(199), AS_OF)).toBe(201_787);
    // Even within 30 days each: 1 + 199 × (1 + 100 + 8)
    expect(ruleCost(behaviours(199, { withinDays: 30 }), AS_OF)).toBe(21_692);
    // What a rule builder sends: three conditions over 90 days and a field.
    expect(
      ruleCost(
        {
          and: [
            ...(behaviours(3, { withinDays: 90 }) as { and: unknown[] }).and,
            { field: { field: 'ORDERS', operator: 'GTE', value: 1 } },
          ],
        },
        AS_OF,
      ),
    ).toBe(1 + 3 * 124 + 1);
  });

  it('prices a rule larger than the validator allows at 1, so its refusal names the node limit', () => {
    expect(ruleCost(behaviours(200), AS_OF)).toBe(1);
    expect(ruleCost({ or: Array.from({ length: 10_000 }, () => ({ field: { field: 'ORDERS', operator: 'GTE', value: 1 } })) }, AS_OF)).toBe(
      1,
    );
  });

  it('prices what is not a rule at nothing (the validator refuses it)', () => {
    expect(ruleCost(null, AS_OF)).toBe(0);
    expect(ruleCost('and', AS_OF)).toBe(0);
    expect(ruleCost([{ field: {} }], AS_OF)).toBe(0);
    expect(ruleCost({ and: 'x', behaviour: 5 }, AS_OF)).toBe(1);
  });

  it('prices the preview and definition fields from their arguments', () => {
    const rule = { behaviour: { withinDays: 90 } };
    expect(previewSegmentCost({ args: { rule, asOf: '2026-06-01T00:00:00Z' }, selections: ['count'] })).toBe(124);
    expect(segmentDefinitionCost({ args: { input: { name: 'buyers', rule } }, selections: ['id'] })).toBe(124);
    expect(segmentDefinitionCost({ args: { id: 'x', input: { name: 'renamed' } }, selections: ['id'] })).toBe(1);
  });

  it('is a finite whole number for any rule, and adding a condition never lowers it', () => {
    fc.assert(
      fc.property(ruleArbitrary, ruleArbitrary, (rule, other) => {
        const cost = ruleCost(rule, AS_OF);
        expect(Number.isInteger(cost) && cost >= 0).toBe(true);
        const combined = { and: [rule, other] };
        if (validateSegmentRule(combined).issues.every((issue) => !issue.message.includes('groups and conditions; at most')))
          expect(ruleCost(combined, AS_OF)).toBeGreaterThanOrEqual(cost + RULE_COST.node);
      }),
    );
  });
});
