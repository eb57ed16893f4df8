import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parse } from 'graphql';
import type { GraphQLSchema } from 'graphql';
import { TEST_LIMITS } from '../../testing';
import { costError, operationCost, operationCosts } from '../operation-limits';
import { buildClmSchema } from '../schema';

/*
 * The rules, from operation-limits.ts: every field costs 1; a `…Connection`
 * field costs 1 + (page size × the cost of its selection), the page size
 * being `first`, else `last`, at least 1. `__typename` is not a field of the
 * type and costs nothing. Defaults (of variables or arguments) are left to
 * their own tests: every connection below is given its size.
 */

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildClmSchema();
});

function cost(source: string, variables: Record<string, unknown> = {}, operationName?: string): number {
  return operationCost(schema, parse(source), operationName, variables);
}

describe('operationCost', () => {
  it('counts each plain field once', () => {
    // viewer 1 + name 1 + scopes 1
    expect(cost('{ viewer { name scopes } }')).toBe(3);
  });

  it('multiplies a connection’s selection by its literal first', () => {
    // selection: totalCount 1 + edges (1 + cursor 1 + node (1 + id 1 + email 1)) = 1 + 5 = 6; customers: 1 + 10 × 6
    expect(cost('{ customers(first: 10) { totalCount edges { cursor node { id email } } } }')).toBe(61);
  });

  it('multiplies by last when paging backwards', () => {
    // selection: edges (1 + node (1 + id 1)) = 3; customers: 1 + 3 × 3
    expect(cost('{ customers(last: 3, before: "c") { edges { node { id } } } }')).toBe(10);
  });

  it('reads the page size from a variable', () => {
    const query = 'query Page($n: Int) { customers(first: $n) { totalCount edges { cursor node { id email } } } }';
    // 1 + 10 × 6 and 1 + 200 × 6, as with literals
    expect(cost(query, { n: 10 })).toBe(61);
    expect(cost(query, { n: 200 })).toBe(1201);
  });

  it('costs the same with a literal as with a variable of the same value, for any page size', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 500 }), (size) => {
        const selection = '{ totalCount edges { cursor node { id email } } }';
        const literal = cost(`{ customers(first: ${size}) ${selection} }`);
        // A page of 0 (or less) still costs its selection once.
        expect(literal).toBe(1 + Math.max(size, 1) * 6);
        expect(cost(`query ($n: Int) { customers(first: $n) ${selection} }`, { n: size })).toBe(literal);
      }),
      { numRuns: 200 },
    );
  });

  it('multiplies nested connections', () => {
    // touchpoints: 1 + 5 × (edges 1 + node (1 + type 1)) = 1 + 5 × 3 = 16
    // customers' selection: edges (1 + node (1 + id 1 + touchpoints 16)) = 1 + 18 = 19; customers: 1 + 10 × 19
    const query = '{ customers(first: 10) { edges { node { id touchpoints(first: 5) { edges { node { type } } } } } } }';
    expect(cost(query)).toBe(191);
  });

  it('multiplies nested connections sized by variables', () => {
    // touchpoints: 1 + 20 × 3 = 61; customers' selection: 1 + (1 + 1 + 61) = 64; customers: 1 + 4 × 64
    const query = `query ($customers: Int, $touchpoints: Int!) {
      customers(first: $customers) { edges { node { id touchpoints(first: $touchpoints) { edges { node { type } } } } } }
    }`;
    expect(cost(query, { customers: 4, touchpoints: 20 })).toBe(257);
  });

  it('counts a fragment spread as its selection, the same as written inline', () => {
    const inline = '{ customers(first: 10) { edges { node { id email name } } } }';
    const withFragments = `
      query { customers(first: 10) { ...page } }
      fragment page on CustomerConnection { edges { node { ...who } } }
      fragment who on Customer { id email name }`;
    // selection: edges (1 + node (1 + 3)) = 5; customers: 1 + 10 × 5
    expect(cost(inline)).toBe(51);
    expect(cost(withFragments)).toBe(51);
  });

  it('counts a fragment spread twice as twice its selection', () => {
    const query = `
      { customers(first: 10) { edges { node { ...who ...who } } } }
      fragment who on Customer { id email name }`;
    // node: 1 + 3 + 3 = 7; edges: 8; customers: 1 + 10 × 8
    expect(cost(query)).toBe(81);
  });

  it('counts an inline fragment as its selection', () => {
    // node: 1 + id 1; edges: 3; customers: 1 + 2 × 3
    expect(cost('{ customers(first: 2) { edges { node { ... on Customer { id } } } } }')).toBe(7);
  });

  it('counts a fragment inside a variable-sized connection once per item', () => {
    const query = `
      query ($n: Int) { customers(first: $n) { ...page } }
      fragment page on CustomerConnection { totalCount pageInfo { hasNextPage endCursor } }`;
    // selection: totalCount 1 + pageInfo (1 + 2) = 4; customers: 1 + 25 × 4
    expect(cost(query, { n: 25 })).toBe(101);
  });

  it('stops at a fragment that spreads itself instead of looping (validation refuses such a document anyway)', () => {
    const query = `
      { customers(first: 1) { edges { node { ...loop } } } }
      fragment loop on Customer { id ...loop }`;
    // node: 1 + id 1 (the inner spread is skipped); edges: 3; customers: 1 + 1 × 3
    expect(cost(query)).toBe(4);
  });

  it('does not charge for __typename', () => {
    // selection: totalCount 1; customers: 1 + 4 × 1
    expect(cost('{ __typename customers(first: 4) { __typename totalCount } }')).toBe(5);
  });

  it('costs the named operation of a document with several, the first without a name, and nothing for an unknown name', () => {
    const document = 'query Who { viewer { name } } query Count { customers(first: 2) { totalCount } }';
    // Who: viewer 1 + name 1; Count: 1 + 2 × 1
    expect(cost(document, {}, 'Who')).toBe(2);
    expect(cost(document, {}, 'Count')).toBe(3);
    expect(cost(document)).toBe(2);
    expect(cost(document, {}, 'Missing')).toBe(0);
  });

  it('costs mutations and subscriptions from their own root types', () => {
    // createCustomer 1 + id 1 + touchpoints (1 + 3 × totalCount 1) = 6
    expect(cost('mutation { createCustomer(input: { externalId: "a" }) { id touchpoints(first: 3) { totalCount } } }')).toBe(6);
    // stageTransitions 1 + cursor 1 + transition (1 + id 1 + customer (1 + email 1)) = 1 + 1 + 4 = 6
    expect(cost('subscription { stageTransitions { cursor transition { id customer { email } } } }')).toBe(6);
  });
});

