import fc from 'fast-check';
import type { JsonValue } from '@clm/schema';
import { sql } from '../../../database/sql';
import type { SegmentRelations } from '../rule-compiler';
import { SEGMENT_FIELDS } from '../segment-fields';
import type { SegmentOperator } from '../segment-rule';

/*
 * fast-check arbitraries of segment rules for the property tests: mostly
 * well-typed (so most are accepted), every piece of text hostile (quotes,
 * backslashes, dollar signs, SQL, any UTF-16 unit) and marked with a leading
 * `§`, a character no compiled SQL template contains.
 */

export const MARKER = '§';

/** The metrics projection's relations, as the composition root hands them to segments (server/services.ts). */
export const RELATIONS: SegmentRelations = {
  acquisitions: sql.raw('customer_acquisitions'),
  customerScores: sql.raw('metric_customer_scores'),
};

/** Hostile text, marked. Some of it PostgreSQL cannot store (NUL, lone surrogates): the validator must refuse those. */
export const markedText = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom("'; DROP TABLE customers; --", '$1', '"quoted"', "it's", '\\', '\u0000', '\uD800', 'a.b', "') OR TRUE --"),
  )
  .map((text) => `${MARKER}${text}`);

const number = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
);
const scalar: fc.Arbitrary<JsonValue> = fc.oneof(markedText, number, fc.boolean());
const json: fc.Arbitrary<JsonValue> = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(markedText, scalar, { maxKeys: 2 }),
);
const isoDate = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString());
const list = <T>(item: fc.Arbitrary<T>) => fc.array(item, { minLength: 1, maxLength: 3 });

const COMPARISONS: SegmentOperator[] = ['LT', 'LTE', 'GT', 'GTE'];

const fieldCondition = fc.constantFrom(...Object.keys(SEGMENT_FIELDS)).chain((field): fc.Arbitrary<object> => {
  const kind = SEGMENT_FIELDS[field].kind;
  const exists = fc.constant({ field, operator: 'EXISTS' as const });
  switch (kind) {
    case 'text':
      return fc.oneof(
        exists,
        fc.record({ field: fc.constant(field), operator: fc.constantFrom<SegmentOperator>('EQ', 'NEQ', 'CONTAINS'), value: markedText }),
        fc.record({ field: fc.constant(field), operator: fc.constant<SegmentOperator>('IN'), value: list(markedText) }),
      );
    case 'number':
      return fc.oneof(
        exists,
        fc.record({ field: fc.constant(field), operator: fc.constantFrom<SegmentOperator>('EQ', 'NEQ', ...COMPARISONS), value: number }),
        fc.record({ field: fc.constant(field), operator: fc.constant<SegmentOperator>('IN'), value: list(number) }),
      );
    case 'time':
      return fc.oneof(exists, fc.record({ field: fc.constant(field), operator: fc.constantFrom(...COMPARISONS), value: isoDate }));
    case 'duration':
      return fc.oneof(
        exists,
        fc.record({
          field: fc.constant(field),
          operator: fc.constantFrom(...COMPARISONS),
          value: fc.double({ min: 0, max: 36_500, noNaN: true }),
        }),
      );
  }
});

/** An attribute or property condition under `key`. */
const jsonCondition = (key: 'name' | 'property') =>
  fc
    .record({
      path: list(markedText).map((parts) => parts.join('.')),
      operator: fc.constantFrom<SegmentOperator>('EQ', 'NEQ', 'IN', 'LT', 'GTE', 'EXISTS', 'CONTAINS'),
    })
    .chain(({ path, operator }) => {
      const value =
        operator === 'EXISTS' ? fc.constant(undefined) : operator === 'IN' ? list(json) : COMPARISONS.includes(operator) ? number : json;
      return value.map((v) => ({ [key]: path, operator, ...(v !== undefined && { value: v }) }));
    });

const window = fc.oneof(
  fc.constant({}),
  fc.integer({ min: 1, max: 36_500 }).map((withinDays) => ({ withinDays })),
  fc.tuple(isoDate, isoDate).map(([a, b]) => (a < b ? { from: a, to: b } : a > b ? { from: b, to: a } : { from: a })),
);

const behaviour = fc
  .record(
    {
      types: list(markedText),
      channels: list(markedText),
      campaigns: list(markedText),
      properties: fc.array(jsonCondition('property'), { maxLength: 2 }),
      aggregate: fc.constantFrom('COUNT', 'SUM'),
      operator: fc.constantFrom('EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE'),
      value: fc.nat(1000),
    },
    { requiredKeys: ['aggregate', 'operator', 'value'] },
  )
  .chain((condition) => window.map((range) => ({ ...condition, ...range })));

const acquisition = fc.record(
  { touch: fc.constantFrom('ACQUIRING', 'FIRST'), channels: list(markedText), campaigns: list(markedText) },
  { requiredKeys: ['touch'] },
);

/** A rule tree up to 4 levels deep. */
export const ruleArbitrary: fc.Arbitrary<unknown> = fc.letrec<{ rule: unknown }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fieldCondition.map((field) => ({ field })),
    jsonCondition('name').map((attribute) => ({ attribute })),
    behaviour.map((condition) => ({ behaviour: condition })),
    acquisition.map((condition) => ({ acquisition: condition })),
    fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((and) => ({ and })),
    fc.array(tie('rule'), { minLength: 1, maxLength: 3 }).map((or) => ({ or })),
    tie('rule').map((not) => ({ not })),
  ),
})).rule;

/** Keys whose values are part of the language (they choose the SQL), not data. */
const LANGUAGE_KEYS = new Set(['field', 'operator', 'aggregate', 'touch']);

/**
 * The same rule with every piece of data replaced (text by "x", numbers by
 * 0, list lengths kept): the compiled SQL text must not change.
 */
export function blankData(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return LANGUAGE_KEYS.has(key) && !isData(value) ? value : 'x';
  if (typeof value === 'number') return 0;
  if (typeof value === 'boolean') return false;
  if (Array.isArray(value)) return value.map((item) => blankData(item, key));
  if (value !== null && typeof value === 'object') {
    // A rule node's `field` is a condition object, not a field name: only string values of language keys are kept.
    return Object.fromEntries(Object.entries(value).map(([name, child]) => [name, blankData(child, name)]));
  }
  return value;
}

function isData(text: string): boolean {
  return text.startsWith(MARKER);
}
