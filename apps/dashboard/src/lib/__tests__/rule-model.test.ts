import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SegmentOperator } from '../../gql/graphql';
import { compileRule, newCondition, newRule, nodeForIssue, parseRule, updateNode } from '../rule-model';
import type { BehaviourNode, GroupNode, RuleNode } from '../rule-model';

/** The one behaviour condition of a parsed rule. */
function behaviourOf(root: GroupNode): BehaviourNode {
  const [node] = root.children;
  if (node?.kind !== 'behaviour') throw new Error(`expected a behaviour condition, got ${node?.kind}`);
  return node;
}

function newBehaviour(): BehaviourNode {
  const node = newCondition('behaviour');
  if (node.kind !== 'behaviour') throw new Error('newCondition made no behaviour condition');
  return node;
}

function withChild(root: GroupNode, child: RuleNode): GroupNode {
  return { ...root, children: [...root.children, child] };
}

describe('the rule model', () => {
  it('starts a new segment with "orders ≥ 1", sent as the condition alone', () => {
    expect(compileRule(newRule())).toMatchObject({ rule: { field: { field: 'ORDERS', operator: 'GTE', value: 1 } }, problems: [] });
  });

  it('sends two conditions of the root as an and of both', () => {
    const root = withChild(newRule(), newCondition('acquisition'));
    expect(compileRule(root).rule).toEqual({
      and: [{ field: { field: 'ORDERS', operator: 'GTE', value: 1 } }, { acquisition: { touch: 'ACQUIRING' } }],
    });
  });

  it('reads a behaviour condition with property filters and a between-dates window into editable text', () => {
    const stored = {
      behaviour: {
        types: ['purchase'],
        channels: ['web', 'shop, east'],
        properties: [
          { property: 'gift', operator: 'EQ', value: true },
          { property: 'items', operator: 'IN', value: [1, 3] },
          { property: 'coupon', operator: 'EXISTS' },
        ],
        from: '2026-11-03T00:00:00.000Z',
        to: '2026-11-05T12:30:00.000Z',
        aggregate: 'COUNT',
        operator: 'GTE',
        value: 2,
      },
    };
    const behaviour = behaviourOf(parseRule(stored));
    expect(behaviour).toMatchObject({
      types: 'purchase',
      channels: '["web","shop, east"]',
      window: 'between',
      from: '2026-11-03',
      to: '2026-11-05T12:30:00.000Z',
      value: '2',
    });
    expect(behaviour.properties.map(({ property, operator, value }) => [property, operator, value])).toEqual([
      ['gift', 'EQ', 'true'],
      ['items', 'IN', '1, 3'],
      ['coupon', 'EXISTS', ''],
    ]);
    expect(compileRule(parseRule(stored))).toMatchObject({ rule: stored, problems: [] });
  });

  it('turns typed days and dates into the instants the API takes', () => {
    const root = newRule();
    const behaviour: BehaviourNode = {
      ...newBehaviour(),
      window: 'between',
      from: '2026-11-03',
      to: '',
      properties: [{ id: 'p1', property: ' rating ', operator: 'GTE', value: '4' }],
    };
    expect(compileRule({ ...root, children: [behaviour] }).rule).toEqual({
      behaviour: {
        types: ['purchase'],
        properties: [{ property: 'rating', operator: 'GTE', value: 4 }],
        from: '2026-11-03T00:00:00.000Z',
        aggregate: 'COUNT',
        operator: 'GTE',
        value: 1,
      },
    });
  });

  it('names what is wrong with a behaviour condition before asking the API', () => {
    const base = newBehaviour();
    const problems = (change: Partial<BehaviourNode>) =>
      compileRule({ ...newRule(), children: [{ ...base, ...change }] }).problems.map((problem) => problem.message);
    expect(problems({ withinDays: '0' })).toEqual(['The window must be a whole number of days from 1 to 36500.']);
    expect(problems({ withinDays: '2.5' })).toEqual(['The window must be a whole number of days from 1 to 36500.']);
    expect(problems({ window: 'between', from: 'yesterday' })).toEqual([
      '"yesterday" is not a date: write 2026-11-01 or 2026-11-01T09:30:00Z.',
    ]);
    expect(problems({ window: 'between' })).toEqual(['Give a first day, a day to stop before, or both.']);
    expect(problems({ value: 'two' })).toEqual(['The amount must be a number.']);
    expect(problems({ properties: [{ id: 'p', property: '', operator: 'EQ', value: '1' }] })).toEqual([
      'Name the touchpoint property (e.g. rating or survey.score).',
    ]);
    expect(problems({ properties: [{ id: 'p', property: 'rating', operator: 'LT', value: 'high' }] })).toEqual([
      '"high" is not a number; < compares numbers.',
    ]);
    expect(problems({ properties: [{ id: 'p', property: 'rating', operator: 'EQ', value: ' ' }] })).toEqual([
      'Give a value (write "" for empty text).',
    ]);
  });

  it('attaches an API issue inside a property filter to its behaviour condition', () => {
    const behaviour = newCondition('behaviour');
    const compiled = compileRule(withChild(newRule(), behaviour));
    expect(compiled.paths.get(behaviour.id)).toBe('and[1]');
    expect(nodeForIssue('input.rule.and[1].behaviour.properties[0].value', compiled.paths)).toBe(behaviour.id);
  });

  it('negates a condition and removes one by id', () => {
    const root = newRule();
    const [orders] = root.children;
    const negated = updateNode(root, orders.id, (node) => ({ ...node, negated: true }));
    expect(compileRule(negated).rule).toEqual({ not: { field: { field: 'ORDERS', operator: 'GTE', value: 1 } } });
    expect(compileRule(updateNode(root, orders.id, () => null)).rule).toBeNull();
  });

  it('gives back every rule the API accepts unchanged: compileRule(parseRule(rule)) is the rule', () => {
    fc.assert(
      fc.property(apiRule, (rule) => {
        const compiled = compileRule(parseRule(rule));
        expect(compiled.problems).toEqual([]);
        expect(compiled.rule).toEqual(rule);
      }),
      { numRuns: 400 },
    );
  });
});