describe('operationCost with defaults', () => {
  const NESTED = `edges { node { id touchpoints(first: $m) { edges { node { id } } } } }`;

  it('counts a variable left out by its default in the operation, as the server will run it', () => {
    // touchpoints: 1 + 200 × (edges 1 + node 1 + id 1) = 601; node: 1 + id 1 + 601 = 603; edges: 1 + 603 = 604; customers: 1 + 500 × 604
    const withDefaults = cost(`query ($n: Int = 500, $m: Int = 200) { customers(first: $n) { ${NESTED} } }`);
    const withLiterals = cost(`{ customers(first: 500) { edges { node { id touchpoints(first: 200) { edges { node { id } } } } } } }`);
    expect(withDefaults).toBe(302_001);
    expect(withDefaults).toBe(withLiterals);
    expect(costError(withDefaults, TEST_LIMITS)?.extensions.code).toBe('COST_LIMIT_EXCEEDED');
  });

  it('lets a variable that was sent win over its default, an explicit null included', () => {
    // first: 2 → customers: 1 + 2 × (edges 1 + node 1 + id 1) = 7
    expect(cost(`query ($n: Int = 500) { customers(first: $n) { edges { node { id } } } }`, { n: 2 })).toBe(7);
    // null: no page size sent, so the schema's own default for customers (none: 50) applies: 1 + 50 × 3
    expect(cost(`query ($n: Int = 500) { customers(first: $n) { edges { node { id } } } }`, { n: null })).toBe(151);
  });

  it("counts a connection argument left out by the argument's schema default", () => {
    // Customer.touchpoints has first = 20 by default: 1 + 20 × (edges 1 + node 1 + id 1) = 61; node 1 + id 1 + 61 = 63; edges 64; customers 1 + 1 × 64
    expect(cost(`{ customers(first: 1) { edges { node { id touchpoints { edges { node { id } } } } } } }`)).toBe(65);
  });
});

describe('costError', () => {
  it('lets an operation at the limit through', () => {
    expect(costError(TEST_LIMITS.maxCost, TEST_LIMITS)).toBeNull();
  });

  it('refuses one over the limit with a coded error carrying the cost and the limit', () => {
    const error = costError(10_001, TEST_LIMITS);
    expect(error?.message).toBe('operation cost 10001 exceeds the limit of 10000; ask for fewer items or fields');
    expect(error?.extensions).toEqual({ code: 'COST_LIMIT_EXCEEDED', cost: 10_001, limit: 10_000, http: { status: 400 } });
  });
});

