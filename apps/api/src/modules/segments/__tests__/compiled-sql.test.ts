import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createTestContext } from '../../../testing';
import type { TestContext } from '../../../testing';
import { sql } from '../../../database/sql';
import { validateSegmentRule } from '../rule-validation';
import { matchingStatement } from '../segment.sql';
import type { SegmentRule } from '../segment-rule';
import { RELATIONS, ruleArbitrary } from './rule-arbitraries';

const DAY = 86_400_000;
const AS_OF = new Date('2026-06-01T00:00:00Z');

/*
 * The compiled SQL on a real PostgreSQL: any accepted rule runs, for every
 * customer and for a batch, and the two agree; hostile names find exactly
 * the data they name.
 */
describe('compiled segment rules on PostgreSQL', () => {
  let context: TestContext;
  let everyone: string[];

  beforeAll(async () => {
    context = await createTestContext();
    const at = (days: number) => new Date(AS_OF.getTime() - days * DAY).toISOString();
    const items = [
      {
        messageId: 'p1',
        customer: { externalId: 'ada', attributes: { plan: 'pro', 'it\'s "odd"': { 'a.b': 1 }, tags: ['vip', 'beta'] } },
        type: 'purchase',
        channel: 'web',
        occurredAt: at(10),
        value: 30,
        campaign: 'spring',
      },
      {
        messageId: 'p2',
        customer: { externalId: 'ada' },
        type: 'survey_response',
        channel: 'email',
        occurredAt: at(8),
        properties: { score: 9, plan: 'annual' },
      },
      {
        messageId: 'p3',
        customer: { externalId: 'bob', attributes: { plan: 'free', seats: '12' } },
        type: 'login',
        channel: 'app',
        occurredAt: at(40),
      },
      {
        messageId: 'p4',
        customer: { externalId: 'cy', attributes: { note: "'; DROP TABLE customers; --" } },
        type: 'page_view',
        channel: 'web',
        occurredAt: at(1),
      },
      { messageId: 'p5', customer: { externalId: 'dee' }, type: 'purchase', channel: 'app', occurredAt: at(100), value: -5 },
    ];
    await context.services.ingest.record(items, (index) => `touchpoints[${index}]`);
    // NPS scores and acquisitions come from the metrics projection.
    await context.services.projector.catchUp();
    everyone = (await context.db.query<{ id: string }>(`SELECT id FROM customers ORDER BY id`)).map((row) => row.id);
  });
  afterAll(async () => {
    await context.close();
  });

  /** The members among `customers` (or everyone), evaluated as the refresh and the preview do. */
  async function membersOf(rule: SegmentRule, customers: string[] | null): Promise<string[]> {
    const rows = await context.db.query<{ id: string }>(sql`${matchingStatement(rule, AS_OF, customers, RELATIONS)} ORDER BY c.id`);
    return rows.map((row) => row.id);
  }

  const externalIds = async (ids: string[]) =>
    (
      await context.db.query<{ external_id: string }>(
        `SELECT external_id FROM customers WHERE id = ANY ($1::uuid[]) ORDER BY external_id`,
        [ids],
      )
    ).map((row) => row.external_id);

  const valid = (input: unknown): SegmentRule => {
    const validation = validateSegmentRule(input);
    if (validation.rule === null) throw new Error(JSON.stringify(validation.issues));
    return validation.rule;
  };

  it('finds exactly what hostile names and values name, and nothing for SQL in a value', async () => {
    const odd = valid({ attribute: { name: `it's "odd"`, operator: 'EXISTS' } });
    expect(await externalIds(await membersOf(odd, null))).toEqual(['ada']);
    const injection = valid({ attribute: { name: 'note', operator: 'EQ', value: "'; DROP TABLE customers; --" } });
    expect(await externalIds(await membersOf(injection, null))).toEqual(['cy']);
    const orTrue = valid({ attribute: { name: 'plan', operator: 'EQ', value: "pro' OR '1'='1" } });
    expect(await membersOf(orTrue, null)).toEqual([]);
    const tags = valid({ attribute: { name: 'tags', operator: 'CONTAINS', value: 'vip' } });
    expect(await externalIds(await membersOf(tags, null))).toEqual(['ada']);
    const seats = valid({ attribute: { name: 'seats', operator: 'GT', value: 10 } });
    expect(await externalIds(await membersOf(seats, null))).toEqual(['bob']);
  });

  it('reads a list index in a path as the element at that index with every operator, EQ and NEQ splitting everyone', async () => {
    const check = async (input: unknown, expected: string[]) =>
      expect(await externalIds(await membersOf(valid(input), null))).toEqual(expected);
    // ada's tags are ['vip', 'beta']; nobody else has tags.
    await check({ attribute: { name: 'tags.1', operator: 'EQ', value: 'beta' } }, ['ada']);
    await check({ attribute: { name: 'tags.1', operator: 'NEQ', value: 'beta' } }, ['bob', 'cy', 'dee']);
    await check({ attribute: { name: 'tags.0', operator: 'NEQ', value: 'beta' } }, ['ada', 'bob', 'cy', 'dee']);
    await check({ attribute: { name: 'tags.1', operator: 'IN', value: ['beta', 'gold'] } }, ['ada']);
    const many = Array.from({ length: 30 }, (_, index) => `tag-${index}`);
    await check({ attribute: { name: 'tags.1', operator: 'IN', value: [...many, 'beta'] } }, ['ada']);
    await check({ attribute: { name: 'tags.0', operator: 'CONTAINS', value: 'vi' } }, ['ada']);
    await check({ attribute: { name: 'tags.2', operator: 'EXISTS' } }, []);
    await check({ attribute: { name: 'tags.-1', operator: 'EXISTS' } }, []);
    await check({ attribute: { name: 'tags.01', operator: 'EQ', value: 'beta' } }, []);
  });

  it('evaluates behaviour, NPS and time fields as of the given time', async () => {
    const check = async (input: unknown, expected: string[]) =>
      expect(await externalIds(await membersOf(valid(input), null))).toEqual(expected);
    await check({ behaviour: { types: ['purchase'], withinDays: 30 } }, ['ada']);
    await check({ behaviour: { types: ['login'], withinDays: 30, operator: 'EQ', value: 0 } }, ['ada', 'bob', 'cy', 'dee']);
    await check({ behaviour: { types: ['login'], withinDays: 50, operator: 'EQ', value: 0 } }, ['ada', 'cy', 'dee']);
    await check({ behaviour: { aggregate: 'SUM', operator: 'LT', value: 0 } }, ['dee']);
    await check({ behaviour: { properties: [{ property: 'plan', operator: 'EQ', value: 'annual' }] } }, ['ada']);
    await check({ behaviour: { campaigns: ['spring'], from: '2026-05-01T00:00:00Z', to: '2026-06-01T00:00:00Z' } }, ['ada']);
    await check({ field: { field: 'NPS_SCORE', operator: 'GTE', value: 9 } }, ['ada']);
    await check({ not: { field: { field: 'NPS_SCORE', operator: 'GTE', value: 9 } } }, ['bob', 'cy', 'dee']);
    await check({ field: { field: 'DAYS_SINCE_LAST_SEEN', operator: 'GT', value: 30 } }, ['bob', 'dee']);
    await check({ field: { field: 'LAST_SEEN_AT', operator: 'GTE', value: '2026-05-20T00:00:00Z' } }, ['ada', 'cy']);
  });

  it('runs the SQL of any accepted rule, and agrees for everyone and for a batch of customers', async () => {
    await fc.assert(
      fc.asyncProperty(ruleArbitrary, fc.subarray([0, 1, 2, 3]), async (input, picks) => {
        const validation = validateSegmentRule(input);
        if (validation.rule === null) return;
        const batch = picks.map((index) => everyone[index]);
        const all = await membersOf(validation.rule, null);
        const some = await membersOf(validation.rule, batch);
        expect(some).toEqual(all.filter((id) => batch.includes(id)));
      }),
      { numRuns: 150 },
    );
  });
});
