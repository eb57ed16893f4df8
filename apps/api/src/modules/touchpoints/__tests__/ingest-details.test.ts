import fc from 'fast-check';
import type { JsonValue } from '@clm/schema';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';

/*
 * Nothing sent is dropped: batches that name the same people many ways
 * (externalId only, email only, both; details on some items only; repeated
 * across batches; replays of earlier items), checked against a model of the
 * rules (identity.ts): one customer per person unless the person was split
 * before anything linked the two identities, every identity on it, and
 * every detail from newly stored items, the first in (batch, messageId)
 * order winning.
 */

type Form = 'x' | 'e' | 'xe';
type Item = { messageId: string; person: number; form: Form; name: string | null; attributes: Record<string, JsonValue> };
type Spec = { fresh: Omit<Item, 'messageId'> & { token: string } } | { replay: number };

const PEOPLE = 3;
const spec: fc.Arbitrary<Spec> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      fresh: fc.record({
        token: fc.stringMatching(/^[a-f0-9]{3}$/),
        person: fc.integer({ min: 0, max: PEOPLE - 1 }),
        form: fc.constantFrom<Form>('x', 'e', 'xe'),
        name: fc.constantFrom(null, null, 'Ada', 'Ada Lovelace', 'A. L.'),
        attributes: fc.dictionary(fc.constantFrom('plan', 'country', 'size'), fc.constantFrom<JsonValue>('pro', 'free', 'de', 3, null), {
          maxKeys: 2,
        }),
      }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ replay: fc.nat() }) },
);
const batches = fc.array(fc.array(spec, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 });