describe('operationCost of priced fields', () => {
  it('prices the customers behind a metric by the days of its range, on top of the page, and leaves other lists unpriced', () => {
    const page = '{ totalCount edges { node { id } } }';
    // selection: totalCount 1 + edges (1 + node (1 + id 1)) = 4; an ordinary list: 1 + 10 × 4, and no priced field
    const plain = `{ customers(first: 10, filter: { stage: "retention" }) ${page} }`;
    expect(cost(plain)).toBe(41);
    expect(operationCosts(schema, parse(plain), undefined, {}).priced).toEqual([]);
    // 90 days (2026-01-01..2026-03-31): 1 + 2 × 90 = 181, + 10 × 4
    const behind = (metric: string) => `{ behind: customers(first: 10, filter: { metric: { ${metric} } }) ${page} }`;
    const newCustomers = behind('membership: NEW_CUSTOMERS, from: "2026-01-01", to: "2026-03-31"');
    expect(cost(newCustomers)).toBe(181 + 40);
    expect(operationCosts(schema, parse(newCustomers), undefined, {}).priced).toEqual([{ field: 'behind', price: 181 }]);
    // narrowed by a channel and a segment: 1 + 2 × 90 × 3 = 541; a range the filter refuses counts one day: 1 + 2 = 3
    expect(cost(behind('membership: NEW_CUSTOMERS, from: "2026-01-01", to: "2026-03-31", channel: "email", segment: "s"'))).toBe(541 + 40);
    expect(cost(behind('membership: NEW_CUSTOMERS, from: "2026-03-31", to: "2026-01-01"'))).toBe(3 + 40);
  });

  /** 30 days by day: every metric costs ⌈30 ÷ 10⌉ + 4 × 30 = 123 (metric-cost.ts). */
  const RANGE = '{ from: "2026-01-01", to: "2026-01-30" }';

  it('prices metrics by the metrics selected, and adds what is selected below as usual', () => {
    // metrics: 2 metrics × 123 = 246; from 1; sales 1 + total 1; nps 1 + responses 1
    expect(cost(`{ metrics(range: ${RANGE}) { from sales { total } nps { responses } } }`)).toBe(246 + 1 + 2 + 2);
  });

  it('counts each alias of a priced field, so 15 aliases cost 15 prices', () => {
    const aliased = Array.from({ length: 15 }, (_, index) => `m${index}: metrics(range: ${RANGE}) { sales { total } }`).join(' ');
    // each: 123 + sales 1 + total 1
    expect(cost(`{ ${aliased} }`)).toBe(15 * 125);
    expect(operationCosts(schema, parse(`{ ${aliased} }`), undefined, {}).priced).toHaveLength(15);
  });

  it('reads the arguments from variables and their defaults, and the metrics through fragments', () => {
    const query = `query ($range: DayRangeInput!, $bucket: MetricBucket = WEEK, $filter: MetricFilterInput) {
      metrics(range: $range, bucket: $bucket, filter: $filter, compareToPrevious: true) { ...Both }
    }
    fragment Both on Metrics { sales { total } ... on Metrics { cac { total } } }`;
    // 2026-01-01..2026-01-31 by ISO week: 5 buckets; 2 × (4 + 4 × 5) × 2 = 96; with a segment 2 × (2 × 31 + 5) × 2 = 268;
    // plus 4 for the fields
    const range = { from: '2026-01-01', to: '2026-01-31' };
    expect(cost(query, { range })).toBe(96 + 4);
    expect(cost(query, { range, filter: { segment: 'a' } })).toBe(268 + 4);
    expect(cost(query, { range, bucket: 'DAY', filter: { segment: 'a' } })).toBe(2 * (62 + 31) * 2 + 4);
  });

  it('prices a preview by its rule and a segment definition by its new rule', () => {
    // one behaviour condition over 90 days: 1 + 100 + 23 (rule-cost.ts); count 1
    const rule = '{ behaviour: { types: ["purchase"], withinDays: 90 } }';
    expect(cost(`{ previewSegment(rule: ${rule}) { count } }`)).toBe(125);
    expect(
      cost(`query ($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { count } }`, { rule: { behaviour: { withinDays: 90 } } }),
    ).toBe(125);
    expect(cost(`mutation { createSegment(input: { name: "b", rule: ${rule} }) { id } }`)).toBe(125);
    expect(cost(`mutation { updateSegment(id: "x", input: { name: "c" }) { id } }`)).toBe(2);
  });

  it('lists the priced fields by alias, and fields without a price are not listed', () => {
    const { total, priced } = operationCosts(
      schema,
      parse(`{ viewer { name } a: previewSegment(rule: { field: { field: ORDERS, operator: GTE, value: 2 } }) { count } }`),
      undefined,
      {},
    );
    expect({ total, priced }).toEqual({ total: 2 + 2, priced: [{ field: 'a', price: 1 }] });
  });

  it('refuses a preview of 199 behaviour conditions before it runs, naming the cost, the limit and the field', () => {
    const rule = { and: Array.from({ length: 199 }, () => ({ behaviour: { types: ['purchase'] } })) };
    const { total, priced } = operationCosts(
      schema,
      parse('query ($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { count } }'),
      undefined,
      { rule },
    );
    expect(total).toBe(201_788);
    const error = costError(total, TEST_LIMITS, priced);
    expect(error?.message).toBe(
      'operation cost 201788 exceeds the limit of 10000 (previewSegment 201787); ask for a shorter range, coarser buckets, fewer metrics, fewer or narrower conditions',
    );
    expect(error?.extensions).toEqual({ code: 'COST_LIMIT_EXCEEDED', cost: 201_788, limit: 10_000, http: { status: 400 } });
  });
});
