import fc from 'fast-check';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';

/*
 * Ingest's customers, whatever the batches: new customers are created before
 * a batch's transaction (and skipped for identities the instance knows), so
 * these properties check that this changes nothing a client can see. Every
 * run has identities and messageIds of its own, over a small pool so that
 * batches repeat, replay, link and conflict, with customers deleted between
 * batches (the instance still remembers their identities).
 */

type Step =
  | { kind: 'batch'; items: Array<{ message: number; externalId: number | null; email: number | null }> }
  | { kind: 'delete'; externalId: number };

const reference = fc.record({ externalId: fc.option(fc.integer({ min: 0, max: 3 })), email: fc.option(fc.integer({ min: 0, max: 3 })) });
const item = fc.record({
  message: fc.integer({ min: 0, max: 9 }),
  externalId: reference.map((r) => r.externalId),
  email: reference.map((r) => r.email),
});
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('batch' as const), items: fc.array(item, { minLength: 1, maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), externalId: fc.integer({ min: 0, max: 3 }) }) },
);

describe('ingest and customer identities (property)', () => {
  let context: TestContext;
  let run = 0;
  beforeAll(async () => {
    context = await createTestContext();
  });
  afterAll(async () => {
    await context.close();
  });

  it('attributes every stored item to the customer holding its identity, creates no customer without a touchpoint, and answers replays with the first outcome', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        run += 1;
        const prefix = `p${run}-`;
        const externalId = (n: number) => `${prefix}x${n}`;
        const email = (n: number) => `${prefix}m${n}@example.com`;
        /** The first outcome of each messageId still stored: its touchpoint and customer. */
        const firstOutcome = new Map<string, { touchpointId: string; customerId: string }>();
        let day = 0;
        for (const current of steps) {
          if (current.kind === 'delete') {
            const [row] = await context.db.query<{ id: string }>(`SELECT id FROM customers WHERE external_id = $1`, [
              externalId(current.externalId),
            ]);
            if (row) await context.services.customers.delete(row.id);
            continue;
          }
          const submissions = current.items.map((entry) => ({
            messageId: `${prefix}e${entry.message}`,
            customer:
              entry.externalId === null && entry.email === null
                ? { externalId: externalId(0) }
                : {
                    externalId: entry.externalId === null ? null : externalId(entry.externalId),
                    email: entry.email === null ? null : email(entry.email),
                  },
            type: 'page_view',
            channel: 'web',
            occurredAt: new Date(Date.UTC(2026, 0, 1 + (day += 1))).toISOString(),
          }));
          const results = await context.services.ingest.record(submissions, (index) => `touchpoints[${index}]`);
          for (const [index, result] of results.entries()) {
            const messageId = submissions[index].messageId;
            if (result.status === 'REJECTED') continue;
            const stored = await context.db.query<{ id: string; customer_id: string; external_id: string | null; email: string | null }>(
              `SELECT t.id::text, t.customer_id, c.external_id, c.email FROM touchpoints t JOIN customers c ON c.id = t.customer_id WHERE t.message_id = $1`,
              [messageId],
            );
            if (stored.length === 0) {
              // Only a touchpoint deleted with its customer can be answered DUPLICATE without a row.
              expect(result.status).toBe('DUPLICATE');
              continue;
            }
            expect(result.touchpointId).toBe(stored[0].id);
            expect(result.customerId).toBe(stored[0].customer_id);
            const earlier = firstOutcome.get(messageId);
            if (earlier) expect({ touchpointId: result.touchpointId, customerId: result.customerId }).toEqual(earlier);
            else firstOutcome.set(messageId, { touchpointId: stored[0].id, customerId: stored[0].customer_id });
            if (result.status === 'ACCEPTED') {
              // The customer holds an identity the item named.
              const named = submissions[index].customer;
              expect(stored[0].external_id === named.externalId || stored[0].email === named.email).toBe(true);
            }
          }
          for (const [messageId, outcome] of firstOutcome) {
            const [alive] = await context.db.query(`SELECT 1 FROM customers WHERE id = $1`, [outcome.customerId]);
            if (!alive) firstOutcome.delete(messageId);
          }
        }
        const orphans = await context.db.query(
          `SELECT c.external_id, c.email FROM customers c
            WHERE (c.external_id LIKE $1 OR c.email LIKE $1) AND NOT EXISTS (SELECT 1 FROM touchpoints t WHERE t.customer_id = c.id)`,
          [`${prefix}%`],
        );
        expect(orphans).toEqual([]);
      }),
      {
        numRuns: 40,
        // Found in CI: a replayed event (e0) naming new identities made the step before the transaction create a
        // customer with them, which the transaction then left without a touchpoint.
        examples: [
          [
            [
              { kind: 'batch', items: [{ message: 0, externalId: null, email: null }] },
              {
                kind: 'batch',
                items: [
                  { message: 0, externalId: 1, email: 0 },
                  { message: 2, externalId: null, email: 2 },
                  { message: 1, externalId: 1, email: 2 },
                ],
              },
            ],
          ],
        ],
      },
    );
  });
});
