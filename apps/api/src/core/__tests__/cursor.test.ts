import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeCursor, encodeCursor, MAX_KEYSET_CURSOR_LENGTH } from '../cursor';
import { ClmError } from '../errors';

const TAG = 'customers:CREATED_AT:DESC';

/** A cursor refused for `field`, with `problem` after the field in its message. */
function refused(field: string, problem = 'not a cursor returned by this API') {
  return expect.objectContaining({ name: 'ClmError', code: 'INVALID_CURSOR', message: `${field}: ${problem}`, details: { field } });
}

/** A cursor made of any JSON value, the way a forger would build one. */
function forged(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('encodeCursor and decodeCursor', () => {
  it('give back every part after the tag, whatever text or nulls the parts hold', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(text, fc.array(fc.option(text, { nil: null }), { maxLength: 6 }), (tag, rest) => {
        const cursor = encodeCursor([tag, ...rest]);
        expect(decodeCursor(cursor, tag, rest.length + 1, 'after')).toEqual(rest);
      }),
      { numRuns: 500 },
    );
  });

  it('make cursors of URL-safe characters only', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: null }), { maxLength: 6 }), (parts) => {
        expect(encodeCursor(parts)).toMatch(/^[A-Za-z0-9_-]*$/);
      }),
      { numRuns: 200 },
    );
  });

  it('decode a known cursor to its exact parts', () => {
    const cursor = encodeCursor([TAG, '2026-01-01 00:00:00+00', '0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b']);
    expect(cursor).toBe(Buffer.from(`["${TAG}","2026-01-01 00:00:00+00","0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b"]`).toString('base64url'));
    expect(decodeCursor(cursor, TAG, 3, 'after')).toEqual(['2026-01-01 00:00:00+00', '0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b']);
  });
});

describe('decodeCursor refuses', () => {
  it.each([
    ['text that is not base64url JSON', 'garbage'],
    ['an empty string', ''],
    ['base64url of text that is not JSON', Buffer.from('not json').toString('base64url')],
  ])('%s, naming the field', (_case, cursor) => {
    expect(() => decodeCursor(cursor, TAG, 3, 'after')).toThrow(refused('after'));
  });

  it.each([
    ['a JSON object', { tag: TAG }],
    ['a JSON string', TAG],
    ['a JSON number', 3],
    ['JSON null', null],
  ])('%s instead of an array, naming the field', (_case, value) => {
    expect(() => decodeCursor(forged(value), TAG, 3, 'before')).toThrow(refused('before'));
  });

  it('a cursor longer than any this API hands out, before decoding it', () => {
    const huge = encodeCursor([TAG, 'x'.repeat(3 * 1024 * 1024), 'id']);
    expect(() => decodeCursor(huge, TAG, 3, 'after')).toThrow(
      refused('after', `longer than ${MAX_KEYSET_CURSOR_LENGTH} characters: not a cursor returned by this API`),
    );
    // The longest sort value a list holds (256 characters of 4 UTF-8 bytes) still fits.
    const longest = encodeCursor([TAG, '😀'.repeat(256), '0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b']);
    expect(decodeCursor(longest, TAG, 3, 'after')).toEqual(['😀'.repeat(256), '0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b']);
  });

  it('a cursor of another sort order, naming both tags', () => {
    const cursor = encodeCursor(['customers:NAME:ASC', 'Ada', '0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b']);
    expect(() => decodeCursor(cursor, TAG, 3, 'after')).toThrow(
      refused('after', `a cursor of another list or sort order (customers:NAME:ASC), not of ${TAG}`),
    );
  });

  it('a cursor of another list, naming both tags', () => {
    const cursor = encodeCursor(['touchpoints', '2026-01-01T00:00:00Z', '0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b']);
    expect(() => decodeCursor(cursor, TAG, 3, 'after')).toThrow(
      refused('after', `a cursor of another list or sort order (touchpoints), not of ${TAG}`),
    );
  });

  it('a cursor without a tag where one is expected', () => {
    expect(() => decodeCursor(encodeCursor([null, 'Ada', 'id']), TAG, 3, 'after')).toThrow(
      refused('after', `a cursor of another list or sort order (null), not of ${TAG}`),
    );
  });

  it.each([
    ['too few parts', [TAG, 'Ada']],
    ['too many parts', [TAG, 'Ada', 'id', 'extra']],
    ['no parts at all', []],
  ])('%s, whatever the tag', (_case, parts) => {
    expect(() => decodeCursor(encodeCursor(parts), TAG, 3, 'after')).toThrow(refused('after'));
  });

  it.each([
    ['a number', [TAG, 42, 'id']],
    ['a boolean', [TAG, true, 'id']],
    ['an object', [TAG, { value: 'Ada' }, 'id']],
    ['an array', [TAG, ['Ada'], 'id']],
    ['a number as the tag', [7, 'Ada', 'id']],
  ])('a part that is %s', (_case, parts) => {
    expect(() => decodeCursor(forged(parts), TAG, 3, 'after')).toThrow(refused('after'));
  });

  it('any string it was not given by encodeCursor with a ClmError INVALID_CURSOR, never another error', () => {
    // Buffer's base64url decoding is lenient, so some random strings do decode to JSON; those must still be refused by shape.
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (cursor) => {
        let outcome: unknown = 'returned';
        try {
          decodeCursor(cursor, TAG, 3, 'after');
        } catch (error) {
          outcome = error;
        }
        expect(outcome).toBeInstanceOf(ClmError);
        expect(outcome).toMatchObject({ code: 'INVALID_CURSOR', details: { field: 'after' } });
      }),
      { numRuns: 1000 },
    );
  });
});
