import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { sql } from '../../../database/sql';
import { compileSegmentRule } from '../rule-compiler';
import { validateSegmentRule } from '../rule-validation';
import type { SegmentRule } from '../segment-rule';
import { blankData, MARKER, RELATIONS, ruleArbitrary } from './rule-arbitraries';

const AS_OF = new Date('2026-06-01T00:00:00Z');

/** Validates (the compiler only ever sees validated rules) and compiles for every customer. */
function compile(input: unknown, customers: string[] | null = null) {
  const validation = validateSegmentRule(input);
  if (validation.rule === null) throw new Error(JSON.stringify(validation.issues));
  return compileValid(validation.rule, customers);
}

/** Joins and predicate as a statement renders them (one numbering, joins first), and the parameters. */
function compileValid(rule: SegmentRule, customers: string[] | null = null) {
  const ids = customers === null ? null : sql`${customers}::uuid[]`;
  const { joins, predicate } = compileSegmentRule(rule, { asOf: AS_OF, customers: ids, relations: RELATIONS });
  const { text, values } = sql`${joins}${sql.raw(SPLIT)}${predicate}`.render();
  const [joinsText, predicateText] = text.split(SPLIT);
  return { joins: joinsText, predicate: predicateText, parameters: values };
}

const SPLIT = ' /* predicate */ ';

const squash = (sql: string) => sql.replace(/\s+/g, ' ').trim();

describe('the segment rule compiler', () => {
  it('compiles a field comparison to a column compared with a typed parameter', () => {
    expect(compile({ field: { field: 'ORDERS', operator: 'GTE', value: 2 } })).toEqual({
      joins: '',
      predicate: '(c.orders >= $1::numeric)',
      parameters: [2],
    });
    expect(compile({ field: { field: 'STAGE', operator: 'IN', value: ['retention', 'advocacy'] } })).toEqual({
      joins: '',
      predicate: '(c.stage = ANY ($1::text[]))',
      parameters: [['retention', 'advocacy']],
    });
  });

  it('turns "days in stage ≥ 14" into a comparison of the entry time with asOf − 14 days', () => {
    expect(compile({ field: { field: 'DAYS_IN_STAGE', operator: 'GTE', value: 14 } })).toEqual({
      joins: '',
      predicate: "(c.stage_entered_at <= ($1::timestamptz - $2::float8 * interval '1 day'))",
      parameters: ['2026-06-01T00:00:00.000Z', 14],
    });
  });

  it('writes attribute equality as containment (the GIN index) and exact equality, the path and value as parameters', () => {
    expect(compile({ attribute: { name: 'address.country', operator: 'EQ', value: 'NL' } })).toEqual({
      joins: '',
      predicate: '(c.attributes @> $1::jsonb AND (c.attributes #> $2::text[]) = $3::jsonb)',
      parameters: ['{"address":{"country":"NL"}}', ['address', 'country'], '"NL"'],
    });
  });

  it('writes a short attribute IN list as one containment per option (a bitmap OR on the GIN index) and the exact test', () => {
    expect(compile({ attribute: { name: 'plan', operator: 'IN', value: ['pro', 'team'] } })).toEqual({
      joins: '',
      predicate: '((c.attributes @> $1::jsonb OR c.attributes @> $2::jsonb) AND (c.attributes #> $3::text[]) = ANY ($4::jsonb[]))',
      parameters: ['{"plan":"pro"}', '{"plan":"team"}', ['plan'], ['"pro"', '"team"']],
    });
  });

  it('keeps names with quotes, semicolons and dollar signs out of the SQL text', () => {
    const name = `it's"; DROP TABLE customers; -- $1`;
    const compiled = compile({ attribute: { name, operator: 'EXISTS' } });
    expect(compiled.predicate).toBe("(jsonb_typeof((c.attributes #> $1::text[])) <> 'null')");
    expect(compiled.parameters).toEqual([[name]]);
  });

  it('negates with IS NOT TRUE, so a missing value (NULL) counts as not matching and its negation as matching', () => {
    expect(compile({ not: { field: { field: 'NPS_SCORE', operator: 'GTE', value: 9 } } }).predicate).toBe(
      '(((f1.value >= $1::numeric)) IS NOT TRUE)',
    );
  });

  it('joins a touchpoint aggregate per behaviour condition, restricted to the customers evaluated', () => {
    const batch = ['00000000-0000-4000-8000-000000000009'];
    const compiled = compile({ behaviour: { types: ['purchase'], withinDays: 90, operator: 'GTE', value: 2 } }, batch);
    expect(squash(compiled.joins)).toBe(
      squash(`LEFT JOIN (SELECT t.customer_id, count(*) AS value FROM touchpoints t
        WHERE t.customer_id = ANY ($1::uuid[]) AND t.type = ANY ($2::text[])
          AND t.occurred_at > ($3::timestamptz - $4::float8 * interval '1 day') AND t.occurred_at <= $3::timestamptz
        GROUP BY t.customer_id) b1 ON b1.customer_id = c.id`),
    );
    expect(compiled.predicate).toBe('(coalesce(b1.value, 0) >= $5::numeric)');
    expect(compiled.parameters).toEqual([batch, ['purchase'], '2026-06-01T00:00:00.000Z', 90, 2]);
  });

  it('joins the acquisition and a lookup field once however often they are used', () => {
    const compiled = compile({
      or: [
        { acquisition: { channels: ['ads'] } },
        { acquisition: { touch: 'FIRST', campaigns: ['spring'] } },
        { field: { field: 'NPS_SCORE', operator: 'LTE', value: 6 } },
        { field: { field: 'NPS_SCORE', operator: 'EXISTS' } },
      ],
    });
    expect(compiled.joins.match(/customer_acquisitions/g)).toHaveLength(1);
    expect(compiled.joins.match(/metric_customer_scores/g)).toHaveLength(1);
    expect(compiled.predicate).toBe(
      '((acq.customer_id IS NOT NULL AND acq.channel = ANY ($1::text[])) OR (acq.customer_id IS NOT NULL AND acq.first_touch_campaign = ANY ($2::text[])) OR (f1.value <= $3::numeric) OR (f1.value IS NOT NULL))',
    );
  });

  it('compiles any accepted rule to SQL whose text contains none of its data and depends only on its shape', () => {
    let accepted = 0;
    fc.assert(
      fc.property(ruleArbitrary, (input) => {
        const validation = validateSegmentRule(input);
        if (validation.rule === null) return;
        accepted += 1;
        const compiled = compileValid(validation.rule);
        const text = compiled.joins + compiled.predicate;
        expect(text.includes(MARKER)).toBe(false);
        // Blanked data need not be valid (dates become "x"): the compiler passes every value through untouched.
        const blank = compileValid(blankData(validation.rule) as SegmentRule);
        expect(blank.joins + blank.predicate).toBe(text);
        expect(blank.parameters).toHaveLength(compiled.parameters.length);
      }),
      { numRuns: 1500 },
    );
    // Most generated rules are well-typed; the rest carry text PostgreSQL cannot store or a bad window.
    expect(accepted).toBeGreaterThan(500);
  });
});
