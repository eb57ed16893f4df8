import { describe, expect, it } from '@jest/globals';
import { pageWindow, toPage } from '../pagination';
import type { PageWindow } from '../pagination';

const LIMITS = { defaultSize: 50, maxSize: 500 };

function refused(field: string, problem: string) {
  return expect.objectContaining({ name: 'ClmError', code: 'INVALID_INPUT', message: `${field}: ${problem}`, details: { field } });
}

describe('pageWindow', () => {
  it('reads the first page forwards at the default size when nothing is asked', () => {
    expect(pageWindow({}, LIMITS)).toEqual({ size: 50, backwards: false, cursor: null });
    expect(pageWindow({ first: null, after: null, last: null, before: null }, LIMITS)).toEqual({
      size: 50,
      backwards: false,
      cursor: null,
    });
  });

  it('reads forwards from after with first', () => {
    expect(pageWindow({ first: 10, after: 'c1' }, LIMITS)).toEqual({ size: 10, backwards: false, cursor: 'c1' });
  });

  it('reads backwards from the end with last', () => {
    expect(pageWindow({ last: 5 }, LIMITS)).toEqual({ size: 5, backwards: true, cursor: null });
  });

  it('reads backwards from before with last', () => {
    expect(pageWindow({ last: 5, before: 'c9' }, LIMITS)).toEqual({ size: 5, backwards: true, cursor: 'c9' });
  });

  it('reads backwards from before at the default size when no size is given', () => {
    expect(pageWindow({ before: 'c9' }, LIMITS)).toEqual({ size: 50, backwards: true, cursor: 'c9' });
  });

  it('reads forwards from after when both after and before are given without last', () => {
    expect(pageWindow({ after: 'c1', before: 'c9' }, LIMITS)).toEqual({ size: 50, backwards: false, cursor: 'c1' });
  });

  it('refuses first and last together, naming last', () => {
    expect(() => pageWindow({ first: 1, last: 1 }, LIMITS)).toThrow(refused('last', 'give first or last, not both'));
  });

  it('accepts the bounds themselves: 0 and the maximum', () => {
    expect(pageWindow({ first: 0 }, LIMITS)).toEqual({ size: 0, backwards: false, cursor: null });
    expect(pageWindow({ first: 500 }, LIMITS)).toEqual({ size: 500, backwards: false, cursor: null });
    expect(pageWindow({ last: 500 }, LIMITS)).toEqual({ size: 500, backwards: true, cursor: null });
  });

  it.each([
    ['one over the maximum', 501],
    ['negative', -1],
    ['not whole', 2.5],
    ['not a number', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
  ])('refuses a first that is %s, naming first and the bound', (_case, first) => {
    expect(() => pageWindow({ first }, LIMITS)).toThrow(refused('first', 'must be between 0 and 500'));
  });

  it('refuses a last out of bounds, naming last', () => {
    expect(() => pageWindow({ last: 501, before: 'c9' }, LIMITS)).toThrow(refused('last', 'must be between 0 and 500'));
    expect(() => pageWindow({ last: -1 }, LIMITS)).toThrow(refused('last', 'must be between 0 and 500'));
  });

  it('uses the limits it is given', () => {
    const small = { defaultSize: 20, maxSize: 200 };
    expect(pageWindow({}, small)).toEqual({ size: 20, backwards: false, cursor: null });
    expect(() => pageWindow({ first: 201 }, small)).toThrow(refused('first', 'must be between 0 and 200'));
  });
});

describe('toPage', () => {
  const cursorOf = (row: string) => `cursor-${row}`;
  const nodeOf = (row: string) => ({ name: row.toUpperCase() });
  const edge = (row: string) => ({ cursor: cursorOf(row), node: nodeOf(row) });
  const forwards = (size: number, cursor: string | null = null): PageWindow => ({ size, backwards: false, cursor });
  const backwards = (size: number, cursor: string | null = null): PageWindow => ({ size, backwards: true, cursor });

  it('drops the look-ahead row and says more follow', () => {
    expect(toPage(['a', 'b', 'c', 'd'], forwards(3), cursorOf, nodeOf)).toEqual({
      edges: [edge('a'), edge('b'), edge('c')],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: 'cursor-a', endCursor: 'cursor-c' },
    });
  });

  it('says nothing follows when no look-ahead row came back, and something precedes a page read after a cursor', () => {
    expect(toPage(['d', 'e'], forwards(3, 'cursor-c'), cursorOf, nodeOf)).toEqual({
      edges: [edge('d'), edge('e')],
      pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: 'cursor-d', endCursor: 'cursor-e' },
    });
  });

  it('restores list order for a page read backwards, and says more precede it when the look-ahead row came back', () => {
    // Walking backwards from the end of a-b-c-d-e reads e, d, c, then b as the look-ahead row.
    expect(toPage(['e', 'd', 'c', 'b'], backwards(3), cursorOf, nodeOf)).toEqual({
      edges: [edge('c'), edge('d'), edge('e')],
      pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: 'cursor-c', endCursor: 'cursor-e' },
    });
  });

  it('says something follows a page read backwards before a cursor, and nothing precedes it at the start', () => {
    expect(toPage(['b', 'a'], backwards(3, 'cursor-c'), cursorOf, nodeOf)).toEqual({
      edges: [edge('a'), edge('b')],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: 'cursor-a', endCursor: 'cursor-b' },
    });
  });

  it('gives an empty page null cursors', () => {
    expect(toPage([], forwards(3), cursorOf, nodeOf)).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('gives a page of size 0 no edges but still says whether more follow', () => {
    expect(toPage(['a'], forwards(0), cursorOf, nodeOf)).toEqual({
      edges: [],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('does not reorder the rows it is given', () => {
    const rows = ['e', 'd', 'c', 'b'];
    toPage(rows, backwards(3), cursorOf, nodeOf);
    expect(rows).toEqual(['e', 'd', 'c', 'b']);
  });
});
