import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer } from '../../../testing';
import type { TestServer } from '../../../testing';

/*
 * Sales by currency on a hand-made shop: amounts are kept apart by the
 * currency they were sent with, never converted, and add up to `sales`.
 *
 *   ann  2026-05-02 purchase 10    USD  web
 *   ann  2026-05-03 purchase 20.5  usd  ads    (codes are stored upper-case)
 *   bo   2026-05-04 purchase 5     EUR  web
 *   cy   2026-05-05 purchase 7     none web
 *   cy   2026-06-01 purchase 100   USD  web    (after the range)
 *   dee  2026-05-06 refund   4     USD  web    (not a purchase)
 */
const EVENTS: Array<[string, string, string, number, string | null, string]> = [
  ['ann', '2026-05-02', 'purchase', 10, 'USD', 'web'],
  ['ann', '2026-05-03', 'purchase', 20.5, 'usd', 'ads'],
  ['bo', '2026-05-04', 'purchase', 5, 'EUR', 'web'],
  ['cy', '2026-05-05', 'purchase', 7, null, 'web'],
  ['cy', '2026-06-01', 'purchase', 100, 'USD', 'web'],
  ['dee', '2026-05-06', 'refund', 4, 'USD', 'web'],
];

type Answer = { metrics: { sales: { total: number }; salesByCurrency: Array<{ currency: string; purchases: number; amount: number }> } };

describe('sales by currency', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.services.ingest.record(
      EVENTS.map(([customer, day, type, value, currency, channel], index) => ({
        messageId: `currency-${index}`,
        customer: { externalId: customer },
        type,
        channel,
        occurredAt: `${day}T10:00:00Z`,
        value,
        currency,
      })),
      (index) => `touchpoints[${index}]`,
    );
    await server.services.projector.catchUp();
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  const metrics = async (filter: Record<string, string> | null) => {
    const response = await server.graphql<Answer>(
      `query ($filter: MetricFilterInput) { metrics(range: {from: "2026-05-01", to: "2026-05-31"}, filter: $filter) {
        sales { total } salesByCurrency { currency purchases amount } } }`,
      { filter },
    );
    expect(response.errors).toBeUndefined();
    return response.data!.metrics;
  };

  it('keeps each currency apart, as sent, and the parts add up to sales', async () => {
    // May: USD 10 + 20.5 = 30.5 (2), EUR 5 (1), none 7 (1); sales 42.5 adds them as sent.
    expect(await metrics(null)).toEqual({
      sales: { total: 42.5 },
      salesByCurrency: [
        { currency: '', purchases: 1, amount: 7 },
        { currency: 'EUR', purchases: 1, amount: 5 },
        { currency: 'USD', purchases: 2, amount: 30.5 },
      ],
    });
  });

  it('follows the channel filter as sales does (the purchase’s own channel)', async () => {
    expect(await metrics({ channel: 'ads' })).toEqual({
      sales: { total: 20.5 },
      salesByCurrency: [{ currency: 'USD', purchases: 1, amount: 20.5 }],
    });
  });
});
