import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RULE_LIMITS, validateSegmentRule } from '../rule-validation';
import { ruleArbitrary } from './rule-arbitraries';

const issuesOf = (input: unknown) => validateSegmentRule(input).issues;

/** `not` nested `depth` levels around a condition (the root is level 1). */
function nested(depth: number): unknown {
  let rule: unknown = { field: { field: 'ORDERS', operator: 'GTE', value: 1 } };
  for (let level = 1; level < depth; level++) rule = { not: rule };
  return rule;
}

describe('segment rule validation', () => {
  it('accepts a rule and returns it normalised: behaviour defaults filled in, dates as ISO text, nulls dropped', () => {
    const result = validateSegmentRule({
      and: [
        { behaviour: { types: ['purchase'], withinDays: 90, aggregate: null, operator: null, value: null } },
        {
          behaviour: {
            types: ['login'],
            from: new Date('2026-01-01T00:00:00Z'),
            to: '2026-02-01T00:00:00+01:00',
            operator: 'EQ',
            value: 0,
          },
        },
        { field: { field: 'LAST_SEEN_AT', operator: 'GTE', value: '2026-03-01T12:00:00+02:00' } },
        { attribute: { name: 'plan', operator: 'IN', value: ['pro', 'team'] } },
        { acquisition: { channels: ['ads'] } },
      ],
    });
    expect(result).toEqual({
      issues: [],
      rule: {
        and: [
          { behaviour: { types: ['purchase'], withinDays: 90, aggregate: 'COUNT', operator: 'GTE', value: 1 } },
          {
            behaviour: {
              types: ['login'],
              from: '2026-01-01T00:00:00.000Z',
              to: '2026-01-31T23:00:00.000Z',
              aggregate: 'COUNT',
              operator: 'EQ',
              value: 0,
            },
          },
          { field: { field: 'LAST_SEEN_AT', operator: 'GTE', value: '2026-03-01T10:00:00.000Z' } },
          { attribute: { name: 'plan', operator: 'IN', value: ['pro', 'team'] } },
          { acquisition: { touch: 'ACQUIRING', channels: ['ads'] } },
        ],
      },
    });
  });

  it('reports every problem with its path in the tree', () => {
    expect(
      issuesOf({
        and: [
          { field: { field: 'ORDERS', operator: 'CONTAINS', value: 2 } },
          { field: { field: 'SHOE_SIZE', operator: 'EQ', value: 42 } },
          { behaviour: { types: ['purchase'], withinDays: 0, aggregate: 'COUNT', value: 1.5 } },
          { not: { attribute: { name: 'a..b', operator: 'GT', value: 'ten' } } },
          { field: { field: 'STAGE', operator: 'EQ', value: 'x' }, attribute: { name: 'plan', operator: 'EXISTS' } },
          { or: [] },
          { acquisition: { touch: 'LAST' } },
        ],
      }),
    ).toEqual([
      { path: 'rule.and[0].field.operator', message: 'CONTAINS does not apply here; use one of EQ, NEQ, IN, LT, LTE, GT, GTE, EXISTS' },
      {
        path: 'rule.and[1].field.field',
        message:
          '"SHOE_SIZE" is not a field; one of STAGE, DAYS_IN_STAGE, FIRST_SEEN_AT, LAST_SEEN_AT, DAYS_SINCE_FIRST_SEEN, DAYS_SINCE_LAST_SEEN, ORDERS, REVENUE, NPS_SCORE',
      },
      { path: 'rule.and[2].behaviour.withinDays', message: 'must be between 1 and 36500, got 0' },
      { path: 'rule.and[2].behaviour.value', message: 'a count is a whole number of at least 0, got 1.5' },
      { path: 'rule.and[3].not.attribute.name', message: '"a..b" has an empty part; write names like plan or address.country' },
      { path: 'rule.and[3].not.attribute.value', message: 'must be a number, got "ten"' },
      { path: 'rule.and[4]', message: 'give exactly one of and, or, not, field, attribute, behaviour, acquisition; got field, attribute' },
      { path: 'rule.and[5].or', message: 'must be a list of at least one rule' },
      { path: 'rule.and[6].acquisition.touch', message: '"LAST" is not one of ACQUIRING, FIRST' },
    ]);
  });

  it('checks values against what the field holds', () => {
    expect(issuesOf({ field: { field: 'FIRST_SEEN_AT', operator: 'LT', value: '2026-02-30T00:00:00Z' } })).toEqual([
      {
        path: 'rule.field.value',
        message: '"2026-02-30T00:00:00Z" is not an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00Z',
      },
    ]);
    expect(issuesOf({ field: { field: 'DAYS_IN_STAGE', operator: 'GT', value: 40_000 } })).toEqual([
      { path: 'rule.field.value', message: 'must be between 0 and 36500 days, got 40000' },
    ]);
    expect(issuesOf({ field: { field: 'STAGE', operator: 'EXISTS', value: 'x' } })).toEqual([
      { path: 'rule.field.value', message: 'EXISTS takes no value' },
    ]);
    expect(issuesOf({ attribute: { name: 'plan', operator: 'EQ' } })).toEqual([
      { path: 'rule.attribute.value', message: 'give a value to compare with (EQ); EXISTS tests presence' },
    ]);
    expect(issuesOf({ behaviour: { withinDays: 30, from: '2026-01-01T00:00:00Z' } })).toEqual([
      { path: 'rule.behaviour.withinDays', message: 'give withinDays or from/to, not both' },
    ]);
    expect(issuesOf({ behaviour: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } })).toEqual([
      { path: 'rule.behaviour.to', message: 'must be after from (2026-02-01T00:00:00.000Z)' },
    ]);
  });

  it('refuses text PostgreSQL cannot store (NUL, lone surrogates), in names, values and JSON keys, naming where', () => {
    expect(
      issuesOf({
        or: [
          { attribute: { name: 'pl\u0000an', operator: 'EXISTS' } },
          { behaviour: { types: ['\uD800'] } },
          { attribute: { name: 'plan', operator: 'EQ', value: { ['k\uDC00']: 1 } } },
        ],
      }),
    ).toEqual([
      { path: 'rule.or[0].attribute.name', message: 'contains a NUL character (\\u0000), which cannot be stored' },
      {
        path: 'rule.or[1].behaviour.types[0]',
        message: 'contains a lone UTF-16 surrogate (half of a \\uD800–\\uDFFF pair), which is not valid Unicode',
      },
      {
        path: 'rule.or[2].attribute.value',
        message: 'has a key that contains a lone UTF-16 surrogate (half of a \\uD800–\\uDFFF pair), which is not valid Unicode',
      },
    ]);
  });

  it(`accepts ${RULE_LIMITS.maxDepth} levels and refuses ${RULE_LIMITS.maxDepth + 1}, naming the first node too deep`, () => {
    expect(issuesOf(nested(RULE_LIMITS.maxDepth))).toEqual([]);
    expect(issuesOf(nested(RULE_LIMITS.maxDepth + 1))).toEqual([
      { path: `rule${'.not'.repeat(RULE_LIMITS.maxDepth)}`, message: 'nests deeper than 16 levels' },
    ]);
  });

  it('refuses 100,000 levels of nesting without overflowing the stack, reading each node a bounded number of times', () => {
    // The work is counted, not timed: every node is a proxy that counts each
    // read of it (property, key list, prototype). Validation that reads each
    // node a fixed number of times is linear in the rule's size, and a
    // validator that handed the rule to the recursive schema, or walked it
    // once per level, would read the upper nodes thousands of times.
    const reads: number[] = [];
    const counted = (target: object, index: number): object => {
      reads[index] = 0;
      const count = () => {
        reads[index] += 1;
      };
      return new Proxy(target, {
        get: (object, key, receiver) => (count(), Reflect.get(object, key, receiver)),
        has: (object, key) => (count(), Reflect.has(object, key)),
        ownKeys: (object) => (count(), Reflect.ownKeys(object)),
        getOwnPropertyDescriptor: (object, key) => (count(), Reflect.getOwnPropertyDescriptor(object, key)),
        getPrototypeOf: (object) => (count(), Reflect.getPrototypeOf(object)),
      });
    };
    const depth = 100_000;
    let rule: object = counted({ field: { field: 'ORDERS', operator: 'GTE', value: 1 } }, depth - 1);
    for (let level = depth - 1; level >= 1; level--) rule = counted({ not: rule }, level - 1);

    expect(issuesOf(rule)).toEqual([
      { path: 'rule', message: 'the rule has 100000 groups and conditions; at most 200' },
      { path: `rule${'.not'.repeat(16)}`, message: 'nests deeper than 16 levels' },
    ]);
    expect(reads.length).toBe(depth);
    expect(reads.every((count) => count >= 1)).toBe(true);
    expect(Math.max(...reads.slice(0, 1000))).toBeLessThanOrEqual(8);
    expect(reads.reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(8 * depth);
  });

  it('refuses 10,000 conditions with one issue, not 10,000', () => {
    const condition = { field: { field: 'ORDERS', operator: 'GTE', value: 1 } };
    expect(issuesOf({ or: Array.from({ length: 10_000 }, () => condition) })).toEqual([
      { path: 'rule', message: 'the rule has 10001 groups and conditions; at most 200' },
    ]);
    expect(issuesOf({ or: Array.from({ length: 199 }, () => condition) })).toEqual([]);
  });

  it("reads GraphQL's null as an omitted field: nulls added to every node and condition change nothing (property)", () => {
    const OPTIONAL = [
      'value',
      'withinDays',
      'from',
      'to',
      'aggregate',
      'operator',
      'touch',
      'types',
      'channels',
      'campaigns',
      'properties',
    ];
    const KINDS = ['and', 'or', 'not', 'field', 'attribute', 'behaviour', 'acquisition'];
    const isObject = (value: unknown): value is Record<string, unknown> =>
      typeof value === 'object' && value !== null && !Array.isArray(value);
    /** `condition` with null for each optional field it leaves out, and for a field no condition has. */
    const withNulls = (condition: unknown): unknown =>
      isObject(condition)
        ? {
            ...Object.fromEntries(OPTIONAL.map((key) => [key, null])),
            ...condition,
            unused: null,
            ...(Array.isArray(condition.properties) && { properties: condition.properties.map(withNulls) }),
          }
        : condition;
    const nullsIn = (node: unknown): unknown => {
      if (!isObject(node)) return node;
      const given = Object.entries(node).map(([kind, value]) => {
        if (kind === 'not') return [kind, nullsIn(value)];
        if (kind === 'and' || kind === 'or') return [kind, Array.isArray(value) ? value.map(nullsIn) : value];
        return [kind, withNulls(value)];
      });
      return { ...Object.fromEntries(KINDS.map((kind) => [kind, null])), ...Object.fromEntries(given) };
    };
    fc.assert(
      fc.property(ruleArbitrary, (rule) => {
        expect(validateSegmentRule(nullsIn(rule))).toEqual(validateSegmentRule(rule));
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws, whatever it is given, and every issue names a path inside the rule', () => {
    fc.assert(
      fc.property(fc.oneof(ruleArbitrary, fc.anything(), fc.jsonValue()), (input) => {
        const result = validateSegmentRule(input);
        for (const issue of result.issues) expect(issue.path.startsWith('rule')).toBe(true);
        expect(result.rule === null).toBe(result.issues.length > 0);
      }),
      { numRuns: 2000 },
    );
  });
});
