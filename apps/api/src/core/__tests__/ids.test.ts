import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { findUnstorableText, isEmail, isUuid, LONE_SURROGATE_MESSAGE, normaliseEmail, NUL_MESSAGE } from '../ids';

/** Whether a value holds any string (or key) PostgreSQL cannot store. */
const containsNul = (value: unknown) => findUnstorableText(value, 'value') !== null;

const NUL = '\u0000';

/** A value `depth` objects deep with `leaf` at the bottom, built without recursion. */
function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = { child: value };
  return value;
}

describe('isUuid', () => {
  it('accepts a UUID in lower or upper case', () => {
    expect(isUuid('0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b')).toBe(true);
    expect(isUuid('0B7E6C3C-5A4D-4F3E-9B2A-1C0D9E8F7A6B')).toBe(true);
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
  });

  it.each([
    ['a UUID without hyphens', '0b7e6c3c5a4d4f3e9b2a1c0d9e8f7a6b'],
    ['a UUID in braces', '{0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b}'],
    ['a UUID one digit short', '0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6'],
    ['a UUID one digit long', '0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6bb'],
    ['a UUID with a non-hex digit', '0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6g'],
    ['a UUID with a trailing newline', '0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b\n'],
    ['a UUID with surrounding spaces', ' 0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b '],
    ['an empty string', ''],
    ['a word', 'not-a-uuid'],
  ])('refuses %s', (_case, value) => {
    expect(isUuid(value)).toBe(false);
  });

  it('accepts every UUID fast-check generates', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        expect(isUuid(uuid)).toBe(true);
        expect(isUuid(uuid.toUpperCase())).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('isEmail', () => {
  it.each(['ada@example.com', 'Ada.Lovelace+clm@mail.example.co.uk', 'a@b.c'])('accepts %s', (value) => {
    expect(isEmail(value)).toBe(true);
  });

  it.each([
    ['an address without an @', 'ada.example.com'],
    ['an address without a dot after the @', 'ada@example'],
    ['an address with nothing before the @', '@example.com'],
    ['an address with two @', 'ada@@example.com'],
    ['an address with a space inside', 'ada lovelace@example.com'],
    ['an address with surrounding spaces', ' ada@example.com '],
    ['an empty string', ''],
  ])('refuses %s', (_case, value) => {
    expect(isEmail(value)).toBe(false);
  });
});

describe('normaliseEmail', () => {
  it('trims and lowercases', () => {
    expect(normaliseEmail('  Ada.Lovelace@Example.COM \n')).toBe('ada.lovelace@example.com');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        expect(normaliseEmail(normaliseEmail(value))).toBe(normaliseEmail(value));
      }),
      { numRuns: 300 },
    );
  });
});

describe('findUnstorableText: NUL characters', () => {
  it('finds a NUL in a string, wherever it is', () => {
    expect(containsNul(NUL)).toBe(true);
    expect(containsNul(`${NUL}abc`)).toBe(true);
    expect(containsNul(`a${NUL}bc`)).toBe(true);
    expect(containsNul(`abc${NUL}`)).toBe(true);
  });

  it('finds none in text without one, including the escape sequence written out', () => {
    expect(containsNul('')).toBe(false);
    expect(containsNul('plain text é 漢字 🎉')).toBe(false);
    expect(containsNul('\\u0000')).toBe(false);
  });

  it('finds none in values that are not text', () => {
    expect(containsNul(null)).toBe(false);
    expect(containsNul(undefined)).toBe(false);
    expect(containsNul(0)).toBe(false);
    expect(containsNul(true)).toBe(false);
    expect(containsNul({})).toBe(false);
    expect(containsNul([])).toBe(false);
  });

  it('finds a NUL in an object key', () => {
    expect(containsNul({ [`pl${NUL}an`]: 'pro' })).toBe(true);
    expect(containsNul({ plan: { [`tier${NUL}`]: 1 } })).toBe(true);
  });

  it('finds a NUL in a nested value or array item', () => {
    expect(containsNul({ plan: 'pro', tags: ['beta', `v${NUL}ip`] })).toBe(true);
    expect(containsNul([[[{ deep: [NUL] }]]])).toBe(true);
    expect(containsNul({ plan: 'pro', tags: ['beta', 'vip'], limits: { seats: 5, sso: true, notes: null } })).toBe(false);
  });

  it('walks a value nested 10,000 levels deep without overflowing the stack', () => {
    expect(containsNul(nested(10_000, `leaf${NUL}`))).toBe(true);
    expect(containsNul(nested(10_000, 'leaf'))).toBe(false);
    expect(containsNul(nested(10_000, { [NUL]: 1 }))).toBe(true);
  });

  it('agrees with a search of every string and key for JSON values of any shape', () => {
    // Strings drawn from a small alphabet that includes NUL, so about half the values hold one.
    const text = fc.string({ unit: fc.constantFrom('a', 'b', NUL), maxLength: 4 });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(text, tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        // JSON text holds a NUL only as the escape \u0000, and the alphabet has no backslash to fake one.
        expect(containsNul(value)).toBe(JSON.stringify(value).includes('\\u0000'));
      }),
      { numRuns: 500 },
    );
  });
});

describe('findUnstorableText: where and why', () => {
  it('names the path of the first unstorable string and the reason', () => {
    expect(findUnstorableText({ plan: 'pro', notes: ['ok', `bad\u0000`] }, 'properties')).toEqual({
      field: 'properties.notes[1]',
      message: NUL_MESSAGE,
    });
    expect(findUnstorableText({ survey: { answer: 'a\uD800b' } }, 'properties')).toEqual({
      field: 'properties.survey.answer',
      message: LONE_SURROGATE_MESSAGE,
    });
    expect(findUnstorableText({ ['k\uDC00']: 1 }, 'attributes')).toEqual({
      field: 'attributes',
      message: `has a key that ${LONE_SURROGATE_MESSAGE}`,
    });
    expect(findUnstorableText('\uDBFF', 'name')).toEqual({ field: 'name', message: LONE_SURROGATE_MESSAGE });
  });

  it('accepts well-formed text, surrogate pairs (emoji) included', () => {
    expect(findUnstorableText({ greeting: 'héllo 漢字 🎉', list: ['😀', { '🔑': '✓' }] }, 'properties')).toBeNull();
  });

  it('agrees with well-formedness for arbitrary UTF-16 strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (text) => {
        const wellFormed = !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text) && !text.includes('\u0000');
        expect(findUnstorableText(text, 'text') === null).toBe(wellFormed);
      }),
      { numRuns: 2000 },
    );
  });
});