type Expected = { status: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED' };
type PersonState = 'none' | 'x' | 'e' | 'linked' | 'split';

/** The model: each item's outcome, each person's state, and the stored items in the order their details count. */
function model(plan: Item[][]) {
  const stored = new Set<string>();
  const state: PersonState[] = Array.from({ length: PEOPLE }, () => 'none');
  const outcomes: Expected[][] = [];
  const contributing: Item[] = [];
  for (const batch of plan) {
    const firsts = new Map<string, Item>();
    for (const item of batch) if (!firsts.has(item.messageId)) firsts.set(item.messageId, item);
    const fresh = [...firsts.values()].filter((item) => !stored.has(item.messageId)).sort((a, b) => (a.messageId < b.messageId ? -1 : 1));
    const accepted = new Set<string>();
    for (const item of fresh) {
      if (state[item.person] === 'split' && item.form === 'xe') continue;
      accepted.add(item.messageId);
      contributing.push(item);
    }
    for (let person = 0; person < PEOPLE; person++) {
      const forms = new Set(fresh.filter((item) => item.person === person).map((item) => item.form));
      const before = state[person];
      // Only an item giving both identities says they are one person.
      if (forms.has('xe')) state[person] = before === 'split' ? 'split' : 'linked';
      else if (before === 'none')
        state[person] = forms.has('x') && forms.has('e') ? 'split' : forms.has('x') ? 'x' : forms.has('e') ? 'e' : 'none';
      else if ((before === 'x' && forms.has('e')) || (before === 'e' && forms.has('x'))) state[person] = 'split';
    }
    outcomes.push(
      batch.map((item, index) => {
        if (stored.has(item.messageId)) return { status: 'DUPLICATE' };
        if (batch.findIndex((other) => other.messageId === item.messageId) !== index)
          return { status: accepted.has(item.messageId) ? 'DUPLICATE' : 'REJECTED' };
        return { status: accepted.has(item.messageId) ? 'ACCEPTED' : 'REJECTED' };
      }),
    );
    for (const messageId of accepted) stored.add(messageId);
  }
  return { outcomes, state, contributing };
}

describe('ingest keeps every identity and detail sent (property)', () => {
  let context: TestContext;
  let run = 0;
  beforeAll(async () => {
    context = await createTestContext();
  });
  afterAll(async () => {
    await context.close();
  });

  const path = (index: number) => `touchpoints[${index}]`;
  const event = (messageId: string, customer: Record<string, unknown>, type = 'page_view') => ({
    messageId,
    customer,
    type,
    channel: 'web',
    occurredAt: '2026-02-01T10:00:00Z',
  });
  const customerRows = (like: string) =>
    context.db.query(
      `SELECT external_id, email, name, attributes FROM customers WHERE external_id LIKE $1 OR email LIKE $1 ORDER BY external_id`,
      [like],
    );

  it('keeps the details of a page view sent with a purchase that gives only the externalId, whichever messageId is smaller, and a later email-only event finds that customer', async () => {
    for (const [view, purchase] of [
      ['a-view', 'b-purchase'],
      ['b-view', 'a-purchase'],
    ]) {
      const who = `shop-${view}`;
      const results = await context.services.ingest.record(
        [
          event(view, { externalId: who, email: `${who}@example.com`, name: 'Ada', attributes: { plan: 'pro' } }),
          event(purchase, { externalId: who }, 'purchase'),
        ],
        path,
      );
      expect(results.map((result) => result.status)).toEqual(['ACCEPTED', 'ACCEPTED']);
      const later = await context.services.ingest.record([event(`${view}-later`, { email: `${who}@example.com` })], path);
      expect(later[0]).toMatchObject({ status: 'ACCEPTED', customerId: results[0].customerId });
      expect(results[1].customerId).toBe(results[0].customerId);
      expect(await customerRows(`${who}%`)).toEqual([
        { external_id: who, email: `${who}@example.com`, name: 'Ada', attributes: { plan: 'pro' } },
      ]);
    }
  });

  it('makes one customer of an email-only and an externalId-only item once a third gives both, in one batch', async () => {
    const results = await context.services.ingest.record(
      [
        event('link-1', { email: 'link@example.com', name: 'Lin' }),
        event('link-2', { externalId: 'link', attributes: { plan: 'free' } }),
        event('link-3', { externalId: 'link', email: 'link@example.com', name: 'Someone', attributes: { plan: 'pro', country: 'de' } }),
      ],
      path,
    );
    expect(results.map((result) => result.status)).toEqual(['ACCEPTED', 'ACCEPTED', 'ACCEPTED']);
    expect(new Set(results.map((result) => result.customerId)).size).toBe(1);
    // messageId order: link-1 gives the name, link-2 the plan, link-3 only the country.
    expect(await customerRows('link%')).toEqual([
      { external_id: 'link', email: 'link@example.com', name: 'Lin', attributes: { plan: 'free', country: 'de' } },
    ]);
  });

  it('adds what a stored customer lacks and replaces nothing it has; a replay adds nothing', async () => {
    await context.services.ingest.record([event('fill-1', { externalId: 'fill', name: 'First', attributes: { plan: 'pro' } })], path);
    await context.services.ingest.record(
      [event('fill-2', { externalId: 'fill', email: 'fill@example.com', name: 'Second', attributes: { plan: 'free', size: 3 } })],
      path,
    );
    const replay = await context.services.ingest.record([event('fill-1', { externalId: 'fill', attributes: { country: 'fr' } })], path);
    expect(replay[0].status).toBe('DUPLICATE');
    expect(await customerRows('fill%')).toEqual([
      { external_id: 'fill', email: 'fill@example.com', name: 'First', attributes: { plan: 'pro', size: 3 } },
    ]);
  });

  it('one customer per person holding every identity, details from stored items in messageId order, nothing acknowledged lost', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (specs) => {
        run += 1;
        const prefix = `r${run}-`;
        const externalId = (person: number) => `${prefix}x${person}`;
        const email = (person: number) => `${prefix}m${person}@example.com`;
        const all: Item[] = [];
        const plan = specs.map((batch) => {
          const items: Item[] = [];
          for (const entry of batch) {
            const item: Item =
              'fresh' in entry
                ? { ...entry.fresh, messageId: `${prefix}${entry.fresh.token}-${all.length}` }
                : (all[entry.replay % Math.max(all.length, 1)] ?? null);
            if (item === null) continue;
            items.push(item);
            all.push(item);
          }
          return items;
        });
        const { outcomes, state, contributing } = model(plan);

        for (const [batchIndex, batch] of plan.entries()) {
          if (batch.length === 0) continue;
          const results = await context.services.ingest.record(
            batch.map((item, index) => ({
              messageId: item.messageId,
              customer: {
                externalId: item.form === 'e' ? null : externalId(item.person),
                email: item.form === 'x' ? null : email(item.person),
                name: item.name,
                attributes: item.attributes,
              },
              type: 'page_view',
              channel: 'web',
              occurredAt: new Date(Date.UTC(2026, 0, 1, batchIndex, index)).toISOString(),
            })),
            (index) => `touchpoints[${index}]`,
          );
          expect(results.map((result) => result.status)).toEqual(outcomes[batchIndex].map((outcome) => outcome.status));
        }

        // Nothing acknowledged is lost: every acknowledged messageId is stored, on the customer holding the identity it named.
        const acknowledged = new Map(plan.flat().map((item) => [item.messageId, item]));
        const stored = await context.db.query<{ message_id: string; external_id: string | null; email: string | null }>(
          `SELECT t.message_id, c.external_id, c.email FROM touchpoints t JOIN customers c ON c.id = t.customer_id WHERE t.message_id LIKE $1`,
          [`${prefix}%`],
        );
        expect(stored.map((row) => row.message_id).sort()).toEqual(contributing.map((item) => item.messageId).sort());
        for (const row of stored) {
          const item = acknowledged.get(row.message_id);
          if (!item) throw new Error(`unexpected ${row.message_id}`);
          if (item.form !== 'e') expect(row.external_id).toBe(externalId(item.person));
          if (item.form !== 'x') expect(row.email).toBe(email(item.person));
        }

        // One customer per person (two only when split before anything linked them), with every identity and detail.
        const customers = await context.db.query<{
          external_id: string | null;
          email: string | null;
          name: string | null;
          attributes: Record<string, JsonValue>;
        }>(
          `SELECT external_id, email, name, attributes FROM customers WHERE external_id LIKE $1 OR email LIKE $1 ORDER BY external_id, email`,
          [`${prefix}%`],
        );
        const expected = [];
        for (let person = 0; person < PEOPLE; person++) {
          const holders: Array<[string | null, string | null]> =
            state[person] === 'linked'
              ? [[externalId(person), email(person)]]
              : state[person] === 'x'
                ? [[externalId(person), null]]
                : state[person] === 'e'
                  ? [[null, email(person)]]
                  : state[person] === 'split'
                    ? [
                        [externalId(person), null],
                        [null, email(person)],
                      ]
                    : [];
          for (const [x, e] of holders) {
            const mine = contributing.filter(
              (item) => item.person === person && ((x !== null && item.form !== 'e') || (e !== null && item.form !== 'x')),
            );
            const attributes: Record<string, JsonValue> = {};
            for (const item of mine)
              for (const [key, value] of Object.entries(item.attributes)) if (!Object.hasOwn(attributes, key)) attributes[key] = value;
            expected.push({ external_id: x, email: e, name: mine.find((item) => item.name !== null)?.name ?? null, attributes });
          }
        }
        const order = (row: { external_id: string | null; email: string | null }) => `${row.external_id ?? '~'}|${row.email ?? '~'}`;
        expect([...customers].sort((a, b) => order(a).localeCompare(order(b)))).toEqual(
          expected.sort((a, b) => order(a).localeCompare(order(b))),
        );
      }),
      { numRuns: 60 },
    );
  });
});
