import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ClmError } from '../../../core/errors';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';

/*
 * Merges and unmerges while the customers involved receive events, all at
 * once on several connections (ingest with four writers, merges in their
 * own transactions): nothing acknowledged is lost, every touchpoint ends on
 * the customer that holds the identity it was sent with, every customer's
 * rollups equal its touchpoints, and no call fails (a deadlock would surface
 * as an error; transactions retry theirs). Each run has customers of its own:
 * Ann (externalId), Bo (anonymousId), Cy (email).
 */

type Who = 0 | 1 | 2;
type Op = { kind: 'events'; events: Array<{ who: Who; purchase: boolean }> } | { kind: 'merge'; into: Who; from: Who };

const who = fc.constantFrom<Who>(0, 1, 2);
const events: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('events' as const),
  events: fc.array(fc.record({ who, purchase: fc.boolean() }), { minLength: 1, maxLength: 4 }),
});
const merge: fc.Arbitrary<Op> = fc.record({ kind: fc.constant('merge' as const), into: who, from: who });
/** Each phase merges two different customers at least once, among events and other merges, in any order. */
const phase = fc
  .tuple(
    fc.record({ kind: fc.constant('merge' as const), into: who, from: who }).filter((op) => op.into !== op.from),
    fc.array(fc.oneof({ weight: 3, arbitrary: events }, { weight: 2, arbitrary: merge }), { minLength: 1, maxLength: 5 }),
    fc.nat(),
  )
  .map(([first, rest, at]): Op[] => [...rest.slice(0, at % (rest.length + 1)), first, ...rest.slice(at % (rest.length + 1))]);

/** Refusals a merge or unmerge may meet when others ran first (one side merged away, a merge already undone). */
const EXPECTED = new Set(['CUSTOMER_NOT_FOUND', 'MERGE_REFUSED', 'MERGE_NOT_FOUND']);

describe('merges under concurrent ingest (property)', () => {
  let context: TestContext;
  let run = 0;
  beforeAll(async () => {
    context = await createTestContext({ ingestWriters: 4 });
  });
  afterAll(async () => {
    await context.close();
  });

  it('loses no event, places each on the holder of its identity, keeps rollups equal to touchpoints, and never fails a call', async () => {
    await fc.assert(
      fc.asyncProperty(phase, events, async (merging, during) => {
        run += 1;
        const prefix = `r${run}-`;
        const identities = [{ externalId: `${prefix}ann` }, { anonymousId: `${prefix}bo` }, { email: `${prefix}cy@example.com` }];
        let sequence = 0;
        const accepted: Array<{ messageId: string; who: Who }> = [];
        const send = async (list: Array<{ who: Who; purchase: boolean }>) => {
          const items = list.map((event) => ({
            messageId: `${prefix}${(sequence += 1)}`,
            customer: identities[event.who],
            type: event.purchase ? 'purchase' : 'page_view',
            channel: 'web',
            occurredAt: new Date(Date.UTC(2026, 0, 1 + ((sequence * 7) % 90))).toISOString(),
            value: event.purchase ? 10 : null,
          }));
          const results = await context.services.ingest.record(items, (index) => `touchpoints[${index}]`);
          expect(results.map((result) => result.status)).toEqual(items.map(() => 'ACCEPTED'));
          items.forEach((item, index) => accepted.push({ messageId: item.messageId, who: list[index].who }));
        };
        const refusedOnly = async (work: () => Promise<unknown>) => {
          try {
            await work();
          } catch (error) {
            if (!(error instanceof ClmError) || !EXPECTED.has(error.code)) throw error;
          }
        };
        const idOf = async (index: Who) => (await context.services.customers.find(identities[index]))?.id ?? null;

        await send([
          { who: 0, purchase: false },
          { who: 1, purchase: false },
          { who: 2, purchase: true },
        ]);
        const starting = await Promise.all(([0, 1, 2] as const).map(idOf));
        // Phase 1: events and merges at once.
        await Promise.all(
          merging.map(async (op) => {
            if (op.kind === 'events') return send(op.events);
            const [into, from] = [await idOf(op.into), await idOf(op.from)];
            if (into === null || from === null || into === from) return;
            await refusedOnly(() =>
              context.services.merges.merge({ intoId: into, fromId: from, reason: 'property', actor: null, cause: 'manual' }),
            );
          }),
        );
        // Phase 2: every merge of the run undone, newest first, while more events arrive.
        const merges = await context.db.query<{ id: string }>(
          `SELECT m.id FROM customer_merges m JOIN customer_merge_log l ON l.merge_id = m.id AND l.kind = 'merged'
            WHERE m.from_id = ANY ($1::uuid[]) AND m.unmerged_at IS NULL ORDER BY l.id DESC`,
          [starting],
        );
        await Promise.all([
          (async () => {
            for (const { id } of merges) await refusedOnly(() => context.services.merges.unmerge(id, null));
          })(),
          during.kind === 'events' ? send(during.events) : Promise.resolve(),
        ]);

        // Every accepted event is stored once, on the customer that holds the identity it carried.
        const stored = await context.db.query<{ message_id: string; customer_id: string }>(
          `SELECT message_id, customer_id FROM touchpoints WHERE message_id LIKE $1`,
          [`${prefix}%`],
        );
        expect(stored.map((row) => row.message_id).sort()).toEqual(accepted.map((event) => event.messageId).sort());
        const holders = await Promise.all(([0, 1, 2] as const).map(idOf));
        const placed = new Map(stored.map((row) => [row.message_id, row.customer_id]));
        for (const event of accepted) expect(placed.get(event.messageId)).toBe(holders[event.who]);
        // Rollups equal each customer's touchpoints.
        const mismatched = await context.db.query(
          `SELECT c.id FROM customers c
             LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE type = 'purchase')::int AS orders, min(occurred_at) AS first FROM touchpoints t WHERE t.customer_id = c.id) t ON true
            WHERE c.id = ANY ($1::uuid[]) AND (c.orders <> t.orders OR c.first_seen_at IS DISTINCT FROM t.first)`,
          [[...new Set(holders.filter((id): id is string => id !== null))]],
        );
        expect(mismatched).toEqual([]);
        // At least one merge is made (the first to lock its customers finds both) and undone (the newest is always undoable).
        const [{ undone }] = await context.db.query<{ undone: number }>(
          `SELECT count(*)::int AS undone FROM customer_merges WHERE from_id = ANY ($1::uuid[]) AND unmerged_at IS NOT NULL`,
          [starting],
        );
        expect(undone).toBeGreaterThan(0);
      }),
      { numRuns: 12 },
    );
    // Twelve runs of concurrent batches, merges and unmerges: seconds alone, minutes on a loaded 2-core machine.
  }, 600_000);
});
