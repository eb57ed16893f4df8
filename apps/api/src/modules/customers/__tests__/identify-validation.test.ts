import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { textProblem } from '../../../core/ids';
import { validateIdentify } from '../identify-validation';
import type { IdentifySubmission } from '../identify-validation';

const NOW = new Date('2026-03-01T12:00:00Z');
const FIELDS = ['messageId', 'occurredAt', 'externalId', 'anonymousId', 'previousId', 'email', 'name', 'attributes'];

/** Text that may hold what PostgreSQL cannot store (NUL, lone surrogates), or run past the 256-character limit. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 300, unit: 'binary' }),
  fc.constantFrom('\u0000', 'a\uD800b', '\uDC00', ' ', '', 'x'.repeat(257)),
  fc.string({ maxLength: 20 }),
);
const hostileValue = fc.oneof(
  hostileText,
  fc.integer(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 2 }),
);
const hostileAttributes = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(hostileText, hostileText, { maxKeys: 3 }),
  // Nested deeper than the limit of 32 levels.
  fc.nat({ max: 40 }).map((depth) => {
    let value: Record<string, unknown> = {};
    for (let level = 0; level < depth; level++) value = { nested: value };
    return value;
  }),
);

describe('validateIdentify', () => {
  it('for any input, either accepts storable text within the limits or names the item and one of its fields, and never throws', () => {
    fc.assert(
      fc.property(
        fc.record({
          messageId: hostileValue,
          occurredAt: fc.oneof(fc.constant('2026-03-01T10:00:00Z'), hostileValue),
          externalId: hostileValue,
          anonymousId: hostileValue,
          previousId: hostileValue,
          email: fc.oneof(fc.emailAddress(), hostileValue),
          name: hostileValue,
          attributes: hostileAttributes,
        }),
        (input) => {
          // Hostile on purpose: the fields have types a GraphQL client could not send, as a /v1 caller can.
          const result = validateIdentify(4, 'items[4]', input as IdentifySubmission, NOW);
          if ('message' in result) {
            const field = result.field.replace(/^items\[4\]\./, '').split(/[.[]/)[0];
            expect(FIELDS).toContain(field);
            expect(result.message.startsWith(`${result.field}: `)).toBe(true);
            return;
          }
          const texts = [
            result.messageId,
            result.customer.externalId,
            result.customer.anonymousId,
            result.customer.email,
            result.customer.name,
            result.previousId,
          ];
          for (const text of texts) {
            if (text === null) continue;
            expect(text.length).toBeLessThanOrEqual(256);
            expect(textProblem(text)).toBeNull();
          }
          expect(result.customer.externalId ?? result.customer.email ?? result.customer.anonymousId).not.toBeNull();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts a complete message, trimming text and lowercasing the email', () => {
    expect(
      validateIdentify(
        0,
        'items[0]',
        {
          messageId: ' m-1 ',
          occurredAt: '2026-03-01T10:00:00+01:00',
          externalId: ' u-1 ',
          anonymousId: 'a-1',
          previousId: 'old',
          email: ' Ada@Example.COM ',
          name: ' Ada ',
          attributes: { plan: 'pro' },
        },
        NOW,
      ),
    ).toEqual({
      index: 0,
      messageId: 'm-1',
      occurredAt: new Date('2026-03-01T09:00:00Z'),
      customer: { id: null, externalId: 'u-1', anonymousId: 'a-1', email: 'ada@example.com', name: 'Ada', attributes: { plan: 'pro' } },
      previousId: 'old',
    });
  });

  it('refuses an event time more than a day ahead, naming occurredAt', () => {
    expect(validateIdentify(1, 'items[1]', { messageId: 'm', occurredAt: '2026-03-03T12:00:00Z', externalId: 'u' }, NOW)).toEqual({
      index: 1,
      field: 'items[1].occurredAt',
      message: 'items[1].occurredAt: 2026-03-03T12:00:00.000Z is more than a day in the future',
    });
  });
});
