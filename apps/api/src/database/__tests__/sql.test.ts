import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { sql } from '../sql';

describe('the sql tag', () => {
  it('turns every interpolated value into a numbered parameter', () => {
    const query = sql`SELECT id FROM customers WHERE stage = ${'retention'} AND orders > ${2}`;
    expect(query.text).toBe('SELECT id FROM customers WHERE stage = $1 AND orders > $2');
    expect(query.values).toEqual(['retention', 2]);
  });

  it('splices fragments in and numbers their parameters where they land', () => {
    const stage = sql`c.stage = ${'advocacy'}`;
    const since = sql`c.created_at >= ${'2026-01-01'}`;
    const query = sql`SELECT 1 FROM customers c WHERE ${since} AND ${stage} LIMIT ${10}`;
    expect(query.render()).toEqual({
      text: 'SELECT 1 FROM customers c WHERE c.created_at >= $1 AND c.stage = $2 LIMIT $3',
      values: ['2026-01-01', 'advocacy', 10],
    });
  });

  it('joins fragments with a separator, and nothing joined is empty text', () => {
    const columns = sql.join([sql`${1}`, sql.raw('b'), sql`${3}`]);
    expect(sql`VALUES (${columns})`.render()).toEqual({ text: 'VALUES ($1, b, $2)', values: [1, 3] });
    expect(sql`x${sql.join([], ' AND ')}y`.text).toBe('xy');
    expect(sql.join([sql`a = ${1}`, sql`b = ${2}`], ' OR ').text).toBe('a = $1 OR b = $2');
  });

  it('sends a shared value once, with one placeholder wherever it appears', () => {
    const ids = sql.value(['a', 'b']);
    const batch = sql`c.id = ANY (${ids}::uuid[])`;
    const query = sql`SELECT ${'x'} FROM customers c WHERE ${batch} AND EXISTS (SELECT 1 FROM t WHERE t.id = ANY (${ids}::uuid[]) AND t.n = ${2})`;
    expect(query.render()).toEqual({
      text: 'SELECT $1 FROM customers c WHERE c.id = ANY ($2::uuid[]) AND EXISTS (SELECT 1 FROM t WHERE t.id = ANY ($2::uuid[]) AND t.n = $3)',
      values: ['x', ['a', 'b'], 2],
    });
    // Each rendering numbers afresh.
    expect(sql`${sql`${1}`} ${batch}`.render()).toEqual({ text: '$1 c.id = ANY ($2::uuid[])', values: [1, ['a', 'b']] });
  });

  it('never puts a value in the text, however it is nested (property)', () => {
    const leaf = fc.string().map((value) => ({ fragment: sql`v(${value})`, values: [value] }));
    const tree = fc.letrec<{ node: { fragment: ReturnType<typeof sql>; values: unknown[] } }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }).map((children) => ({
          fragment: sql`(${sql.join(
            children.map((child) => child.fragment),
            ' + ',
          )})`,
          values: children.flatMap((child) => child.values),
        })),
      ),
    })).node;
    fc.assert(
      fc.property(tree, ({ fragment, values }) => {
        const rendered = fragment.render();
        expect(rendered.values).toEqual(values);
        const placeholders = [...rendered.text.matchAll(/v\(\$(\d+)\)/g)].map((match) => Number(match[1]));
        expect(placeholders).toEqual(values.map((_, index) => index + 1));
        expect(rendered.text.replace(/v\(\$\d+\)/g, '')).toMatch(/^[()+ ]*$/);
      }),
    );
  });

  it('renders each shared value as one parameter, numbered where it first appears, at any nesting (property)', () => {
    // Leaves are plain values (0..) or references to one of three shared values; fragments nest them.
    const leaf = fc.oneof(
      fc.integer({ min: 0, max: 99 }).map((plain) => ({ plain })),
      fc.integer({ min: 0, max: 2 }).map((shared) => ({ shared })),
    );
    const tree = fc.array(fc.array(leaf, { maxLength: 4 }), { maxLength: 4 });
    fc.assert(
      fc.property(tree, (groups) => {
        const pool = [sql.value('s0'), sql.value('s1'), sql.value('s2')];
        const fragment = sql.join(
          groups.map(
            (group) => sql`(${sql.join(group.map((item) => ('plain' in item ? sql`${item.plain}` : sql`${pool[item.shared]}`)))})`,
          ),
          ' ',
        );
        // Expected: walk the leaves in order, giving each plain value and each first use of a shared value the next number.
        const expectedValues: unknown[] = [];
        const numbers = new Map<number, number>();
        const expectedText = groups
          .map((group) => {
            const items = group.map((item) => {
              if ('plain' in item) {
                expectedValues.push(item.plain);
                return `$${expectedValues.length}`;
              }
              if (!numbers.has(item.shared)) {
                expectedValues.push(`s${item.shared}`);
                numbers.set(item.shared, expectedValues.length);
              }
              return `$${numbers.get(item.shared)}`;
            });
            return `(${items.join(', ')})`;
          })
          .join(' ');
        expect(fragment.render()).toEqual({ text: expectedText, values: expectedValues });
      }),
    );
  });
});