/*
 * Rules as the API stores and returns them (rule-validation.ts normalises:
 * defaults filled in, instants as toISOString(), no nulls).
 */
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => (Object.is(value, -0) ? 0 : value));
const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}(\.[a-z][a-z0-9_]{0,6}){0,2}$/);
const nonBlank = fc.string({ minLength: 1, maxLength: 10 }).filter((text) => text.trim() !== '');
const names = fc.array(nonBlank, { minLength: 1, maxLength: 3 });
const instant = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .chain((date) => fc.constantFrom(date, new Date(date.toISOString().slice(0, 10))))
  .map((date) => date.toISOString());
// As stored (jsonb): what JSON text keeps, so -0 anywhere inside is 0 (fast-check draws -0, which JSON writes as 0).
const json = fc
  .jsonValue({ maxDepth: 2 })
  .filter((value) => value !== null && JSON.stringify(JSON.parse(JSON.stringify(value))) === JSON.stringify(value))
  .map((value) => JSON.parse(JSON.stringify(value)) as typeof value);
const comparison = fc.constantFrom<SegmentOperator>('LT', 'LTE', 'GT', 'GTE');

/** An attribute or property comparison: operator and value as the API keeps them. */
const jsonCondition = fc.oneof(
  fc.record({ operator: fc.constant<SegmentOperator>('EXISTS') }),
  fc.record({ operator: comparison, value: finite }),
  fc.record({ operator: fc.constant<SegmentOperator>('IN'), value: fc.array(json, { minLength: 1, maxLength: 3 }) }),
  fc.record({ operator: fc.constantFrom<SegmentOperator>('EQ', 'NEQ', 'CONTAINS'), value: json }),
);

const field = fc.oneof(
  fc.record({ field: fc.constant('STAGE'), operator: fc.constantFrom<SegmentOperator>('EQ', 'NEQ', 'CONTAINS'), value: nonBlank }),
  fc.record({ field: fc.constant('STAGE'), operator: fc.constant<SegmentOperator>('IN'), value: names }),
  fc.record({
    field: fc.constantFrom('ORDERS', 'REVENUE', 'NPS_SCORE'),
    operator: fc.constantFrom<SegmentOperator>('EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE'),
    value: finite,
  }),
  fc.record({
    field: fc.constantFrom('ORDERS', 'REVENUE'),
    operator: fc.constant<SegmentOperator>('IN'),
    value: fc.array(finite, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ field: fc.constantFrom('FIRST_SEEN_AT', 'LAST_SEEN_AT'), operator: comparison, value: instant }),
  fc.record({
    field: fc.constantFrom('DAYS_IN_STAGE', 'DAYS_SINCE_FIRST_SEEN', 'DAYS_SINCE_LAST_SEEN'),
    operator: comparison,
    value: fc.double({ min: 0, max: 36_500, noNaN: true }).map((days) => (Object.is(days, -0) ? 0 : days)),
  }),
  fc.record({
    field: fc.constantFrom('STAGE', 'ORDERS', 'LAST_SEEN_AT', 'DAYS_IN_STAGE'),
    operator: fc.constant<SegmentOperator>('EXISTS'),
  }),
);

const attribute = fc.tuple(name, jsonCondition).map(([attributeName, condition]) => ({ name: attributeName, ...condition }));
const property = fc.tuple(name, jsonCondition).map(([propertyName, condition]) => ({ property: propertyName, ...condition }));

const window = fc.oneof(
  fc.constant({}),
  fc.record({ withinDays: fc.integer({ min: 1, max: 36_500 }) }),
  fc.record({ from: instant }),
  fc.record({ to: instant }),
  fc
    .tuple(instant, instant)
    .filter(([from, to]) => from < to)
    .map(([from, to]) => ({ from, to })),
);

const measure = fc.oneof(
  fc.record({ aggregate: fc.constant('COUNT'), value: fc.nat(1000) }),
  fc.record({ aggregate: fc.constant('SUM'), value: finite }),
);

const behaviour = fc
  .tuple(
    fc.record(
      { types: names, channels: names, campaigns: names, properties: fc.array(property, { minLength: 1, maxLength: 3 }) },
      { requiredKeys: [] },
    ),
    window,
    measure,
    fc.constantFrom<SegmentOperator>('EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE'),
  )
  .map(([filters, when, amount, operator]) => ({ ...filters, ...when, ...amount, operator }));

const acquisition = fc.record(
  { touch: fc.constantFrom('ACQUIRING', 'FIRST'), channels: names, campaigns: names },
  { requiredKeys: ['touch'] },
);

const { rule: apiRule } = fc.letrec<{ rule: Record<string, unknown> }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ field }),
    fc.record({ attribute }),
    fc.record({ behaviour }),
    fc.record({ acquisition }),
    fc.record({ and: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('rule') }),
  ),
}));
