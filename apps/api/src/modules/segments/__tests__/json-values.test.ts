import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ConditionOperator, JsonValue } from '@clm/schema';
import fc from 'fast-check';
import { jsonNumber, readJsonPath } from '../../../core/json-values';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';
import { matches, newCustomerState } from '../../lifecycle';
import { sql } from '../../../database/sql';
import { compileSegmentRule } from '../rule-compiler';
import type { SegmentOperator, SegmentRule } from '../segment-rule';
import { RELATIONS } from './rule-arbitraries';

/*
 * One meaning for a value in a JSON document, on the real PostgreSQL: the
 * compiled segment SQL and the lifecycle rule engine agree on every path and
 * operator, an operator and its negation split the present values, and no
 * value a client can send makes the SQL fail.
 */

/** Keys that are names, list indexes, and what PostgreSQL's `#>` alone would take for one. */
const KEYS = ['a', 'tags', '0', '1', '2', '-1', '01', ' 1', '+1'];

/** Scalars that look like numbers in every way a client may send one, and some that do not. */
const TRICKY_TEXTS = [
  '7',
  ' 7 ',
  '-2.5',
  '.5',
  '1e3',
  '1E-2',
  '7\u3000',
  '\u3000 7',
  '\uff17',
  '9'.repeat(400),
  '0.' + '0'.repeat(400) + '1',
  '1e999999',
  '1e-999999',
  '1e308',
  '1e-308',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '1_000',
  '',
  ' ',
  '0000-01-01',
  '2026-02-30',
  '10000-01-01T00:00:00Z',
  '2026-03-01T12:00:00Z',
  'vip',
];

const scalar: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constantFrom<JsonValue>(...TRICKY_TEXTS),
  fc.integer({ min: -20, max: 20 }),
  fc.constantFrom<JsonValue>(0.5, -1.25, 1e300, true, false, null),
  fc.stringMatching(/^[0-9]{1,500}$/),
  fc.stringMatching(/^[\uff10-\uff19\u3000 0-9.eE+-]{1,12}$/),
);

const { value: jsonValue, document } = fc.letrec<{ value: JsonValue; document: { [key: string]: JsonValue } }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('value'), { maxLength: 3 }), tie('document')),
  document: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
}));

const path = fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));

const LIFECYCLE_OPERATOR: Record<SegmentOperator, ConditionOperator> = {
  EQ: 'eq',
  NEQ: 'neq',
  IN: 'in',
  LT: 'lt',
  LTE: 'lte',
  GT: 'gt',
  GTE: 'gte',
  EXISTS: 'exists',
  CONTAINS: 'contains',
};

type Condition = { operator: SegmentOperator; value?: JsonValue };

