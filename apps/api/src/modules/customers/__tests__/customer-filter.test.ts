import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { sql } from '../../../database/sql';
import { customerFilter } from '../customer-filter';
import type { CustomerFilterSpec, CustomerRelations } from '../customer-filter';

/** A stand-in for segments' relation: the filter only splices it in. */
const RELATIONS: Pick<CustomerRelations, 'segmentMembers'> = {
  segmentMembers: (segmentId) => sql`SELECT m.customer_id FROM members m WHERE m.segment_id = ${segmentId}::uuid`,
};

/** Text marked with `§`, a character no filter template contains, and hostile around it. */
const marked = fc
  .oneof(fc.string({ maxLength: 8 }), fc.constantFrom("'; DROP TABLE customers; --", '$1', '%_\\', '"', "' OR '1'='1"))
  .map((text) => `§${text}`);

const filterArbitrary: fc.Arbitrary<CustomerFilterSpec> = fc.record(
  {
    stages: fc.array(marked, { minLength: 1, maxLength: 3 }),
    attributes: fc.dictionary(marked, fc.oneof(marked, fc.integer(), fc.boolean()), { minKeys: 1, maxKeys: 3 }),
    search: marked,
    seenSince: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
    segment: fc.uuid(),
  },
  { requiredKeys: [] },
);

/** What shapes the text: which filters are given, and one stage or several. */
function shapeOf(filter: CustomerFilterSpec): string {
  const stages = filter.stages ? (filter.stages.length === 1 ? 'one' : 'many') : 'none';
  return [stages, ...(['attributes', 'search', 'seenSince', 'segment'] as const).filter((key) => filter[key] != null)].join(',');
}

describe("the customers filter (the list's, the count's and the CSV export's)", () => {
  it('is TRUE without any filter', () => {
    expect(customerFilter({}, RELATIONS).render()).toEqual({ text: 'TRUE', values: [] });
  });

  it('reads a segment through the relation it is handed, with the id lower-cased as a parameter', () => {
    const segment = 'AAAAAAAA-0000-4000-8000-000000000001';
    expect(customerFilter({ stages: ['retention'], segment }, RELATIONS).render()).toEqual({
      text: 'c.stage = $1 AND c.id IN (SELECT m.customer_id FROM members m WHERE m.segment_id = $2::uuid)',
      values: ['retention', segment.toLowerCase()],
    });
  });

  it("splices a metric's resolved members in after the other conditions", () => {
    const metricMembers = sql`SELECT x.customer_id FROM acquired x WHERE x.day >= ${'2026-01-01'}::date`;
    expect(customerFilter({ stages: ['retention'], metricMembers }, RELATIONS).render()).toEqual({
      text: 'c.stage = $1 AND c.id IN (SELECT x.customer_id FROM acquired x WHERE x.day >= $2::date)',
      values: ['retention', '2026-01-01'],
    });
  });

  it('escapes LIKE wildcards in a search and matches name or email', () => {
    expect(customerFilter({ search: ' 50%_off\\ ' }, RELATIONS).render()).toEqual({
      text: '(c.name ILIKE $1 OR c.email ILIKE $1)',
      values: ['%50\\%\\_off\\\\%'],
    });
  });

  it('never puts a value in the text, numbers each value where it first appears, and depends only on the shape', () => {
    const textByShape = new Map<string, string>();
    fc.assert(
      fc.property(filterArbitrary, (filter) => {
        const { text, values } = customerFilter(filter, RELATIONS).render();
        expect(text.includes('§')).toBe(false);
        const placeholders = [...new Set([...text.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])))];
        expect(placeholders).toEqual(values.map((_, index) => index + 1));
        const shape = shapeOf(filter);
        const known = textByShape.get(shape);
        if (known === undefined) textByShape.set(shape, text);
        else expect(text).toBe(known);
      }),
      { numRuns: 500 },
    );
  });
});
