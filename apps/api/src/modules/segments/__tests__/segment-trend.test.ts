import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Midnight UTC starting today: every logged change is dated from it, so the days are known whenever the test runs. */
const TODAY = Math.floor(Date.now() / DAY) * DAY;
const at = (day: number, hours = 0) => new Date(TODAY + day * DAY + hours * HOUR);
const dayLabel = (day: number) => at(day).toISOString().slice(0, 10);

type Trend = Array<{ day: string; members: number }>;
const LIST = `query ($days: Int) { segments { name memberTrend(days: $days) { day members } } }`;

describe('Segment.memberTrend', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    const results = await server.services.ingest.record(
      ['ann', 'ben', 'cat'].map((name) => ({
        messageId: `trend-${name}`,
        customer: { externalId: name, email: `${name}@example.com` },
        type: 'page_view',
        channel: 'web',
        occurredAt: at(-50).toISOString(),
        value: null,
        properties: null,
      })),
      (index) => `touchpoints[${index}]`,
    );
    const [ann, ben, cat] = results.map((result) => result.customerId as string);
    // Let the projection evaluate these customers now, so nothing re-evaluates the hand-written members below later.
    await server.services.projector.catchUp();
    // Rules no customer matches: the history below is written by hand, as the log and the members it leads to.
    const nobody = (value: string) => ({ attribute: { name: 'plan', operator: 'EQ', value } });
    const trended = await server.services.segments.create({ name: 'Trended', rule: nobody('t') }, 'test');
    await server.services.segments.create({ name: 'Quiet', rule: nobody('q') }, 'test');
    const log: Array<[string, boolean, Date]> = [
      [cat, true, at(-40)], // before the window
      [ann, true, at(-5, 1)],
      [ben, true, at(-3, 2)],
      [ann, false, at(-2)], // exactly midnight: belongs to day -2, so ann still counts at the end of day -3
      [ben, false, at(-1, 3)],
      [ben, true, at(-1, 4)], // out and back in on one day: no change at its end
      [ann, true, at(0, 0)],
    ];
    for (const [customer, entered, occurredAt] of log) {
      await server.db.query(
        `INSERT INTO segment_membership_changes (segment_id, customer_id, entered, occurred_at, cause) VALUES ($1, $2, $3, $4, 'time')`,
        [trended.id, customer, entered, occurredAt],
      );
    }
    for (const customer of [ann, ben, cat]) {
      await server.db.query(`INSERT INTO segment_members (segment_id, customer_id, entered_at) VALUES ($1, $2, now())`, [
        trended.id,
        customer,
      ]);
    }
  });
  afterAll(async () => {
    await server.close();
  });

  it('counts members at the end of each UTC day back from the current count, for every segment in one statement', async () => {
    let statements = 0;
    // Only the request's statements (interactive reads) that read the log and the members together: the projections
    // (webhooks, playbooks) read the same tables on their own connections.
    server.db.observe = (text, kind) => {
      if (kind === 'read' && /segment_membership_changes/.test(text) && /segment_members/.test(text)) statements += 1;
    };
    let result;
    try {
      result = await server.graphql<{ segments: Array<{ name: string; memberTrend: Trend }> }>(LIST, { days: 7 });
    } finally {
      server.db.observe = undefined;
    }
    expect(statements).toBe(1);
    const points = (counts: number[]) => counts.map((members, index) => ({ day: dayLabel(index - 6), members }));
    expect(result.data?.segments).toEqual([
      { name: 'Quiet', memberTrend: points([0, 0, 0, 0, 0, 0, 0]) },
      { name: 'Trended', memberTrend: points([1, 2, 2, 3, 2, 2, 3]) },
    ]);
  });

  it('defaults to 30 days and takes 1 (today, counted now)', async () => {
    const month = await server.graphql<{ segments: Array<{ memberTrend: Trend }> }>(`{ segments { memberTrend { members } } }`);
    const trended = month.data?.segments[1].memberTrend.map((point) => point.members);
    expect(trended).toEqual([...Array(23).fill(1), 1, 2, 2, 3, 2, 2, 3]); // cat entered 40 days ago
    const today = await server.graphql<{ segments: Array<{ memberTrend: Trend }> }>(LIST, { days: 1 });
    expect(today.data?.segments[1].memberTrend).toEqual([{ day: dayLabel(0), members: 3 }]);
  });

  it.each([0, 367, -1])('refuses days = %p, naming days', async (days) => {
    const result = await server.graphql(LIST, { days });
    expect(result.errors?.[0]).toMatchObject({
      message: 'days: must be a whole number from 1 to 366',
      extensions: { code: 'BAD_USER_INPUT', field: 'days' },
    });
  });
});