describe('values in JSON documents, in SQL and in the rule engine', () => {
  let context: TestContext;

  beforeAll(async () => {
    context = await createTestContext();
  });
  afterAll(async () => {
    await context.close();
  });

  /** Whether each condition on `name` matches the attributes `attributes`, as the compiled SQL answers. */
  async function sqlMatches(attributes: JsonValue, name: string, conditions: Condition[]): Promise<boolean[]> {
    const predicates = conditions.map((condition) => {
      const rule: SegmentRule = { attribute: { name, ...condition } };
      const { joins, predicate } = compileSegmentRule(rule, { asOf: new Date(), customers: null, relations: RELATIONS });
      expect(joins.text).toBe('');
      return sql`coalesce(${predicate}, false)`;
    });
    const [row] = await context.db.query<{ matched: boolean[] }>(
      sql`SELECT ARRAY[${sql.join(predicates)}] AS matched FROM (SELECT ${JSON.stringify(attributes)}::jsonb AS attributes) c`,
    );
    return row.matched;
  }

  function engineMatches(properties: { [key: string]: JsonValue }, property: string, condition: Condition): boolean {
    const operator = LIFECYCLE_OPERATOR[condition.operator];
    const event = { touchpointId: 't', type: 'page_view', channel: 'web', occurredAt: new Date(0), properties };
    return matches({ conditions: [{ property, operator, value: condition.value }] }, newCustomerState(), event);
  }

  it('agree for random documents, paths and operators, and EQ/NEQ and LT/GTE split the present values', async () => {
    const expected = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })).filter((value) => value !== null);
    const number = fc.oneof(fc.integer({ min: -20, max: 20 }), fc.constantFrom(0.5, -1.25, 7, 1000));
    await fc.assert(
      fc.asyncProperty(
        document,
        path,
        expected,
        number,
        fc.array(
          scalar.filter((value) => value !== null),
          { minLength: 1, maxLength: 25 },
        ),
        async (doc, name, value, bound, options) => {
          const conditions: Condition[] = [
            { operator: 'EXISTS' },
            { operator: 'EQ', value },
            { operator: 'NEQ', value },
            { operator: 'IN', value: options },
            { operator: 'CONTAINS', value },
            { operator: 'LT', value: bound },
            { operator: 'GTE', value: bound },
            { operator: 'GT', value: bound },
            { operator: 'LTE', value: bound },
          ];
          const sql = await sqlMatches(doc, name, conditions);
          expect(sql).toEqual(conditions.map((condition) => engineMatches(doc, name, condition)));
          const [, eq, neq, , , lt, gte, gt, lte] = sql;
          expect(eq).toBe(!neq);
          const present = readJsonPath(doc, name);
          const numeric = present !== undefined && jsonNumber(present) !== null;
          expect(lt !== gte).toBe(numeric);
          expect(gt !== lte).toBe(numeric);
          if (!numeric) expect([lt, gte, gt, lte]).toEqual([false, false, false, false]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never fail on any JSON value a client can send, with every operator', async () => {
    const anyJson = fc.oneof(
      jsonValue,
      fc.string({ unit: 'binary', maxLength: 20 }).filter((text) => !text.includes('\u0000')),
    );
    await fc.assert(
      fc.asyncProperty(anyJson, async (value) => {
        const attributes = { v: value, w: [value] };
        const conditions: Condition[] = [
          { operator: 'EXISTS' },
          { operator: 'LT', value: 5 },
          { operator: 'GTE', value: -1e300 },
          { operator: 'EQ', value: 'x' },
          { operator: 'CONTAINS', value: '7' },
        ];
        await expect(sqlMatches(attributes, 'v', conditions)).resolves.toHaveLength(5);
        await expect(sqlMatches(attributes, 'w.0', conditions)).resolves.toHaveLength(5);
      }),
      { numRuns: 200 },
    );
  });

  it('read a text as a number in SQL exactly when the rule engine does, to the same value', async () => {
    const text = fc.oneof(
      fc.constantFrom(...TRICKY_TEXTS),
      fc.stringMatching(/^[ \t\u3000]?[-+]?[0-9]{0,70}(\.[0-9]{0,5})?([eE][-+]?[0-9]{1,7})?[ \n\u3000]?$/),
      fc.string({ maxLength: 12 }).filter((candidate) => !candidate.includes('\u0000')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 20 }), async (texts) => {
        const rows = await context.db.query<{ n: string | null }>(
          `SELECT segment_json_number(to_jsonb(t))::float8::text AS n FROM unnest($1::text[]) WITH ORDINALITY u(t, i) ORDER BY i`,
          [texts],
        );
        const sql = rows.map((row) => (row.n === null ? null : Number(row.n)));
        expect(sql).toEqual(texts.map((candidate) => jsonNumber(candidate)));
      }),
      { numRuns: 200 },
    );
  });

  it('hand-picked: full-width space, 400 digits and huge exponents are not numbers; blanks and exponents are', async () => {
    const rows = await context.db.query<{ n: string | null }>(
      `SELECT clm_try_numeric(t)::text AS n FROM unnest($1::text[]) WITH ORDINALITY u(t, i) ORDER BY i`,
      [[' 12 ', '1e3', '-.5', '7\u3000', '9'.repeat(400), '1e999999', 'NaN', '1e308', '1e307', '']],
    );
    expect(rows.map((row) => row.n)).toEqual(['12', '1000', '-0.5', null, null, null, null, null, '1' + '0'.repeat(307), null]);
  });
});
