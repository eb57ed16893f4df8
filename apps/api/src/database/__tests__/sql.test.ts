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
});
