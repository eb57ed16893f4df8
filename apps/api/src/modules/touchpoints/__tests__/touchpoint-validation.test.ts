import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { validateTouchpoint } from '../touchpoint-validation';
import type { TouchpointSubmission } from '../touchpoint-validation';

const NOW = new Date('2026-03-01T12:00:00Z');
const PATH = 'touchpoints[3]';
const NUL = '\u0000';
const NUL_PROBLEM = 'contains a NUL character (\\u0000), which cannot be stored';

/** A submission that passes, with `changes` applied. */
function submission(changes: Partial<TouchpointSubmission> = {}): TouchpointSubmission {
  return {
    messageId: 'm-1',
    customer: { externalId: 'ada-1' },
    type: 'purchase',
    channel: 'web',
    occurredAt: '2026-03-01T10:00:00Z',
    ...changes,
  };
}

function validate(changes: Partial<TouchpointSubmission>) {
  return validateTouchpoint(3, PATH, submission(changes), NOW);
}

/** The error for `field` of item 3, with `problem` after the field in its message. */
function fieldError(field: string, problem: string) {
  return { index: 3, field: `${PATH}.${field}`, message: `${PATH}.${field}: ${problem}` };
}

const LONG = 'x'.repeat(257);
const SNAKE_CASE = 'must be lowercase snake_case (letters, digits, _), starting with a letter';
const DATE_TIME = 'must be an ISO 8601 date-time with a time zone, like 2026-03-01T12:00:00Z';
const REQUIRED_ID = 'is required (an idempotency key unique to this event)';
const NO_IDENTITY = 'give at least one of id, externalId, email, anonymousId';
const TOO_BIG = 'must be at most 32768 bytes of JSON';
const INEXACT = (sent: string) =>
  `${sent} has more than 15 significant digits, which a JSON number does not carry exactly (digits may have changed on the way); send at most 15`;
/** An array where an object is expected: the validator checks what the submission type cannot rule out for every caller. */
const AN_ARRAY = ['a'] as unknown as Record<string, unknown>;

describe('validateTouchpoint', () => {
  describe('names the field of each problem', () => {
    it.each([
      ['a missing messageId', { messageId: undefined }, 'messageId', REQUIRED_ID],
      ['a blank messageId', { messageId: '   ' }, 'messageId', REQUIRED_ID],
      ['a messageId over 256 characters', { messageId: LONG }, 'messageId', 'must be at most 256 characters'],
      ['a missing customer', { customer: null }, 'customer', 'is required'],
      ['a customer with no identity', { customer: { name: 'Ada' } }, 'customer', NO_IDENTITY],
      [
        'a customer with blank identities',
        { customer: { id: ' ', externalId: '', email: '  ', anonymousId: ' ' } },
        'customer',
        NO_IDENTITY,
      ],
      ['an anonymousId over 256 characters', { customer: { anonymousId: LONG } }, 'customer.anonymousId', 'must be at most 256 characters'],
      ['a customer id that is not a UUID', { customer: { id: 'ada' } }, 'customer.id', '"ada" is not a UUID'],
      ['an externalId over 256 characters', { customer: { externalId: LONG } }, 'customer.externalId', 'must be at most 256 characters'],
      ['an email without a domain', { customer: { email: 'Ada@' } }, 'customer.email', '"ada@" is not an email address'],
      [
        'an email over 256 characters',
        { customer: { email: `${LONG}@example.com` } },
        'customer.email',
        `"${LONG}@example.com" is not an email address`,
      ],
      [
        'attributes that are not an object',
        { customer: { externalId: 'ada-1', attributes: AN_ARRAY } },
        'customer.attributes',
        'must be an object',
      ],
      ['a missing type', { type: undefined }, 'type', `"" ${SNAKE_CASE}`],
      ['a type in words', { type: 'Page View' }, 'type', `"Page View" ${SNAKE_CASE}`],
      ['a type starting with a digit', { type: '1st_purchase' }, 'type', `"1st_purchase" ${SNAKE_CASE}`],
      ['a type over 64 characters', { type: 'a'.repeat(65) }, 'type', `"${'a'.repeat(65)}" ${SNAKE_CASE}`],
      ['a channel with a hyphen', { channel: 'e-mail' }, 'channel', `"e-mail" ${SNAKE_CASE}`],
      ['a missing occurredAt', { occurredAt: undefined }, 'occurredAt', DATE_TIME],
      ['a date without a time', { occurredAt: '2026-03-01' }, 'occurredAt', DATE_TIME],
      ['a date-time without a zone', { occurredAt: '2026-03-01T10:00:00' }, 'occurredAt', DATE_TIME],
      ['words for a date', { occurredAt: 'yesterday' }, 'occurredAt', DATE_TIME],
      ['an invalid Date', { occurredAt: new Date(Number.NaN) }, 'occurredAt', DATE_TIME],
      [
        'an occurredAt a millisecond more than a day ahead',
        { occurredAt: '2026-03-02T12:00:00.001Z' },
        'occurredAt',
        '2026-03-02T12:00:00.001Z is more than a day in the future',
      ],
      [
        'an occurredAt a year ahead, given with an offset',
        { occurredAt: '2027-03-01T14:00:00+02:00' },
        'occurredAt',
        '2027-03-01T12:00:00.000Z is more than a day in the future',
      ],
      ['a value that is not a number', { value: Number.NaN }, 'value', 'must be a finite number'],
      ['an infinite value', { value: Number.NEGATIVE_INFINITY }, 'value', 'must be a finite number'],
      ['a value of 10^15', { value: 1e15 }, 'value', 'must be a finite number'],
      ['a value of 10^13 with 2 decimals', { value: 10_000_000_000_000.12 }, 'value', INEXACT('10000000000000.12')],
      ['a value with 17 significant digits', { value: Number('12345678901234.567') }, 'value', INEXACT('12345678901234.566')],
      ['a value of 2^53 ten-thousandths and more', { value: Number('900719925474.0993') }, 'value', INEXACT('900719925474.0992')],
      ['a value with 5 decimal places', { value: 1.23456 }, 'value', '1.23456 has more than 4 decimal places (values are stored with 4)'],
      ['a currency of two letters', { currency: 'us' }, 'currency', '"US" is not an ISO 4217 code like USD'],
      ['a currency with a digit', { currency: 'us1' }, 'currency', '"US1" is not an ISO 4217 code like USD'],
      ['a campaign over 256 characters', { campaign: LONG }, 'campaign', 'must be at most 256 characters'],
      ['properties that are not an object', { properties: AN_ARRAY }, 'properties', 'must be an object'],
      ['properties over 32,768 bytes of JSON', { properties: { text: 'a'.repeat(32_758) } }, 'properties', TOO_BIG],
      // 16,380 two-byte characters: 16,391 characters of JSON, but 32,771 bytes.
      ['properties over 32,768 bytes of UTF-8 in fewer characters', { properties: { text: 'é'.repeat(16_380) } }, 'properties', TOO_BIG],
    ])('%s', (_case, changes, field, problem) => {
      expect(validate(changes)).toEqual(fieldError(field, problem));
    });
  });

  describe('refuses a NUL character, naming the field it is in', () => {
    const KEY_PROBLEM = `has a key that ${NUL_PROBLEM}`;
    it.each([
      ['messageId', { messageId: `m${NUL}1` }, NUL_PROBLEM],
      ['customer.id', { customer: { id: `${NUL}0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b` } }, NUL_PROBLEM],
      ['customer.externalId', { customer: { externalId: `ada${NUL}` } }, NUL_PROBLEM],
      ['customer.email', { customer: { email: `ada${NUL}@example.com` } }, NUL_PROBLEM],
      ['customer.name', { customer: { externalId: 'ada-1', name: `A${NUL}da` } }, NUL_PROBLEM],
      ['customer.attributes.plan', { customer: { externalId: 'ada-1', attributes: { plan: `pro${NUL}` } } }, NUL_PROBLEM],
      ['customer.attributes', { customer: { externalId: 'ada-1', attributes: { [`pl${NUL}an`]: 'pro' } } }, KEY_PROBLEM],
      ['type', { type: `purchase${NUL}` }, NUL_PROBLEM],
      ['channel', { channel: `${NUL}web` }, NUL_PROBLEM],
      ['currency', { currency: `US${NUL}D` }, NUL_PROBLEM],
      ['campaign', { campaign: `spring${NUL}` }, NUL_PROBLEM],
      ['properties.page', { properties: { page: `home${NUL}` } }, NUL_PROBLEM],
      ['properties', { properties: { [`pa${NUL}ge`]: 'home' } }, KEY_PROBLEM],
      ['properties.cart[1].sku', { properties: { cart: [{ sku: 'a' }, { sku: `b${NUL}` }] } }, NUL_PROBLEM],
    ])('in %s', (field, changes, problem) => {
      expect(validate(changes)).toEqual(fieldError(field, problem));
    });
  });

  describe('refuses a lone UTF-16 surrogate, naming the field it is in', () => {
    const SURROGATE_PROBLEM = 'contains a lone UTF-16 surrogate (half of a \\uD800–\\uDFFF pair), which is not valid Unicode';
    it.each([
      ['messageId', { messageId: 'm\uD8001' }, SURROGATE_PROBLEM],
      ['customer.name', { customer: { externalId: 'ada-1', name: 'A\uDC00da' } }, SURROGATE_PROBLEM],
      ['campaign', { campaign: 'spring\uDBFF' }, SURROGATE_PROBLEM],
      ['properties.note', { properties: { note: '\uD83D' } }, SURROGATE_PROBLEM],
      ['properties', { properties: { ['k\uDE00']: 1 } }, `has a key that ${SURROGATE_PROBLEM}`],
    ])('in %s', (field, changes, problem) => {
      expect(validate(changes)).toEqual(fieldError(field, problem));
    });
  });

  describe('accepts and normalises', () => {
    it('a touchpoint with every field, trimming text, lowercasing the email and id, uppercasing the currency', () => {
      const input: TouchpointSubmission = {
        messageId: '  m-1  ',
        customer: {
          id: ' 0B7E6C3C-5A4D-4F3E-9B2A-1C0D9E8F7A6B ',
          externalId: ' ada-1 ',
          email: '  Ada@Example.COM ',
          anonymousId: ' visitor-7 ',
          name: '  Ada Lovelace  ',
          attributes: { plan: 'pro' },
        },
        type: ' purchase ',
        channel: ' web ',
        occurredAt: ' 2026-03-01T10:00:00+01:00 ',
        value: -12.5,
        currency: ' eur ',
        campaign: ' spring ',
        properties: { sku: 'x-1', quantity: 2 },
      };
      expect(validateTouchpoint(3, PATH, input, NOW)).toEqual({
        index: 3,
        messageId: 'm-1',
        customer: {
          id: '0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b',
          externalId: 'ada-1',
          email: 'ada@example.com',
          anonymousId: 'visitor-7',
          name: 'Ada Lovelace',
          attributes: { plan: 'pro' },
        },
        type: 'purchase',
        channel: 'web',
        occurredAt: new Date('2026-03-01T09:00:00Z'),
        value: -12.5,
        currency: 'EUR',
        campaign: 'spring',
        properties: { sku: 'x-1', quantity: 2 },
      });
    });

    it('a minimal touchpoint, filling the optional fields with null or empty values', () => {
      expect(validate({})).toEqual({
        index: 3,
        messageId: 'm-1',
        customer: { id: null, externalId: 'ada-1', email: null, anonymousId: null, name: null, attributes: {} },
        type: 'purchase',
        channel: 'web',
        occurredAt: new Date('2026-03-01T10:00:00Z'),
        value: null,
        currency: null,
        campaign: null,
        properties: {},
      });
    });

    it('blank optional text as null', () => {
      expect(validate({ customer: { externalId: 'ada-1', name: '  ' }, currency: ' ', campaign: '' })).toMatchObject({
        customer: { name: null },
        currency: null,
        campaign: null,
      });
    });

    it('an occurredAt exactly a day ahead, and a Date object', () => {
      expect(validate({ occurredAt: '2026-03-02T12:00:00Z' })).toMatchObject({ occurredAt: new Date('2026-03-02T12:00:00Z') });
      expect(validate({ occurredAt: new Date('2026-02-01T00:00:00Z') })).toMatchObject({ occurredAt: new Date('2026-02-01T00:00:00Z') });
    });

    it('a value just under 10^15 either way', () => {
      expect(validate({ value: 999_999_999_999_999 })).toMatchObject({ value: 999_999_999_999_999 });
      expect(validate({ value: -999_999_999_999_999 })).toMatchObject({ value: -999_999_999_999_999 });
    });

    it('properties of exactly 32,768 bytes of JSON', () => {
      // {"text":"…"} is 11 bytes around the text; é is 2 bytes of UTF-8.
      expect(validate({ properties: { text: 'a'.repeat(32_757) } })).toMatchObject({ messageId: 'm-1' });
      expect(validate({ properties: { text: `${'é'.repeat(16_378)}a` } })).toMatchObject({ messageId: 'm-1' });
    });
  });

  it('takes a value of at most 15 significant digits and 4 places exactly, and refuses one that shows more, naming the value (property at and beyond the limits)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }), fc.integer({ min: 0, max: 6 }), (units, scale) => {
        const magnitude = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
        const text = `${units < 0n ? '-' : ''}${magnitude.slice(0, magnitude.length - scale)}${scale > 0 ? `.${magnitude.slice(-scale)}` : ''}`;
        const result = validate({ value: Number(text) });
        const significant = magnitude.replace(/^0+/, '').replace(/0+$/, '').length;
        const places = magnitude.slice(magnitude.length - scale).replace(/0+$/, '').length;
        const fits = significant <= 15 && places <= 4 && Math.abs(Number(text)) < 1e15;
        if (fits) expect(result).toMatchObject({ value: Number(text) });
        // More digits than a double carries: refused naming the value, unless the number that arrived is itself a
        // decimal of at most 15 digits and 4 places (the sent digits were gone before clm saw them).
        else if ('field' in result) expect(result.field).toBe(`${PATH}.value`);
        else expect(significant).toBeGreaterThan(15);
      }),
      { numRuns: 5000 },
    );
  });

  it('for any object, never throws and returns a valid touchpoint or an error naming a field of the given path', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom('m-1', 'ada@example.com', 'purchase', 'web', 'usd', '0b7e6c3c-5a4d-4f3e-9b2a-1c0d9e8f7a6b', '2026-03-01T10:00:00Z'),
    );
    const optional = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null });
    const json = fc.oneof(fc.object(), fc.jsonValue()) as fc.Arbitrary<Record<string, unknown>>;
    const shaped: fc.Arbitrary<TouchpointSubmission> = fc.record(
      {
        messageId: optional(text),
        customer: optional(
          fc.record(
            { id: optional(text), externalId: optional(text), email: optional(text), name: optional(text), attributes: optional(json) },
            { requiredKeys: [] },
          ),
        ),
        type: optional(text),
        channel: optional(text),
        occurredAt: optional(fc.oneof(text, fc.date())),
        value: optional(fc.double()),
        currency: optional(text),
        campaign: optional(text),
        properties: optional(json),
      },
      { requiredKeys: [] },
    );
    const anyObject = fc.object() as fc.Arbitrary<TouchpointSubmission>;
    const path = fc.nat(999).map((index) => `touchpoints[${index}]`);

    fc.assert(
      fc.property(fc.oneof(shaped, anyObject), path, (input, itemPath) => {
        const result = validateTouchpoint(7, itemPath, input, NOW);
        expect(result.index).toBe(7);
        if ('field' in result) {
          expect(result.field.startsWith(`${itemPath}.`)).toBe(true);
          expect(result.message.startsWith(`${result.field}: `)).toBe(true);
        } else {
          expect(Object.keys(result).sort()).toEqual(
            ['campaign', 'channel', 'currency', 'customer', 'index', 'messageId', 'occurredAt', 'properties', 'type', 'value'].sort(),
          );
          expect(result.occurredAt.getTime()).toBeLessThanOrEqual(NOW.getTime() + 86_400_000);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
